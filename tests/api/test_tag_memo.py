"""A worker answers a request it tagged before (`api.tag_memo`) before its
query is parsed or its view runs: a 304 or the remembered body, on SQLite
and PostgreSQL, while the head and every view's position are unchanged; a
new event, a `min_position` or another asker runs the view again. A view kept
behind the head by a follower that then dies: `tests/api/test_read_pipeline.py`."""

from __future__ import annotations

import pytest

from api import reads
from api.read_state import read_state
from api.tag_memo import EXTENSION, TagMemo, key_of
from tests.helpers import apply, record_calls, seed


@pytest.fixture
def views_run(monkeypatch) -> list[str]:
    """The reads whose view ran: each calls `fresh` first."""
    return record_calls(monkeypatch, reads, "fresh", lambda name, min_position: name)


def test_a_repeated_read_and_its_304_run_no_view(store_client, views_run):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    first = client.get(path, headers=tokens.staff)
    assert first.status_code == 200 and views_run == ["roster"]
    again = client.get(path, headers=tokens.staff)
    held = client.get(path, headers=tokens.staff | {"If-None-Match": first.headers["ETag"]})
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert held.status_code == 304 and held.headers["ETag"] == first.headers["ETag"]
    assert held.headers["Vary"] == "Accept" and not held.data
    assert views_run == ["roster"]
    # Another representation, another asker: each its own view run.
    assert client.get(f"{path}?format=csv", headers=tokens.staff).status_code == 200
    assert client.get(path, headers=tokens.auditor).status_code == 200
    assert views_run == ["roster"] * 3


def test_a_client_that_only_polls_with_its_tag_is_answered_from_memory(store_client, views_run):
    """A worker that never gave the request its 200 (another worker did, or
    this one restarted) remembers the tag from the first 304 it answers."""
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    tag = client.get(path, headers=tokens.staff).headers["ETag"]
    client.application.extensions[EXTENSION] = TagMemo(read_state)  # a fresh worker's
    for _ in range(3):
        held = client.get(path, headers=tokens.staff | {"If-None-Match": tag})
        assert held.status_code == 304 and held.headers["ETag"] == tag
    assert views_run == ["roster", "roster"]


def test_a_new_event_runs_the_view_again(store_client, views_run):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    first = client.get(path, headers=tokens.staff)
    apply(client, tokens, s.slug, name="Lee Min-ji")
    after = client.get(path, headers=tokens.staff | {"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != first.headers["ETag"]
    assert after.get_json()["counts"]["applied"] == first.get_json()["counts"]["applied"] + 1
    assert views_run == ["roster", "roster"]


def test_a_read_naming_min_position_always_runs_its_view(client, tokens, views_run):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster?min_position=1"
    for _ in range(3):
        assert client.get(path, headers=tokens.staff).status_code == 200
    assert views_run == ["roster"] * 3


class _View:
    def __init__(self, gen: int, position: int, expires: float) -> None:
        self.gen, self.position, self.lease_expires = gen, position, expires


def _now(instant: str):  # noqa: ANN202
    return lambda: instant


def test_the_memo_names_positions_not_leases_and_honours_its_instant():
    memo = TagMemo(lambda: None, max_entries=2)
    views = {"roster": _View(1, 10, 100.0), "audit": _View(1, 10, 100.0)}
    renewed = {"roster": _View(1, 10, 900.0), "audit": _View(1, 10, 900.0)}
    moved = {"roster": _View(1, 11, 900.0), "audit": _View(1, 10, 900.0)}
    memo.put(b"k", memo.positions(10, views), "t", "2026-02-01T00:00:00Z")
    soon, later = _now("2026-01-01T00:00:00Z"), _now("2026-03-01T00:00:00Z")
    assert memo.get(b"k", memo.positions(10, renewed), soon) == "t"  # a lease renewed
    assert memo.get(b"k", memo.positions(11, renewed), soon) is None  # a new event
    memo.put(b"k", memo.positions(10, views), "t", "2026-02-01T00:00:00Z")
    assert memo.get(b"k", memo.positions(10, moved), soon) is None  # a view moved
    memo.put(b"k", memo.positions(10, views), "t", "2026-02-01T00:00:00Z")
    assert memo.get(b"k", memo.positions(10, views), later) is None  # past its instant
    for key in (b"a", b"b", b"c"):
        memo.put(key, memo.positions(10, views), "t", None)
    assert len(memo) == 2 and memo.get(b"a", memo.positions(10, views), soon) is None


def test_a_key_names_path_query_accept_and_token_and_keeps_no_token():
    base = {"PATH_INFO": "/v1/programs/p/roster", "HTTP_AUTHORIZATION": "Bearer secret-1"}
    variants = [
        base,
        base | {"QUERY_STRING": "format=csv"},
        base | {"HTTP_ACCEPT": "text/csv"},
        base | {"HTTP_AUTHORIZATION": "Bearer secret-2"},
        base | {"PATH_INFO": "/v1/programs/q/roster"},
    ]
    keys = [key_of(environ) for environ in variants]
    assert len(set(keys)) == len(variants)
    assert all(key is not None and b"secret" not in key for key in keys)
    assert key_of(base | {"HTTP_IF_NONE_MATCH": '"x"'}) == keys[0]
    assert key_of(base | {"QUERY_STRING": "min_position=3"}) is None
