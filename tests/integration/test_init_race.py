"""`db init` (and `serve`, which runs it first) started twice at once on the
same PostgreSQL schema, as two hosts deploying together do: both succeed."""

from __future__ import annotations

import subprocess
import uuid

import psycopg

from tests.helpers import PG_DSN, require_postgres
from tests.integration.conftest import BIN, cli_env


def test_two_db_inits_at_once_on_a_new_postgresql_schema_both_succeed(tmp_path):
    require_postgres()
    for _ in range(3):  # each race alone was lost 3 times in 3 before the lock
        schema = "lt_" + uuid.uuid4().hex[:12]
        env = cli_env(f"{PG_DSN}?schema={schema}", tmp_path)
        try:
            runs = [
                subprocess.Popen(
                    [str(BIN / "labledger"), "db", "init"],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            for run in runs:
                out, err = run.communicate(timeout=120)
                assert run.returncode == 0, err
                assert "schema ready" in out
        finally:
            with psycopg.connect(PG_DSN, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
