"""A store written before issue 9 still loads, on both stores.

tests/data/store-v1.json holds the events and the Program snapshot that the
code before the aggregates moved out of `ledger.domainmodel` stored (topics
`ledger.domainmodel:Program.ProgramOpened`, ...), with what its readers made
of them: each event's type and transparency leaf, and the program's page.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from api.programs import program_body
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.log import iter_entries
from transparency.leaves import leaf_record

DATA = json.loads((Path(__file__).parents[1] / "data" / "store-v1.json").read_text())
STAFF = Actor("staff-now", Role.STAFF)


def stored(row: dict) -> StoredEvent:
    return StoredEvent(
        originator_id=UUID(row["originator_id"]),
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=row["state"].encode("utf-8"),
    )


def load(system) -> None:
    ledger = system.store.ledger
    ledger.recorder.insert_events([stored(row) for row in DATA["events"]])
    ledger.snapshots.recorder.insert_events([stored(row) for row in DATA["snapshots"]])


def test_an_old_store_reads_as_it_did(store_system):
    load(store_system)
    assert all(row["topic"].startswith("ledger.domainmodel:") for row in DATA["events"])
    entries = list(iter_entries(store_system.log))
    assert [e.envelope["type"] for e in entries] == DATA["types"]
    leaves = [hashlib.sha256(leaf_record(e).leaf).hexdigest() for e in entries]
    assert leaves == DATA["leaf_sha256"]
    program = store_system.store.ledger.get_program("seoul-v1")  # from its snapshot on
    assert program_body(program) == DATA["program"]


def test_commands_go_on_from_an_old_store(store_system):
    load(store_system)
    participant = UUID(
        next(
            e["originator_id"]
            for e in DATA["events"]
            if e["topic"] == "ledger.domainmodel:Application.ToolAccessGranted"
        )
    )
    granted = store_system.bus.handle(c.GrantTool(participant, "video"), STAFF)
    [entry] = store_system.log.entries(granted.position - 1, 1)
    assert entry.envelope["type"] == "participant.tool_access_granted"
    assert entry.stored.topic == "ledger.domain.participants:Application.ToolAccessGranted"
