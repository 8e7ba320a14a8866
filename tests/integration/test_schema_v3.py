"""Schema version 3 on both stores: `db init` migrates a version-2 store in
place. Checkpoints signed before keep a null signing time, later ones get
theirs; the new catalog view is built from position 0; the registry, built
by older code without the tools' disclosure history, is built again, so a
work shows the disclosure in force for the version it used."""

from __future__ import annotations

import json

import pytest

from api.app import create_app
from api.bootstrap import bootstrap, init_store
from api.demo import load_demo
from ledger import schema
from ledger.schema import SchemaError
from tests.helpers import open_system
from transparency.follower import TreeBuilder


def _as_version_2(system) -> None:
    """What a version-2 store holds: no signing times, no catalog, and a
    registry whose tool documents have no disclosure history."""
    db = system.db
    with db.transaction(write=True) as cur:
        cur.execute("ALTER TABLE {t}tlog_checkpoints DROP COLUMN signed_at")
        cur.execute("DROP TABLE {t}proj_catalog")
        cur.execute("DELETE FROM {t}proj_active WHERE name = 'catalog'")
        cur.execute("DELETE FROM {t}proj_tracking WHERE application_name LIKE 'catalog@%'")
        for row in cur.all("SELECT gen, id, doc FROM {t}proj_registry_docs WHERE kind = 'tool'"):
            doc = json.loads(row["doc"])
            doc.pop("disclosures")
            cur.execute(
                "UPDATE {t}proj_registry_docs SET doc = ? WHERE gen = ? AND kind = 'tool' "
                "AND id = ?",
                (json.dumps(doc), row["gen"], row["id"]),
            )
        cur.execute("UPDATE {t}ledger_schema SET version = 2")


def test_db_init_brings_a_version_2_store_to_version_3(store_settings):
    system = open_system(store_settings)
    try:
        load_demo(system, echo=lambda _: None)
        TreeBuilder(system.log, system.db, store_settings).catch_up()
        signed = system.transparency.checkpoint().head.size
        system.read_models.refresh("registry", budget=30)
        _as_version_2(system)
        with pytest.raises(SchemaError, match="run `labledger db init` to migrate"):
            schema.check(system.db)
    finally:
        system.close()

    assert init_store(store_settings) == (2, schema.VERSION)

    system = bootstrap(store_settings)
    try:
        client = create_app(store_settings, system=system).test_client()
        history = client.get("/v1/transparency/checkpoints").get_json()["items"]
        assert [(c["size"], c["signed_at"]) for c in history] == [(signed, None)]
        program = client.get("/v1/programs/seoul-2026").get_json()  # the catalog, built anew
        assert program["seats_used"] == 21 and len(program["exhibitions"]) == 1
        works = client.get("/v1/works?limit=100").get_json()["items"]
        assert len(works) == 15
        for work in works:
            for tool in work["tools"]:
                assert [d["version"] for d in tool["disclosures"]] == tool["versions_used"]
                assert all(d["disclosed_at"] for d in tool["disclosures"]), work["title"]
        db = system.db
        db.execute("DELETE FROM {t}tlog_checkpoints")  # signed again, now with a time
        system.transparency._cached = None
        system.transparency.checkpoint()
        [again] = client.get("/v1/transparency/checkpoints").get_json()["items"]
        assert again["size"] == signed and again["signed_at"] is not None
    finally:
        system.close()
