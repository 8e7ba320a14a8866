"""The artist's record in the console reads the API's own reads: the
generations view, paged as `GET /v1/participants/{id}/generations` pages it,
and their works with the status the registry gives them."""

from __future__ import annotations

import re

from tests.console_support import sign_in, submit, text_of
from tests.helpers import post, seed, sha
from web.console import artist


def _record_generation(client, seeded, name: str) -> str:
    body = {"tool": "video", "tool_version": "2.1", "output_sha256": sha(name)}
    return post(
        client,
        f"/v1/participants/{seeded.participant}/generations",
        seeded.artist_headers,
        body | {"media_type": "video/mp4"},
        201,
    ).get_json()["id"]


def test_my_generations_are_paged_like_the_api_oldest_first(client, app, tokens, monkeypatch):
    seeded = seed(client, tokens, declare=False)
    for name in ("second", "third"):
        _record_generation(client, seeded, name)
    monkeypatch.setattr(artist, "GENERATIONS_PER_PAGE", 2)
    api = client.get(
        f"/v1/participants/{seeded.participant}/generations?limit=2", headers=seeded.artist_headers
    ).get_json()
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    mine = f"/console/artists/{seeded.participant}"

    first = console.get(mine)

    html = first.get_data(as_text=True)
    assert "My generations (3)" in text_of(first)
    assert [g["output_sha256"] for g in api["items"]] == [sha("out"), sha("second")]
    assert sha("out") in html and sha("second") in html and sha("third") not in html
    later = re.search(r'href="([^"]+)">Later generations<', html)
    assert later and later.group(1).endswith(f"?after={api['next']}")
    second = console.get(later.group(1).replace("&amp;", "&"))
    page = second.get_data(as_text=True)
    assert sha("third") in page and sha("out") not in page
    assert "Later generations" not in page and "First page" in page
    # The declaration form offers the generations of the page shown.
    assert page.count('name="generation_ids"') == 1


def test_a_generation_recorded_in_the_console_is_on_the_page_it_returns_to(app, client, tokens):
    seeded = seed(client, tokens, declare=False)
    console = app.test_client()
    sign_in(console, seeded.artist_headers)
    mine = f"/console/artists/{seeded.participant}"
    written = submit(
        console,
        mine,
        f"{mine}/generations",
        {"tool": "video", "tool_version": "2.1", "output_sha256": sha("new"), "media_type": "x/y"},
    )

    assert written.status_code == 303, text_of(written)
    shown = console.get(written.location)
    assert "My generations (2)" in text_of(shown) and sha("new") in shown.get_data(as_text=True)
