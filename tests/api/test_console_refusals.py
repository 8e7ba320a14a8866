"""A refusal in the console says what is wrong where it is wrong, in the
page's words, and points at what it is about: the work that already owns a
hash, the field whose value was refused."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from tests.console_support import sign_in, submit, text_of
from tests.helpers import DAYS, PROGRAM, seed, sha


def test_a_hash_another_artist_owns_is_refused_with_a_link_to_their_work(client, app, tokens):
    theirs = seed(client, tokens)
    mine = seed(client, tokens, slug="busan-2027")
    console = app.test_client()
    sign_in(console, mine.artist_headers)
    page = f"/console/artists/{mine.participant}"

    refused = submit(
        console,
        page,
        f"{page}/works",
        {
            "title": "Not mine",
            "content_sha256": theirs.content_sha256,
            "generation_ids": mine.generation,
            "statement": "x",
        },
    )

    assert refused.status_code == 409
    problem = re.search(r'<div class="problem".*?</div>', refused.get_data(as_text=True), re.S)
    assert problem and theirs.content_sha256 in problem.group(0)
    assert f'href="/works/{theirs.work}"' in problem.group(0)
    assert "See the declared work" in text_of(refused)


def test_a_refusal_about_no_work_links_to_none(client, app, tokens):
    seeded = seed(client, tokens, declare=False)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    page = f"/console/artists/{seeded.participant}"

    refused = submit(console, page, f"{page}/works", {"title": "t", "statement": "x"})

    assert refused.status_code == 422
    assert "See the declared work" not in text_of(refused)


def _beside(response, form: str, field: str) -> str:
    found = re.search(rf'id="{form}-{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert found, f"no error beside {form}-{field}"
    return html.unescape(found.group(1))


def _top(response, form: str) -> str:
    found = re.search(rf'id="{form}-problem">(.*?)</div>', response.get_data(as_text=True), re.S)
    assert found, f"no problem at the top of {form}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_program_ending_before_it_starts_is_refused_beside_its_end(app, tokens, system):
    console = app.test_client()
    sign_in(console, tokens.staff)
    body = PROGRAM | {"starts_on": "2027-05-10", "ends_on": "2027-05-01"}

    refused = submit(console, "/console/staff/programs", "/console/staff/programs", body)

    assert refused.status_code == 422 and system.log.head() == 0
    assert _beside(refused, "open", "ends_on") == "Must not be before “Starts on”."
    assert "ends_on" not in _top(refused, "open") and "starts_on" not in _top(refused, "open")


def test_a_grant_expiring_in_the_past_is_refused_beside_its_expiry(client, app, tokens):
    seeded = seed(client, tokens, declare=False)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"/console/staff/participants/{seeded.participant}"
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    refused = submit(console, page, f"{page}/grants", {"tool": "video", "expires_at": past})

    assert refused.status_code == 422
    assert _beside(refused, "grant", "expires_at") == "Choose a time in the future."
    top = _top(refused, "grant")
    assert "Unprocessable command" not in top and "expires_at" not in top


def test_a_generation_outside_the_programs_days_is_refused_beside_its_time(client, app, tokens):
    seeded = seed(client, tokens, declare=False)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    page = f"/console/artists/{seeded.participant}"
    before = (DAYS[0] - timedelta(days=3)).isoformat() + "T10:00"
    body = {"tool": "video", "tool_version": "2.1", "output_sha256": sha("early")}

    refused = submit(
        console,
        page,
        f"{page}/generations",
        body | {"media_type": "video/mp4", "generated_at": before},
    )

    assert refused.status_code == 409  # the API's status for this rule
    message = _beside(refused, "generation", "generated_at")
    assert message.startswith("Must fall within the program's dates, ")
    assert DAYS[0].strftime("%-d %B %Y") in message
    assert "generated_at" not in _top(refused, "generation")
