"""What a read costs before its view rows (`api.read_state`): the token, the
log head and the views' positions and leases in one statement, on SQLite
and PostgreSQL; no catch-up when a follower process keeps the view; the
token read afresh on every request, so a revocation holds at once; and a
read without a query gets its schema's defaults without webargs."""

from __future__ import annotations

import time

import pytest

from api.body_cache import EXTENSION, BodyCache
from api.read_state import EXTENSION as STATE
from ledger.database import Database
from projections.follower import Follower
from tests.helpers import apply, record_calls, seed


@pytest.fixture
def statements(monkeypatch):
    return record_calls(monkeypatch, Database, "sql", lambda db, statement: statement)


def test_a_read_asks_for_token_head_and_positions_in_one_statement(store_client, statements):
    client, tokens, _ = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    first = client.get(path, headers=tokens.staff)  # catches the view up (no follower here)
    assert first.status_code == 200
    client.application.extensions[EXTENSION] = BodyCache()  # forget the answer
    statements.clear()
    again = client.get(path, headers=tokens.staff)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    # the state (token, head, positions), the roster's rows, its people's data
    assert len(statements) == 3, statements
    assert "ledger_tokens" in statements[0] and "proj_active" in statements[0]
    # A remembered body and a 304: the state alone, and on a SQLite file not
    # even that while nothing was committed (`api.state_cache`).
    state = 1 if client.application.extensions[STATE] is False else 0
    statements.clear()
    remembered = client.get(path, headers=tokens.staff)  # `api.body_cache`
    assert remembered.data == again.data
    assert len(statements) == state, statements
    statements.clear()
    held = client.get(path, headers=tokens.staff | {"If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304
    assert len(statements) == state, statements


def _lease(system, name: str, holder: str, expires_at: float) -> None:
    system.db.execute(
        "INSERT INTO {t}ledger_leases (name, holder, expires_at) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
        "expires_at = excluded.expires_at",
        (name, holder, expires_at),
    )


def test_a_view_a_follower_process_keeps_is_read_as_it_is(store_client, monkeypatch):
    client, tokens, system = store_client
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    before = client.get(path, headers=tokens.staff).get_json()
    apply(client, tokens, s.slug, name="Lee Min-ji")  # the roster view is now behind
    _lease(system, "projection:roster", "another-process", time.time() + 60)

    def refuse(*_: object, **__: object) -> int:
        raise AssertionError("a read caught up a view a follower process keeps")

    with monkeypatch.context() as patch:
        patch.setattr(Follower, "catch_up", refuse)
        for _ in range(2):  # the second not answered from a remembered tag (`api.tag_memo`)
            kept = client.get(path, headers=tokens.staff)
            assert kept.status_code == 200
            assert kept.get_json()["counts"] == before["counts"]  # eventually consistent
    _lease(system, "projection:roster", "another-process", time.time() - 1)  # it died
    # The head and the positions are what they were: the read catches the view up.
    caught = client.get(path, headers=tokens.staff).get_json()
    assert caught["counts"]["applied"] == before["counts"]["applied"] + 1


def test_a_revoked_token_is_refused_on_the_next_read(client, tokens, system):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    issued = system.tokens.create("staff", name="soon revoked")
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert client.get(path, headers=headers).status_code == 200
    assert system.tokens.revoke(issued.id)
    refused = client.get(path, headers=headers)
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "invalid_token" in refused.headers["WWW-Authenticate"]


def test_a_read_without_a_query_gets_its_schemas_defaults(client, tokens):
    seed(client, tokens)
    bare = client.get("/v1/events", headers=tokens.staff)
    explicit = client.get("/v1/events?after=0&limit=100", headers=tokens.staff)
    assert bare.status_code == explicit.status_code == 200
    assert bare.get_json() == explicit.get_json()
    unknown = client.get("/v1/events?limt=5", headers=tokens.staff)
    assert unknown.status_code == 422 and "limt" in unknown.get_json()["errors"]


def test_a_work_page_reads_in_one_transaction(client, tokens, monkeypatch):
    s = seed(client, tokens)
    assert client.get(f"/works/{s.work}").status_code == 200  # the view caught up
    client.application.extensions[EXTENSION] = BodyCache()  # forget the page
    opened = record_calls(monkeypatch, Database, "_transaction", lambda db, write: write)
    seen = record_calls(monkeypatch, Database, "sql", lambda db, statement: statement)
    page = client.get(f"/works/{s.work}")
    assert page.status_code == 200 and s.content_sha256 in page.get_data(as_text=True)
    assert opened == [False], opened  # one read transaction
    assert sum("proj_active" in st for st in seen) == 1, seen  # the view's position, once
