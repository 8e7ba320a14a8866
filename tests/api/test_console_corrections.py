"""Retract (the artist) and dispute (staff) in the console: the API's
commands, the API's refusals beside the field or at the form's top, and the
work's status on every page that shows it."""

from __future__ import annotations

import re

from tests.console_support import sign_in, submit, text_of
from tests.helpers import seed


def _field_error(response, form: str, field: str) -> str:
    found = re.search(rf'id="{form}-{field}-error">([^<]*)<', response.get_data(as_text=True))
    assert found, f"no error beside {form}-{field}"
    return found.group(1)


def test_an_artist_retracts_their_work_after_a_page_that_says_what_it_means(
    client, app, tokens, system
):
    seeded = seed(client, tokens)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    mine = f"/console/artists/{seeded.participant}"
    page = f"{mine}/works/{seeded.work}/retract"
    assert f'href="{page}"' in console.get(mine).get_data(as_text=True)
    confirm = text_of(console.get(page))
    assert "Retract “Han River”?" in confirm and "cannot be withdrawn" in confirm
    head = system.log.head()

    empty = submit(console, page, page, {"reason": ""})

    api = client.post(
        f"/v1/works/{seeded.work}/retract", json={}, headers=seeded.artist_headers
    ).get_json()
    assert empty.status_code == 422 and system.log.head() == head
    assert _field_error(empty, "retract", "reason") == "Fill this in."
    assert "reason" in api["errors"]

    done = submit(console, page, page, {"reason": "made by mistake"})

    assert done.status_code == 303
    work = client.get(f"/v1/works/{seeded.work}").get_json()
    assert work["status"] == "retracted"
    shown = console.get(done.location)
    text = text_of(shown)
    assert "Declaration retracted" in text and "retracted by its artist on" in text
    assert f'href="{page}"' not in shown.get_data(as_text=True)

    again = submit(console, page, page, {"reason": "twice"})
    api = client.post(
        f"/v1/works/{seeded.work}/retract", json={"reason": "x"}, headers=seeded.artist_headers
    )
    assert again.status_code == api.status_code == 409
    assert f"{api.get_json()['title']} {api.get_json()['detail']}" in text_of(again)


def test_an_artist_cannot_retract_another_artists_work(client, app, tokens):
    seeded = seed(client, tokens)
    other = seed(client, tokens, slug="busan-2027")
    console = app.test_client()
    sign_in(console, other.artist_headers)
    theirs = f"/console/artists/{other.participant}/works/{seeded.work}/retract"
    assert console.get(theirs).status_code == 404
    mine = f"/console/artists/{other.participant}"
    response = submit(console, mine, theirs, {"reason": "mine now"})
    assert response.status_code == 403
    assert client.get(f"/v1/works/{seeded.work}").get_json()["status"] == "declared"


def test_staff_dispute_a_declaration_with_a_reason(client, app, tokens, system):
    seeded = seed(client, tokens)
    console = app.test_client()
    sign_in(console, tokens.staff)
    page = f"/console/staff/participants/{seeded.participant}"
    action = f"{page}/works/{seeded.work}/dispute"
    head = system.log.head()

    empty = submit(console, page, action, {"reason": " "})

    assert empty.status_code == 422 and system.log.head() == head
    assert _field_error(empty, f"dispute-{seeded.work}", "reason") == "Fill this in."

    done = submit(console, page, action, {"reason": "another artist claims it"})

    assert done.status_code == 303
    assert client.get(f"/v1/works/{seeded.work}").get_json()["status"] == "disputed"
    text = text_of(console.get(done.location))
    assert "Declaration marked disputed" in text and "disputed by staff on" in text

    again = submit(console, page, action, {"reason": "twice"})
    api = client.post(
        f"/v1/works/{seeded.work}/dispute", json={"reason": "x"}, headers=tokens.staff
    )
    assert again.status_code == api.status_code == 409
    assert f"{api.get_json()['title']} {api.get_json()['detail']}" in text_of(again)

    artist = app.test_client()
    sign_in(artist, seeded.artist_headers)
    mine = text_of(artist.get(f"/console/artists/{seeded.participant}"))
    assert "disputed by staff on" in mine
