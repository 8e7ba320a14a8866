"""On a SQLite file a worker remembers its reads' first statement while no
connection anywhere committed (`api.state_cache`, `PRAGMA data_version`): a
remembered read and a 304 read nothing, and what another process commits (a
revocation, an event) shows on the very next request, reads and writes
alike; the memory is per process (a forked child opens its own connection),
safe under threads, bounded, and a read whose state moved on between its tag
and its rows goes untagged."""

from __future__ import annotations

import multiprocessing
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from api import read_state
from api.body_cache import EXTENSION, BodyCache
from api.state_cache import StateCache
from ledger.database import Database
from tests.helpers import apply, post, record_calls, seed

ROOT = Path(__file__).resolve().parents[2]


def _db_file(system) -> str:
    return system.db.datastore.pool.db_name


def _elsewhere(code: str) -> None:
    """Run `code` in another Python process (its own connections, its own pool)."""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def _revoke_elsewhere(system, token_id: str) -> None:
    _elsewhere(
        "import sqlite3\n"
        f"conn = sqlite3.connect({_db_file(system)!r})\n"
        "conn.execute(\"UPDATE ledger_tokens SET revoked_at = '2026-01-01T00:00:00Z' "
        f"WHERE id = '{token_id}'\")\n"
        "conn.commit()\n"
    )


def _statements(monkeypatch) -> list[str]:
    return record_calls(monkeypatch, Database, "sql", lambda db, statement: statement)


def test_a_remembered_read_and_a_304_read_nothing(client, tokens, monkeypatch):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    first = client.get(path, headers=tokens.staff)  # catches the view up (no follower here)
    cache = client.application.extensions[read_state.EXTENSION]
    ran = cache.statements
    seen = _statements(monkeypatch)
    remembered = client.get(path, headers=tokens.staff)
    held = client.get(path, headers=tokens.staff | {"If-None-Match": first.headers["ETag"]})
    assert remembered.data == first.data and held.status_code == 304
    assert seen == [] and cache.statements == ran


def test_a_token_revoked_by_another_process_is_refused_on_the_next_read(client, tokens, system):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    issued = system.tokens.create("staff", name="revoked elsewhere")
    headers = {"Authorization": f"Bearer {issued.token}"}
    tag = client.get(path, headers=headers).headers["ETag"]
    assert client.get(path, headers=headers).status_code == 200  # remembered
    assert client.get(path, headers=headers | {"If-None-Match": tag}).status_code == 304
    _revoke_elsewhere(system, issued.id)
    assert client.get(path, headers=headers).status_code == 401
    assert client.get(path, headers=headers | {"If-None-Match": tag}).status_code == 401


def test_a_token_revoked_by_another_process_is_refused_on_the_next_write(client, tokens, system):
    s = seed(client, tokens)
    issued = system.tokens.create("staff", name="revoked elsewhere")
    headers = {"Authorization": f"Bearer {issued.token}"}
    admit = f"/v1/applications/{apply(client, tokens, s.slug, name='Lee Min-ji')}/admit"
    assert client.get(f"/v1/programs/{s.slug}/roster", headers=headers).status_code == 200
    _revoke_elsewhere(system, issued.id)
    refused = client.post(admit, json={}, headers=headers)
    assert refused.status_code == 401, refused.get_json()
    assert refused.mimetype == "application/problem+json"


def test_an_event_another_process_appends_shows_on_the_next_read(client, tokens, system, settings):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    before = client.get(path, headers=tokens.staff)
    assert client.get(path, headers=tokens.staff).data == before.data  # remembered
    key_dir = settings.signing_key_file.parent
    _elsewhere(
        "from pathlib import Path\n"
        "from api.app import create_app\n"
        "from api.bootstrap import bootstrap\n"
        "from tests.helpers import Tokens, apply, make_settings\n"
        f"settings = make_settings({settings.database_url!r}, Path({str(key_dir)!r}))\n"
        "system = bootstrap(settings)\n"
        "client = create_app(settings, system=system).test_client()\n"
        f"apply(client, Tokens(system), {s.slug!r}, name='Park Ji-woo')\n"
        "system.close()\n"
    )
    after = client.get(path, headers=tokens.staff)
    assert after.headers["ETag"] != before.headers["ETag"]
    applied = after.get_json()["counts"]["applied"]
    assert applied == before.get_json()["counts"]["applied"] + 1


