"""The console offers what the ledger will do and nothing else: a next page
only when there is one, and no admission, grant or generation form for a
program that is closed (the commands refuse them)."""

from __future__ import annotations

import re

from tests.console_support import sign_in, text_of
from tests.helpers import apply, open_program, post, seed
from web.console import staff


def test_the_programs_list_links_the_next_page_only_when_there_is_one(
    client, app, tokens, monkeypatch
):
    open_program(client, tokens, slug="seoul-2026")
    open_program(client, tokens, slug="busan-2027")
    monkeypatch.setattr(staff, "PROGRAMS_PER_PAGE", 1)
    api = client.get("/v1/programs?limit=1").get_json()
    console = app.test_client()
    sign_in(console, tokens.staff)

    first = console.get("/console/staff/programs").get_data(as_text=True)

    link = re.search(r'<p class="pager"><a href="([^"]+)">Next page</a>', first)
    assert link and link.group(1) == f"/console/staff/programs?after={api['next']}"
    second = console.get(link.group(1)).get_data(as_text=True)
    assert "busan-2027" in second and "seoul-2026" not in second
    assert "Next page" not in second and "Macro" not in second

    monkeypatch.setattr(staff, "PROGRAMS_PER_PAGE", 20)
    whole = console.get("/console/staff/programs").get_data(as_text=True)
    assert "Next page" not in whole and "Macro" not in whole


def test_a_closed_program_offers_no_admission_grant_or_generation_it_would_refuse(
    client, app, tokens
):
    seeded = seed(client, tokens, declare=False)
    pending = apply(client, tokens, seeded.slug, name="Lee Ji-ho")
    post(client, f"/v1/programs/{seeded.slug}/close", tokens.staff, None, 200)
    refused = post(client, f"/v1/applications/{pending}/admit", tokens.staff).get_json()
    assert refused["title"] == "Program is closed"
    staff_console = app.test_client()
    sign_in(staff_console, tokens.staff)
    program = f"/console/staff/programs/{seeded.slug}"

    applications = staff_console.get(f"{program}/applications")

    html = applications.get_data(as_text=True)
    assert f"/applications/{pending}/admit" not in html and ">Admit<" not in html
    assert "The program is closed: no one can be admitted." in text_of(applications)
    assert f"/applications/{pending}/decline" in html  # still allowed: it closes the file
    participant = staff_console.get(f"/console/staff/participants/{seeded.participant}")
    assert "/grants" not in participant.get_data(as_text=True).replace("/grants/video", "")
    assert "no more tools are granted" in text_of(participant)
    closing = text_of(staff_console.get(f"{program}/close"))
    assert "is closed" in closing and "Close the program" not in closing

    artist_console = app.test_client()
    sign_in(artist_console, seeded.artist_headers)
    record = artist_console.get(f"/console/artists/{seeded.participant}")
    assert "/generations" not in record.get_data(as_text=True)
    assert "no more generations are recorded" in text_of(record)
