"""A store of event format 1 is refused at start and never migrated, on both stores.

Every store before issue 10 holds personal data inside its events (format 1:
tests/data/store-v1.json is such a store's events, names and e-mails in
clear). No migration can take them out without changing every leaf, so the
code refuses such a store, saying why, whatever command opens it.
"""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from api.bootstrap import init_store
from api.cli import main
from ledger import schema
from ledger.schema import SchemaError
from ledger.store import open_store
from tests.integration.conftest import cli_env, free_port, labledger

DATA = json.loads((Path(__file__).parents[1] / "data" / "store-v1.json").read_text())
REFUSAL = (
    "this store holds events in format 1, with personal data inside events; this code needs "
    "format 2 and cannot migrate it: start a fresh store"
)


def _env(settings) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
    }


@pytest.fixture(params=["version row 1", "no version row"])
def format_1_store(request, store_settings):
    """A store as the code before issue 10 left it: its events (with personal
    data inside) and schema version 1, recorded or (older still) implied."""
    init_store(store_settings)
    store = open_store(store_settings, checked=False)
    try:
        store.ledger.recorder.insert_events(
            [
                StoredEvent(
                    originator_id=UUID(row["originator_id"]),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=row["state"].encode("utf-8"),
                )
                for row in DATA["events"]
            ]
        )
        if request.param == "version row 1":
            store.db.execute("UPDATE {t}ledger_schema SET version = 1")
        else:
            store.db.execute("DROP TABLE {t}ledger_schema")
    finally:
        store.close()
    assert any(b"artist_name" in row["state"].encode() for row in DATA["events"])
    return store_settings


def _state(settings) -> tuple[int | None, int]:
    store = open_store(settings, checked=False)
    try:
        with store.db.transaction() as cur:
            return schema.recorded_version(cur), store.log.head()
    finally:
        store.close()


def test_a_format_1_store_is_refused_by_every_command_and_never_migrated(format_1_store):
    with pytest.raises(SchemaError) as refused:
        open_store(format_1_store)
    assert str(refused.value) == f"the store is at schema version 1: {REFUSAL}"
    runner = CliRunner()
    for args in (["db", "init"], ["tokens", "list"], ["projections", "rebuild"], ["demo", "load"]):
        result = runner.invoke(main, args, env=_env(format_1_store))
        assert result.exit_code == 1, (args, result.output)
        assert REFUSAL in result.output, args
        assert "Traceback" not in result.output
    assert _state(format_1_store) == (1, len(DATA["events"]))  # untouched: no silent mixing


def test_serve_refuses_a_format_1_store_before_it_starts(format_1_store, tmp_path):
    env = cli_env(format_1_store.database_url, tmp_path)
    result = labledger(env, "serve", "--bind", f"127.0.0.1:{free_port()}", check=False)
    assert result.returncode == 1, result.stderr
    assert REFUSAL in result.stderr and "Traceback" not in result.stderr
    assert _state(format_1_store) == (1, len(DATA["events"]))
