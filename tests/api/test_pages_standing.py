"""A retracted or disputed declaration is marked wherever the work is
listed (the home page's works and exhibitions, the exhibitions API, the
staff's exhibitions page), not only on its own page: a record of truth shows
one status everywhere."""

from __future__ import annotations

import re

from api.demo import TITLES
from tests.api.test_pages import demo  # noqa: F401 (a fixture)
from tests.console_support import sign_in, text_of
from tests.helpers import post

RETRACTED, DISPUTED, STANDING = TITLES[2], TITLES[4], TITLES[6]  # each hung in the demo show


def _correct(client, demo, tokens) -> None:  # noqa: F811
    retracted, disputed = demo["works"][RETRACTED], demo["works"][DISPUTED]
    artist = tokens.artist(retracted["owner"]["participant_id"])
    post(client, f"/v1/works/{retracted['id']}/retract", artist, {"reason": "not mine"}, 200)
    post(client, f"/v1/works/{disputed['id']}/dispute", tokens.staff, {"reason": "claimed"}, 200)


def _items(html: str, title: str) -> list[str]:
    """The text of each list item that links to the work called `title`."""
    items = re.findall(r"<li>(.*?)</li>", html, flags=re.S)
    found = [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items if f">{title}<" in i]
    return found


def test_the_home_page_marks_retracted_and_disputed_works_in_every_list(
    client,
    demo,  # noqa: F811
    tokens,
):
    _correct(client, demo, tokens)

    html = client.get("/").get_data(as_text=True)

    declared, shown = _items(html, RETRACTED)
    assert "ownership retracted" in declared and "no one owns it now" in declared
    assert "ownership retracted" in shown
    declared, shown = _items(html, DISPUTED)
    assert "ownership disputed" in declared and "ownership disputed" in shown
    for item in _items(html, STANDING):
        assert "retracted" not in item and "disputed" not in item


def test_the_exhibitions_api_gives_each_hung_work_its_status(client, demo, tokens):  # noqa: F811
    _correct(client, demo, tokens)

    [show] = client.get("/v1/exhibitions").get_json()["items"]

    status = {w["title"]: w["status"] for w in show["works"]}
    assert status[RETRACTED] == "retracted" and status[DISPUTED] == "disputed"
    assert status[STANDING] == "declared"
    [retracted] = [w for w in show["works"] if w["title"] == RETRACTED]
    assert retracted["retracted_at"] and retracted["disputed_at"] is None


def test_staff_see_the_status_of_hung_works_and_are_not_offered_a_retracted_one(
    client,
    app,
    demo,  # noqa: F811
    tokens,
    system,
):
    _correct(client, demo, tokens)
    post(
        client,
        "/v1/exhibitions",
        tokens.staff,
        {
            "program": "seoul-2026",
            "title": "Second show",
            "venue": "Hall",
            "opens_on": "2026-12-01",
            "closes_on": "2026-12-20",
        },
        201,
    )
    console = app.test_client()
    sign_in(console, tokens.staff)

    page = console.get("/console/staff/programs/seoul-2026/exhibitions")

    text = text_of(page)
    assert f"{RETRACTED} — credited to" in text and "ownership retracted" in text
    assert "ownership disputed" in text
    options = re.findall(r"<option [^>]*>([^<]*)</option>", page.get_data(as_text=True))
    assert options and not any(o.startswith(f"{RETRACTED} —") for o in options)
    assert any(o.startswith(f"{DISPUTED} —") and "(ownership disputed)" in o for o in options)
