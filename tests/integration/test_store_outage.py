"""PostgreSQL restarting under the service: every pooled connection broken
at once (its backends terminated, as a server restart or a failover does).

A read asks its statement again on a fresh connection and answers as if
nothing happened; a write whose save meets a broken connection answers 503
with Retry-After (never 500), and its retry with the same Idempotency-Key is
carried out once.
"""

from __future__ import annotations

from contextlib import ExitStack

import psycopg
import pytest

from api.app import create_app
from tests.helpers import PG_DSN, Tokens, make_settings, open_system, seed

pytestmark = pytest.mark.postgres

APPLICATION = {
    "artist_name": "Outage Artist",
    "email": "outage@example.org",
    "portfolio_url": "https://p.example.org",
    "statement": "s",
}


@pytest.fixture
def pg(pg_url, tmp_path):
    settings = make_settings(pg_url, tmp_path)
    system = open_system(settings)
    app = create_app(settings, system=system)
    yield system, app.test_client(), Tokens(system)
    system.close()


def break_every_connection(system) -> int:
    """Terminate the backend of every connection the pool holds or opens."""
    pool = system.db.datastore.pool
    pids = set()
    with ExitStack() as stack:
        for _ in range(pool.max_size):
            try:
                conn = stack.enter_context(pool.connection(timeout=0.5))
            except Exception:  # the pool is exhausted: every connection is held here
                break
            pids.add(conn.info.backend_pid)
    with psycopg.connect(PG_DSN, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    return len(pids)


def test_reads_survive_every_connection_breaking(pg):
    system, client, tokens = pg
    s = seed(client, tokens)
    assert break_every_connection(system) >= 1
    for _ in range(3):
        roster = client.get(f"/v1/programs/{s.slug}/roster", headers=tokens.staff)
        assert roster.status_code == 200, roster.get_json()
        assert client.get(f"/v1/works?sha256={s.content_sha256}").status_code == 200
    written = client.post(
        f"/v1/programs/{s.slug}/applications", json=APPLICATION, headers=tokens.staff
    )
    assert written.status_code == 201, written.get_json()


def test_a_save_on_a_broken_connection_is_503_and_its_retry_is_carried_out_once(pg, monkeypatch):
    system, client, tokens = pg
    s = seed(client, tokens)
    ledger = system.bus.ledger
    save = ledger.save
    broken = []

    def save_after_a_restart(*args, **kwargs):
        if not broken:  # the server restarts between the command's reads and its save
            broken.append(break_every_connection(system))
        return save(*args, **kwargs)

    monkeypatch.setattr(ledger, "save", save_after_a_restart)
    headers = tokens.staff | {"Idempotency-Key": "outage-1"}
    path = f"/v1/programs/{s.slug}/applications"
    head = system.log.head()

    refused = client.post(path, json=APPLICATION, headers=headers)
    assert refused.status_code == 503, refused.get_json()
    assert refused.headers["Retry-After"] == "1"
    assert refused.content_type == "application/problem+json"
    assert "retry" in refused.get_json()["detail"]
    assert system.log.head() == head

    first = client.post(path, json=APPLICATION, headers=headers)
    again = client.post(path, json=APPLICATION, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert system.log.head() == head + 1
