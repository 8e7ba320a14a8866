"""A process on SQLite never imports psycopg: the PostgreSQL recorder is a
module of its own (`ledger.postgres_recorder`), named by its topic, and the
API maps psycopg's errors to a 503 without importing it. psycopg, its pool
and `eventsourcing.postgres` were about 0.4 s of CPU of every process's
start-up here (each `labledger` command, each gunicorn worker, the
background worker)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg

from api.app import create_app
from tests.helpers import make_settings, open_system

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ONLY = ("psycopg", "psycopg_pool", "psycopg_binary", "eventsourcing.postgres")


def test_serving_and_commands_on_sqlite_import_nothing_of_postgresql(tmp_path):
    code = f"""
import json, sys
from pathlib import Path
import api.cli, api.workers, wsgi
from api.bootstrap import init_store, start
from ledger.settings import Settings
settings = Settings(database_url="sqlite:///{tmp_path / "ledger.sqlite3"}",
                    signing_key_file=Path("{tmp_path / "signing.key"}"))
init_store(settings)
system = start(settings)
system.log.head()
system.close()
print(json.dumps(sorted(m for m in sys.modules if m.startswith({POSTGRES_ONLY!r}))))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_psycopgs_unreachable_store_is_a_503_with_retry_after(tmp_path):
    system = open_system(make_settings(f"sqlite:///{tmp_path / 'ledger.sqlite3'}", tmp_path))
    try:
        app = create_app(system.settings, system=system)

        @app.get("/broken")
        def broken() -> None:
            raise psycopg.OperationalError("connection refused")

        answer = app.test_client().get("/broken")
    finally:
        system.close()
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "1"
    assert answer.mimetype == "application/problem+json"
