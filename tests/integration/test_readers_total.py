"""No stored event stops a reader, on both stores.

The poison is written *directly* through the Ledger (the API refuses it
now): a grant that expires at 9999-12-31T23:59:59-14:00 (its UTC lies past
year 9999), an artist name holding NUL (PostgreSQL text refuses it), and an
event whose topic no longer resolves (it cannot be decoded at all).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from eventsourcing.persistence import StoredEvent

from api.app import create_app
from api.cli import main
from api.reads import read_models
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.log import iter_log
from tests.helpers import DAYS, Tokens
from transparency.follower import TreeBuilder
from transparency.store import TreeStore

FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))
STAFF = Actor("staff-test", Role.STAFF)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def poison(system: Any, *, name: str = "Nul\x00Artist") -> dict[str, Any]:
    """A program whose artist is granted a tool until FAR and declares a work."""
    run = system.bus.handle
    program = run(
        c.OpenProgram("seoul-2026", "Seoul", "Seoul", *DAYS, 21),
        STAFF,
    )
    run(c.RegisterTool("seoul-2026", "image", "Still", "Lab", "5.0", ("t2i",), ("none",)), STAFF)
    pid = run(
        c.SubmitApplication(
            "seoul-2026", name, "nul@example.org", "https://example.org/nul", "A statement."
        ),
        STAFF,
    ).result.id
    run(c.AdmitApplicant(pid), STAFF)
    grant = run(c.GrantTool(pid, "image", FAR), STAFF)
    artist = Actor("artist-test", Role.ARTIST, pid)
    generation = run(c.RecordGeneration(pid, "image", "5.0", sha("out"), "image/png"), artist)
    work = run(c.DeclareOwnership("Tide", sha("work"), (generation.result.id,), "Mine."), artist)
    return {
        "program": program.result.id,
        "participant": str(pid),
        "grant": grant.position,
        "work": str(work.result.id),
        "position": work.position,
    }


def env_of(settings: Any) -> dict[str, str]:
    return {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_NAME": settings.log_name,
    }


def build_and_sign(system: Any, settings: Any) -> int:
    builder = TreeBuilder(system.log, system.db, settings)
    head = builder.catch_up()
    builder.sign(head)
    return head.size


@pytest.fixture
def api(store_settings, store_system):
    app = create_app(store_settings, system=store_system)
    return app, app.test_client(), Tokens(store_system)


def test_every_read_gets_past_a_grant_expiring_after_year_9999(store_system, api):
    app, client, tokens = api
    p = poison(store_system)
    roster = client.get("/v1/programs/seoul-2026/roster", headers=tokens.staff)
    assert roster.status_code == 200, roster.get_json()
    [entry] = roster.get_json()["applications"]
    [grant] = entry["active_grants"]
    assert grant["expires_at"] == "9999-12-31T23:59:59.000000-14:00"
    works = client.get(f"/v1/works?min_position={p['position']}")
    assert works.status_code == 200 and [w["id"] for w in works.get_json()["items"]] == [p["work"]]
    report = client.get("/v1/programs/seoul-2026/audit-report", headers=tokens.auditor)
    assert report.status_code == 200 and report.get_json()["violations"] == []
    feed = client.get("/v1/events", headers=tokens.auditor)
    assert feed.status_code == 200
    [granted] = [e for e in feed.get_json()["items"] if e["position"] == p["grant"]]
    assert granted["data"]["expires_at"] == "9999-12-31T23:59:59.000000-14:00"
    assert client.get("/readyz").status_code == 200


def test_a_nul_in_an_artist_name_reaches_the_registry(store_system, api):
    app, client, _ = api
    p = poison(store_system)
    found = client.get(f"/v1/works?owner={p['participant']}&min_position={p['position']}")
    assert found.status_code == 200, found.get_json()
    [work] = found.get_json()["items"]
    # Exact in the personal-data store's JSON, so the credit still opens its commitment.
    assert work["owner"]["display_name"] == "Nul\x00Artist"
    assert work["credited_name"] == "Nul\x00Artist"
    assert client.get(f"/v1/works/{work['id']}").get_json()["owner"]["display_name"] == (
        "Nul\x00Artist"
    )
    with app.app_context():
        by_name, _, _ = read_models().works(owner="nul\x00artist")  # looked up as written
    assert [w["id"] for w in by_name] == [p["work"]]


def test_the_tree_and_verify_store_get_past_the_poison(store_settings, store_system):
    poison(store_system)
    size = build_and_sign(store_system, store_settings)
    assert size == len(list(iter_log(store_system.log)))
    result = CliRunner().invoke(main, ["verify", "store"], env=env_of(store_settings))
    assert result.exit_code == 0, result.output
    assert f"OK: {size} leaves" in result.output


def _unreadable_event(system: Any, aggregate_id: UUID) -> int:
    """Append an event of `aggregate_id` whose class no longer exists."""
    ledger = system.store.ledger
    version = ledger.repository.get(aggregate_id).version + 1
    state = json.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-03"}})
    ledger.recorder.insert_events(
        [
            StoredEvent(
                originator_id=aggregate_id,
                originator_version=version,
                topic="ledger.vanished:Program.Renamed",
                state=state.encode(),
            )
        ]
    )
    return system.log.head()


def test_an_unreadable_event_keeps_its_place_in_every_reader(store_settings, store_system, api):
    app, client, tokens = api
    p = poison(store_system, name="Kim Ha-neul")
    position = _unreadable_event(store_system, p["program"])

    staff_feed = client.get(f"/v1/events?after={position - 1}", headers=tokens.staff).get_json()
    [event] = staff_feed["items"]
    assert event["type"] == "ledger.unreadable" and event["position"] == position
    assert event["unreadable"]["error"] and event["unreadable"]["detail"]
    assert event["data"]["topic"] == "ledger.vanished:Program.Renamed"
    auditor_feed = client.get(f"/v1/events?after={position - 1}", headers=tokens.auditor)
    assert auditor_feed.get_json()["items"][0]["unreadable"] == {
        "error": event["unreadable"]["error"]
    }

    report = client.get(
        f"/v1/programs/seoul-2026/audit-report?min_position={position}", headers=tokens.auditor
    ).get_json()
    [violation] = report["violations"]
    assert violation["invariant"] == "I5" and violation["position"] == position
    assert "cannot be read" in violation["detail"]
    for path in ("/v1/programs/seoul-2026/roster", "/v1/works"):
        assert (
            client.get(f"{path}?min_position={position}", headers=tokens.staff).status_code == 200
        )
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'labledger_unreadable_events_total{reader="projection:audit"}' in metrics

    # The tree gives it a leaf all the same: its unreadable form.
    size = build_and_sign(store_system, store_settings)
    leaf = TreeStore(store_system.db).leaf(size - 1)
    assert int(leaf["position"]) == position and leaf["type"] == "ledger.unreadable"
    ok = CliRunner().invoke(main, ["verify", "store"], env=env_of(store_settings))
    assert ok.exit_code == 0, ok.output
    assert (
        f"1 events could not be read when the tree was built; their leaves commit to "
        f"their stored bytes (log positions {position})" in ok.output
    )

    # ... which still binds the stored bytes: change one and verify store says where.
    db = store_system.db
    column = "rowid" if db.dialect == "sqlite" else "notification_id"
    events_table = store_system.store.ledger.recorder.events_table_name
    db.execute(f"UPDATE {{t}}{events_table} SET state = ? WHERE {column} = ?", (b"{}", position))
    bad = CliRunner().invoke(main, ["verify", "store"], env=env_of(store_settings))
    assert bad.exit_code == 1
    assert f"leaf index {size - 1} (log position {position})" in bad.output
