"""Helpers for projection integration tests: grow the log, dump a view."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from api.bootstrap import System
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.errors import LedgerError
from projections.follower import Follower
from projections.rebuild import rebuild
from projections.service import all_projections
from tests.helpers import DAYS

STAFF = Actor("staff-it", Role.STAFF)
SLUG = "busan-2026"


def open_program(system: System, capacity: int = 10_000) -> None:
    run = system.bus.handle
    run(
        c.OpenProgram(SLUG, "Busan Lab", "Busan", *DAYS, capacity),
        STAFF,
    )
    run(c.RegisterTool(SLUG, "video", "Motion", "Example", "2.1", ("t2v",), ("720p",)), STAFF)


def grow(system: System, artists: int, start: int = 0) -> None:
    """Each artist adds 6-7 events: applied, seat + admitted, granted,
    a generation, a declared work; every third withdraws again."""
    run = system.bus.handle
    for n in range(start, start + artists):
        pid = run(
            c.SubmitApplication(
                SLUG, f"Artist {n}", f"a{n}@example.org", "https://p.example.org", "s"
            ),
            STAFF,
        ).result.id
        run(c.AdmitApplicant(pid), STAFF)
        expires = system.store.ledger.clock() + timedelta(days=3)
        run(c.GrantTool(pid, "video", expires), STAFF)
        artist = Actor(f"artist-{n}", Role.ARTIST, pid)
        generation = run(
            c.RecordGeneration(pid, "video", "2.1", f"{n:064x}", "video/mp4"), artist
        ).result.id
        run(c.DeclareOwnership(f"Work {n}", f"{n + 1:064x}", (generation,), "mine"), artist)
        if n % 3 == 2:
            run(c.WithdrawParticipant(pid, "left"), STAFF)


def try_grow(system: System, artists: int, start: int) -> None:
    try:
        grow(system, artists, start)
    except LedgerError:  # a store shutting down under a finished test
        pass


def followers(system: System, batch: int = 500) -> list[Follower]:
    out = []
    for projection in all_projections():
        follower = Follower(system.log, system.db, projection, poll_interval=0.01)
        follower.batch = batch
        out.append(follower)
    return out


def dump(follower: Follower) -> dict[str, list[str]]:
    """Every row of the serving generation, without the generation number."""
    gen, _ = follower.status()
    tables = {}
    for table in follower.projection.tables:
        rows = follower.db.fetchall(f"SELECT * FROM {{t}}{table.name} WHERE gen = ?", (gen,))
        tables[table.name] = sorted(
            json.dumps({k: v for k, v in row.items() if k != "gen"}, sort_keys=True, default=str)
            for row in rows
        )
    return tables


def wait_caught_up(system: System, timeout: float = 30.0) -> None:
    head = system.log.head()
    deadline = time.monotonic() + timeout
    for follower in followers(system):
        while follower.position() < head:
            if time.monotonic() > deadline:
                raise AssertionError(f"{follower.name} stuck at {follower.position()} < {head}")
            time.sleep(0.05)


def rebuilt(follower: Follower) -> dict[str, list[str]]:
    rebuild(follower, grace=0)
    return dump(follower)
