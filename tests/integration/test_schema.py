"""The store's recorded schema version, on both stores: `db init` creates an
empty store at the current version, migrates an older one step by step, and
a process refuses a store at another version, naming both."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from api.bootstrap import SCHEMA, init_store
from api.cli import main
from ledger import schema
from ledger.database import Cursor
from ledger.schema import Schema, SchemaError
from ledger.store import Store, open_store


def _env(settings) -> dict[str, str]:
    return {"LEDGER_DATABASE_URL": settings.database_url}


def _recorded(db) -> int | None:
    with db.transaction() as cur:
        return schema.recorded_version(cur)


def _add_a_table(cur: Cursor) -> None:
    """A fake migration step: the store gains a table and a row in it."""
    cur.execute("CREATE TABLE {t}fake_step (n INTEGER NOT NULL)")
    cur.execute("INSERT INTO {t}fake_step (n) VALUES (1)")


NOW = schema.VERSION
NEXT = Schema(
    tables=SCHEMA.tables,
    seeds=SCHEMA.seeds,
    version=NOW + 1,
    migrations={**SCHEMA.migrations, NOW + 1: _add_a_table},
)


@pytest.fixture
def store(store_settings) -> Iterator[Store]:
    """A store `db init` created, opened whatever its version."""
    init_store(store_settings)
    opened = open_store(store_settings, checked=False)
    yield opened
    opened.close()


def test_db_init_creates_an_empty_store_at_the_current_version(store_settings):
    assert init_store(store_settings) == (None, schema.VERSION)
    assert init_store(store_settings) == (schema.VERSION, schema.VERSION)  # idempotent
    store = open_store(store_settings)  # checked: no refusal
    try:
        assert _recorded(store.db) == schema.VERSION
    finally:
        store.close()


def test_a_store_from_before_versions_is_version_1_and_refused(store):
    store.db.execute("DROP TABLE {t}ledger_schema")
    assert _recorded(store.db) == 1
    with pytest.raises(SchemaError, match="holds events in format 1"):
        schema.check(store.db)  # version 1 holds personal data in its events


def test_db_init_applies_the_migrations_in_order_once(store):
    with pytest.raises(SchemaError) as older:
        schema.check(store.db, NOW + 1)
    assert str(older.value) == (
        f"the store is at schema version {NOW}, this code needs {NOW + 1}: "
        "run `labledger db init` to migrate"
    )
    assert NEXT.init(store.db) == (NOW, NOW + 1)
    assert NEXT.init(store.db) == (NOW + 1, NOW + 1)  # nothing left to apply
    assert store.db.fetchall("SELECT n FROM {t}fake_step") == [{"n": 1}]
    schema.check(store.db, NOW + 1)
    with pytest.raises(SchemaError) as newer:
        schema.check(store.db, NOW)
    assert f"the store is at schema version {NOW + 1}, newer than this code (version {NOW})" in (
        str(newer.value)
    )
    with pytest.raises(SchemaError):
        SCHEMA.init(store.db)  # db init of older code never downgrades


def test_a_process_refuses_a_store_at_another_version(store, store_settings):
    store.db.execute("UPDATE {t}ledger_schema SET version = ?", (NOW + 1,))
    runner = CliRunner()
    for args in (["tokens", "list"], ["projections", "rebuild"], ["db", "init"]):
        result = runner.invoke(main, args, env=_env(store_settings))
        assert result.exit_code == 1, (args, result.output)
        assert (
            f"the store is at schema version {NOW + 1}, newer than this code (version {NOW})"
            in result.output
        )


def test_a_process_refuses_a_store_without_a_schema(store_settings):
    result = CliRunner().invoke(main, ["tokens", "list"], env=_env(store_settings))
    assert result.exit_code == 1
    assert "the store has no Lab Ledger schema: run `labledger db init`" in result.output
