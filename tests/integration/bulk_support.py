"""A log with every event type, for the bulk rebuild's tests: retractions,
disputes, erasures, revocations, declines, withdrawals, a closure, a grant
past year 9999, a name holding NUL and an event that cannot be decoded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from eventsourcing.persistence import StoredEvent

from api.bootstrap import System
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.events import EVENT_TYPES
from ledger.log import iter_log
from tests.helpers import DAYS, sha

STAFF = Actor("staff-bulk", Role.STAFF)
SLUG = "bulk-2026"
FAR = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14)))


def artist(system: System, n: int, name: str = "") -> tuple[object, Actor]:
    """An admitted artist granted the video tool; (participant id, actor)."""
    run = system.bus.handle
    submitted = c.SubmitApplication(
        SLUG, name or f"Artist {n}", f"a{n}@example.org", "https://example.org", "s"
    )
    pid = run(submitted, STAFF).result.id
    run(c.AdmitApplicant(pid), STAFF)
    return pid, Actor(f"artist-{n}", Role.ARTIST, pid)


def work(system: System, pid: object, actor: Actor, n: int) -> object:
    """A generation and the work declared from it; the work's id."""
    run = system.bus.handle
    made = run(c.RecordGeneration(pid, "video", "2.1", sha(f"out{n}"), "video/mp4"), actor)
    declared = c.DeclareOwnership(f"Work {n}", sha(f"work{n}"), (made.result.id,), "mine")
    return run(declared, actor).result.id


def every_event(system: System) -> None:
    run = system.bus.handle
    program = run(c.OpenProgram(SLUG, "Bulk", "Seoul", *DAYS, 6), STAFF).result.id
    run(c.RegisterTool(SLUG, "video", "Motion", "Lab", "2.1", ("t2v",), ("720p",)), STAFF)
    run(c.UpdateToolDisclosure(SLUG, "video", "2.2", ("t2v", "i2v"), ("1080p",)), STAFF)
    works = []
    for n in range(4):
        pid, actor = artist(system, n, name="Nul\x00Artist" if n == 3 else "")
        run(c.GrantTool(pid, "video", FAR if n == 3 else None), STAFF)
        run(c.ChangeDisplayName(pid, f"Artist {n} shown"), STAFF)
        works.append((pid, actor, work(system, pid, actor, n)))
    exhibition = run(
        c.ScheduleExhibition(SLUG, "Tides", "Hall", *DAYS, "partner-1"), STAFF
    ).result.id
    run(c.HangWork(exhibition, works[0][2]), STAFF)
    run(c.RetractDeclaration(works[1][2], "not mine after all"), works[1][1])
    run(c.DisputeDeclaration(works[2][2], "questioned"), STAFF)
    run(c.RevokeTool(works[0][0], "video", "misuse"), STAFF)
    run(c.ErasePersonalData(works[2][0], "asked"), STAFF)
    run(c.WithdrawParticipant(works[3][0], "left"), STAFF)
    declined = run(
        c.SubmitApplication(SLUG, "Late", "late@example.org", "https://x.org", "s"), STAFF
    ).result.id
    run(c.DeclineApplication(declined, "full"), STAFF)
    run(c.CloseProgram(SLUG), STAFF)
    unreadable(system, program)
    types = {env["type"] for env in iter_log(system.log)}
    missing = set(EVENT_TYPES.values()) - types
    if missing:
        raise AssertionError(f"the log lacks {sorted(missing)}")


def unreadable(system: System, aggregate_id: object) -> None:
    """An event of `aggregate_id` whose class no longer exists."""
    ledger = system.store.ledger
    version = ledger.repository.get(aggregate_id).version + 1
    state = json.dumps({"timestamp": {"_type_": "datetime_iso", "_data_": "2026-03-03"}})
    stored = StoredEvent(aggregate_id, version, "ledger.vanished:Program.Renamed", state.encode())
    ledger.recorder.insert_events([stored])
