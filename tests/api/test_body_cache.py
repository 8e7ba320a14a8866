"""A worker answers a tag it answered before from memory (`api.body_cache`):
the same bytes and headers as an uncached answer, on SQLite and PostgreSQL,
for every tagged read (JSON and CSV, each reader's fields); a new event, an
erasure or an expiring grant makes a fresh body; a revoked token is refused
before the cache is asked; the cache stays within its bounds."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api import conditional, reads
from api.body_cache import EXTENSION, BodyCache, Entry
from ledger.events import rfc3339
from ledger.personal_store import PersonalData
from projections import service
from projections.rebuild import rebuild
from projections.service import ReadModels
from tests.helpers import apply, open_program, post, seed

GENERATION = {
    "tool": "video",
    "tool_version": "2.1",
    "output_sha256": "cd" * 32,
    "media_type": "video/mp4",
}
VIEW_READS = ("roster", "application", "generations", "work", "works", "programs")
VIEW_READS += ("program", "exhibitions", "audit_report")


def _reads(s, tokens) -> dict[str, tuple[str, dict[str, str]]]:
    """Every tagged read, as each reader who sees different fields."""
    roster, audit = f"/v1/programs/{s.slug}/roster", f"/v1/programs/{s.slug}/audit-report"
    record = f"/v1/participants/{s.participant}"
    return {
        "roster staff": (roster, tokens.staff),
        "roster auditor": (roster, tokens.auditor),
        "roster csv": (f"{roster}?format=csv", tokens.staff),
        "roster accept csv": (roster, tokens.staff | {"Accept": "text/csv"}),
        "audit": (audit, tokens.auditor),
        "audit csv": (f"{audit}?format=csv", tokens.auditor),
        "lookup": (f"/v1/works?sha256={s.content_sha256}", {}),
        "work": (f"/v1/works/{s.work}", {}),
        "record staff": (record, tokens.staff),
        "record auditor": (record, tokens.auditor),
        "record self": (record, s.artist_headers),
        "generations": (f"{record}/generations", tokens.staff),
        "application": (f"/v1/applications/{s.participant}", tokens.staff),
        "feed staff": ("/v1/events?limit=50", tokens.staff),
        "feed partner": ("/v1/events?limit=50", tokens.partner),
        "programs": ("/v1/programs", {}),
        "program": (f"/v1/programs/{s.slug}", {}),
        "exhibitions": ("/v1/exhibitions", {}),
    }


def _answer(client, path: str, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    kept = {k: v for k, v in response.headers.items() if k != "Date"}
    return response.data, kept


def _forget(client) -> BodyCache:
    cache = client.application.extensions[EXTENSION] = BodyCache()
    return cache


def _uncached(client, reads_: dict) -> dict[str, tuple[bytes, dict[str, str]]]:
    answers = {}
    for name, (path, headers) in reads_.items():
        _forget(client)
        answers[name] = _answer(client, path, headers)
    return answers


def _refuse(*_: object, **__: object) -> None:
    raise AssertionError("a remembered answer read a view row or built a body")


def _cached(client, reads_: dict, monkeypatch) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Each read answered twice, the second time with every view read refused."""
    for path, headers in reads_.values():
        _answer(client, path, headers)
    with monkeypatch.context() as patch:
        for name in VIEW_READS:
            patch.setattr(ReadModels, name, _refuse)
        patch.setattr(PersonalData, "many", _refuse)
        patch.setattr(PersonalData, "get", _refuse)
        patch.setattr(reads, "feed", _refuse)
        return {name: _answer(client, *read) for name, read in reads_.items()}


def _same_as_uncached(client, reads_: dict, monkeypatch) -> dict:
    _forget(client)
    cached = _cached(client, reads_, monkeypatch)
    uncached = _uncached(client, reads_)
    for name in reads_:
        assert cached[name] == uncached[name], name
    return cached


def test_a_remembered_answer_is_the_uncached_one_byte_for_byte(store_client, monkeypatch):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    reads_ = _reads(s, tokens)
    answers = _same_as_uncached(client, reads_, monkeypatch)
    assert answers["roster csv"][1]["Content-Disposition"].startswith("attachment")
    assert answers["audit csv"][1]["Content-Type"].startswith("text/csv")
    # Each reader, each representation: its own entry, its own bytes.
    assert len({answers[n][0] for n in ("roster staff", "roster auditor", "roster csv")}) == 3
    assert len({answers[n][0] for n in ("record staff", "record auditor", "record self")}) >= 2
    assert answers["feed staff"][0] != answers["feed partner"][0]
    cache = _forget(client)
    _cached(client, reads_, monkeypatch)
    assert len(cache) == len(reads_)


