"""The public pages answer like the API's reads (`api.services.tag_public_read`):
tagged by the views' generations and positions, the log head, the signed
checkpoint's size and the URL root before any view row, so a repeated read
is the worker's remembered body, byte for byte an uncached render, and a
held tag is a 304 without rendering; on SQLite and PostgreSQL. What changes
with no event (the tree signed later, another host name) makes a new tag."""

from __future__ import annotations

import pytest

from api.body_cache import EXTENSION, BodyCache
from ledger.personal_store import PersonalData
from projections.service import ReadModels
from tests.helpers import post, seed
from transparency.follower import TreeBuilder
from web import pages

VIEW_READS = ("work", "works", "programs", "exhibitions")


def _pages(s) -> dict[str, str]:
    return {
        "home": "/",
        "work": f"/works/{s.work}",
        "verify": f"/verify?sha256={s.content_sha256}",
    }


def _answer(client, path: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict]:
    response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return response.data, {k: v for k, v in response.headers.items() if k != "Date"}


def _forget(client) -> BodyCache:
    cache = client.application.extensions[EXTENSION] = BodyCache()
    return cache


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("a remembered page read a view row or rendered")


def _refusing(monkeypatch: pytest.MonkeyPatch):
    patch = monkeypatch.context()
    context = patch.__enter__()
    for name in VIEW_READS:
        context.setattr(ReadModels, name, _refuse)
    context.setattr(PersonalData, "many", _refuse)
    context.setattr(pages, "render_template", _refuse)
    return patch


def _same_as_uncached(client, paths: dict[str, str], monkeypatch) -> dict:
    """Each page read twice, the second time with every view read and
    rendering refused, and compared with an uncached render."""
    _forget(client)
    for path in paths.values():
        _answer(client, path)
    patch = _refusing(monkeypatch)
    try:
        cached = {name: _answer(client, path) for name, path in paths.items()}
    finally:
        patch.__exit__(None, None, None)
    for name, path in paths.items():
        _forget(client)
        assert _answer(client, path) == cached[name], name
    return cached


def test_a_remembered_page_is_the_uncached_render_byte_for_byte(store_client, monkeypatch):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    answers = _same_as_uncached(client, _pages(s), monkeypatch)
    assert b"<h1>" in answers["work"][0] and answers["work"][1]["ETag"]
    assert answers["home"][1]["Content-Type"].startswith("text/html")


def test_a_held_page_tag_is_a_304_without_rendering(store_client, monkeypatch):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    tags = {path: _answer(client, path)[1]["ETag"] for path in _pages(s).values()}
    _forget(client)
    patch = _refusing(monkeypatch)
    try:
        for path, tag in tags.items():
            held = client.get(path, headers={"If-None-Match": tag})
            assert held.status_code == 304 and held.headers["ETag"] == tag, path
    finally:
        patch.__exit__(None, None, None)


def test_an_event_makes_a_fresh_page(store_client, monkeypatch):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    paths = _pages(s)
    before = _same_as_uncached(client, paths, monkeypatch)
    post(client, f"/v1/participants/{s.participant}/erase", tokens.staff, {"reason": "asked"}, 200)
    after = _same_as_uncached(client, paths, monkeypatch)
    for name in ("home", "work"):
        assert after[name][0] != before[name][0], name
        assert b"Kim Seo-yeon" in before[name][0] and b"Kim Seo-yeon" not in after[name][0]


def test_the_home_page_names_the_checkpoint_signed_after_its_events(client, tokens, system):
    """The tree builder signs later than the event: no event, a new tag."""
    seed(client, tokens)
    first = client.get("/")
    TreeBuilder(system.log, system.db, system.settings).catch_up()
    size = system.transparency.checkpoint().head.size
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert f"<dd>{size}</dd>".encode() in again.data and size > 0
    assert f"<dd>{size}</dd>".encode() not in first.data


def test_each_host_name_has_its_own_home_page(client, tokens):
    seed(client, tokens)
    one = client.get("/", base_url="http://one.example")
    other = client.get("/", base_url="http://other.example")
    assert b"one.example" in one.data and b"other.example" in other.data
    assert one.headers["ETag"] != other.headers["ETag"]
