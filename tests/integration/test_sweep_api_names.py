"""The registry's search by display name finds a name in any canonically
equivalent spelling, on SQLite and PostgreSQL: "김서연" typed composed (NFC,
what keyboards send) found nothing when the artist's display name had come
in decomposed (NFD, what a Mac's file names and some clipboards give)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
import requests

from tests.helpers import PROGRAM, VIDEO_TOOL, post, seed, sha


def _declared_work(server, display_name: str) -> dict:
    """A work declared by an admitted artist who then set `display_name`."""
    base, staff = server.base, server.token("staff")

    def send(path: str, headers: dict[str, str], body: object = None) -> dict:
        answer = requests.post(f"{base}{path}", json=body or {}, headers=headers, timeout=10)
        assert answer.status_code in (200, 201), (path, answer.text)
        return answer.json()

    send("/v1/programs", staff, PROGRAM)
    send(f"/v1/programs/{PROGRAM['slug']}/tools", staff, VIDEO_TOOL)
    application = {"artist_name": "Kim", "email": "kim@example.org"}
    application |= {"portfolio_url": "https://p.example.org", "statement": "s"}
    pid = send(f"/v1/programs/{PROGRAM['slug']}/applications", staff, application)["id"]
    send(f"/v1/applications/{pid}/admit", staff)
    send(f"/v1/participants/{pid}/grants", staff, {"tool": "video"})
    artist = server.token("artist", pid)
    generation = {"tool": "video", "tool_version": "2.1", "media_type": "video/mp4"}
    generation["output_sha256"] = sha("o")
    made = send(f"/v1/participants/{pid}/generations", artist, generation)
    work = {"title": "T", "content_sha256": sha("w"), "statement": "mine."}
    declared = send("/v1/works", artist, work | {"generation_ids": [made["id"]]})
    named = send(f"/v1/participants/{pid}/display-name", artist, {"display_name": display_name})
    return {"id": declared["id"], "position": named["position"]}


def test_a_search_by_display_name_finds_every_canonically_equivalent_spelling(server):
    name = "김서연 Café"
    decomposed, composed = (unicodedata.normalize(form, name) for form in ("NFD", "NFC"))
    assert decomposed != composed
    work = _declared_work(server, decomposed)
    for spelling in (composed, decomposed, composed.upper()):
        url = f"{server.base}/v1/works?owner={quote(spelling)}&min_position={work['position']}"
        found = requests.get(url, timeout=10).json()["items"]
        assert [w["id"] for w in found] == [work["id"]], spelling


@pytest.mark.parametrize("stored", ["NFD", "NFC"])
def test_a_name_keyed_before_the_normalisation_is_found_in_either_spelling(
    store_client, monkeypatch, stored
):
    """Rows written before `name_key` hold the name casefolded only, as it came."""
    client, tokens, system = store_client
    seeded = seed(client, tokens)
    monkeypatch.setattr("ledger.personal.name_key", str.casefold)  # the old key
    path = f"/v1/participants/{seeded.participant}/display-name"
    name = unicodedata.normalize(stored, "김서연 Café")
    post(client, path, seeded.artist_headers, {"display_name": name}, 200)
    monkeypatch.undo()
    for form in ("NFD", "NFC"):
        typed = unicodedata.normalize(form, "김서연 café")
        assert system.people.named(typed) == [seeded.participant], (stored, form)