def test_an_event_or_an_erasure_makes_a_fresh_body(store_client, monkeypatch):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    reads_ = _reads(s, tokens)
    before = _same_as_uncached(client, reads_, monkeypatch)
    post(client, f"/v1/participants/{s.participant}/generations", s.artist_headers, GENERATION, 201)
    after_event = _same_as_uncached(client, reads_, monkeypatch)
    assert after_event["record staff"][0] != before["record staff"][0]
    assert after_event["feed staff"][0] != before["feed staff"][0]
    post(client, f"/v1/participants/{s.participant}/erase", tokens.staff, {"reason": "asked"}, 200)
    erased = _same_as_uncached(client, reads_, monkeypatch)
    for name in ("roster staff", "roster csv", "work", "record staff", "feed staff"):
        assert erased[name][0] != after_event[name][0], name
    assert b"Kim Seo-yeon" not in erased["roster csv"][0]


def test_an_expiring_grant_is_not_served_from_memory_after_it_expires(store_client, monkeypatch):
    client, tokens, _ = store_client
    slug = open_program(client, tokens)
    pid = apply(client, tokens, slug)
    post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    expires = rfc3339(datetime.now(UTC) + timedelta(days=1))
    post(
        client,
        f"/v1/participants/{pid}/grants",
        tokens.staff,
        {"tool": "video", "expires_at": expires},
        201,
    )
    reads_ = {
        "roster": (f"/v1/programs/{slug}/roster", tokens.staff),
        "record": (f"/v1/participants/{pid}", tokens.staff),
    }
    before = _same_as_uncached(client, reads_, monkeypatch)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN001, ANN206
            return datetime.now(tz) + timedelta(days=2)

    monkeypatch.setattr(conditional, "datetime", Later)
    monkeypatch.setattr(service, "datetime", Later)
    for name, (path, headers) in reads_.items():
        body, kept = _answer(client, path, headers)  # the remembered one has expired
        assert body != before[name][0] and kept["ETag"] != before[name][1]["ETag"], name
        _forget(client)
        assert _answer(client, path, headers) == (body, kept), name


def test_a_revoked_token_is_refused_though_its_answer_is_remembered(client, tokens, system):
    s = seed(client, tokens)
    issued = system.tokens.create("staff", name="soon revoked")
    headers = {"Authorization": f"Bearer {issued.token}"}
    paths = [p for p, h in _reads(s, tokens).values() if h == tokens.staff]
    assert len(paths) >= 5
    for path in paths:
        assert client.get(path, headers=headers).status_code == 200
        assert client.get(path, headers=headers).status_code == 200  # remembered
    assert system.tokens.revoke(issued.id)
    for path in paths:
        assert client.get(path, headers=headers).status_code == 401, path


def test_a_rebuilt_view_is_a_new_tag_at_the_same_position(client, tokens, system):
    """A rebuild serves its own rows at the position the old generation had:
    the tag names the generation, so neither a 304 nor a remembered body
    outlives the switch."""
    s = seed(client, tokens)
    roster = f"/v1/programs/{s.slug}/roster"
    first = client.get(roster, headers=tokens.staff)
    follower = system.read_models.followers["roster"]
    assert rebuild(follower, grace=0) == 2
    again = client.get(roster, headers=tokens.staff | {"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert again.get_json() == first.get_json()


def test_every_tagged_read_checks_its_token_before_its_tag():
    """`@require` wraps `@etagged`: the cache is asked only after auth."""
    for module in Path(conditional.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [ast.unparse(d) for d in node.decorator_list]
            if "etagged" in names:
                below = names[names.index("etagged") :]
                assert not any(n.startswith("require") for n in below), (module, node.name)


def _entry(size: int, until: str | None = None) -> Entry:
    return Entry(b"x" * size, (("Content-Type", "text/plain"),), until)


def test_the_cache_stays_within_its_entries_and_bytes():
    cache = BodyCache(max_entries=3, max_bytes=1000)
    for tag in "abc":
        cache.put(tag, _entry(100))
    assert cache.get("a", "2026") is not None  # now the most recently used
    cache.put("d", _entry(100))
    assert cache.get("b", "2026") is None and len(cache) == 3
    cache.put("e", _entry(800))
    assert cache.size <= 1000 and cache.get("e", "2026") is not None
    cache.put("huge", _entry(2000))
    assert cache.get("huge", "2026") is None


@pytest.mark.parametrize(
    "now, kept", [("2026-01-01T00:00:00Z", True), ("2026-02-01T00:00:00Z", False)]
)
def test_an_entry_is_served_only_before_its_instant(now, kept):
    cache = BodyCache()
    cache.put("t", _entry(1, until="2026-01-15T00:00:00Z"))
    assert (cache.get("t", now) is not None) is kept