def test_a_read_whose_state_moves_before_its_rows_goes_untagged(
    client, tokens, system, monkeypatch
):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    client.get(path, headers=tokens.staff)
    client.application.extensions[EXTENSION] = cache = BodyCache()  # forget the answer
    loaded = read_state._load

    def moved_meanwhile(token):
        apply(client, tokens, s.slug, name="Choi Yu-na")  # a commit between tag and rows
        monkeypatch.setattr(read_state, "_load", loaded)
        return loaded(token)

    monkeypatch.setattr(read_state, "_load", moved_meanwhile)
    answer = client.get(path, headers=tokens.staff)
    assert answer.status_code == 200
    assert len(answer.headers["ETag"].strip('"')) == 40  # the body's hash, not a state tag
    assert len(cache) == 0  # nor remembered under the older tag


def _cache(path: str, max_tokens: int = 8) -> StateCache[int, int | None]:
    statement = "SELECT (SELECT MAX(n) FROM t), (SELECT n FROM t WHERE k = ?)"
    return StateCache(path, statement, lambda rows: (rows[0][0], rows[0][1]), max_tokens)


@pytest.fixture
def table(tmp_path: Path) -> str:
    path = str(tmp_path / "plain.sqlite3")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)")
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    return path


def _write(path: str, statement: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(statement)


def test_the_statement_runs_again_only_after_a_commit(table):
    cache = _cache(table)
    assert cache.get("a") == (1, 1) and cache.get("a") == (1, 1) and cache.statements == 1
    assert cache.get("b") == (1, None) and cache.statements == 2  # a new key: its own row
    _write(table, "UPDATE t SET n = 2 WHERE k = 'a'")
    assert cache.get("b") == (2, None) and cache.get("a") == (2, 2) and cache.statements == 4


def test_it_keeps_at_most_its_bound_of_tokens(table):
    cache = _cache(table, max_tokens=2)
    for key in ("a", "b", "c", "a"):
        cache.get(key)
    assert cache.statements == 4  # "a" was the least recently used when "c" came
    assert cache._known is not None and list(cache._known.actors) == ["c", "a"]


def _in_child(cache: StateCache, parent: int, out) -> None:
    out.send((cache.get("a"), id(cache._connection()) != parent))


def test_a_forked_child_opens_its_own_connection(table):
    cache = _cache(table)
    cache.get("a")
    parent = id(cache._connection())
    fork = multiprocessing.get_context("fork")
    mine, theirs = fork.Pipe()
    child = fork.Process(target=_in_child, args=(cache, parent, theirs))
    child.start()
    assert mine.recv() == ((1, 1), True)
    child.join(30)
    assert child.exitcode == 0 and cache.get("a") == (1, 1)


def test_threads_see_a_commit_once_it_is_made(table):
    cache = _cache(table)
    committed = threading.Event()
    stale: list[tuple[int, int | None]] = []

    def read() -> None:
        for _ in range(300):
            after = committed.is_set()
            got = cache.get("a")
            if after and got != (2, 2):
                stale.append(got)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(0.01)
    _write(table, "UPDATE t SET n = 2 WHERE k = 'a'")
    committed.set()
    for thread in threads:
        thread.join()
    assert stale == [] and cache.get("a") == (2, 2)


def test_a_write_in_this_process_shows_on_the_next_read(client, tokens):
    s = seed(client, tokens)
    path = f"/v1/programs/{s.slug}/roster"
    before = client.get(path, headers=tokens.staff).get_json()
    post(client, f"/v1/programs/{s.slug}/applications", tokens.staff, None)  # a 422: no commit
    pid = apply(client, tokens, s.slug, name="Han So-hee")
    after = client.get(path, headers=tokens.staff).get_json()
    assert pid in {entry["id"] for entry in after["applications"]}
    assert after["counts"]["applied"] == before["counts"]["applied"] + 1
