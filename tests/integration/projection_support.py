"""Helpers for projection integration tests: grow the log, dump a view."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from ledger.application import Actor, Ledger
from ledger.errors import LedgerError
from projections.follower import Follower
from projections.service import all_projections

STAFF = Actor("staff-it", "staff")
SLUG = "busan-2026"


def open_program(ledger: Ledger, capacity: int = 10_000) -> None:
    ledger.open_program(STAFF, SLUG, "Busan Lab", "Busan", "2026-05-01", "2026-05-31", capacity)
    ledger.register_tool(STAFF, SLUG, "video", "Motion", "Example", "2.1", ["t2v"], ["720p"])


def grow(ledger: Ledger, artists: int, start: int = 0) -> None:
    """Each artist adds 6-7 events: applied, seat + admitted, granted,
    a generation, a declared work; every third withdraws again."""
    for n in range(start, start + artists):
        pid = UUID(
            ledger.submit_application(
                STAFF, SLUG, f"Artist {n}", f"a{n}@example.org", "https://p.example.org", "s"
            ).body["id"]
        )
        ledger.admit_applicant(STAFF, pid)
        ledger.grant_tool(STAFF, pid, "video", ledger.clock() + timedelta(days=3))
        artist = Actor(f"artist-{n}", "artist", pid)
        gid = UUID(
            ledger.record_generation(
                artist, pid, "video", "2.1", f"{n:064x}", "video/mp4", None, None
            ).body["id"]
        )
        ledger.declare_ownership(artist, f"Work {n}", f"{n + 1:064x}", [gid], "mine")
        if n % 3 == 2:
            ledger.withdraw_participant(STAFF, pid, "left")


def try_grow(ledger: Ledger, artists: int, start: int) -> None:
    try:
        grow(ledger, artists, start)
    except LedgerError:  # a store shutting down under a finished test
        pass


def followers(ledger: Ledger, batch: int = 500) -> list[Follower]:
    out = []
    for projection in all_projections():
        follower = Follower(ledger, projection, poll_interval=0.01)
        follower.batch = batch
        out.append(follower)
    return out


def dump(follower: Follower) -> dict[str, list[str]]:
    """Every row of the serving generation, without the generation number."""
    gen, _ = follower.status()
    tables = {}
    for table in follower.projection.tables:
        rows = follower.db.fetchall(f"SELECT * FROM {{t}}{table} WHERE gen = ?", (gen,))
        tables[table] = sorted(
            json.dumps({k: v for k, v in row.items() if k != "gen"}, sort_keys=True, default=str)
            for row in rows
        )
    return tables


def wait_caught_up(ledger: Ledger, timeout: float = 30.0) -> None:
    head = ledger.max_position()
    deadline = time.monotonic() + timeout
    for follower in followers(ledger):
        while follower.position() < head:
            if time.monotonic() > deadline:
                raise AssertionError(f"{follower.name} stuck at {follower.position()} < {head}")
            time.sleep(0.05)


def rebuilt(follower: Follower) -> dict[str, Any]:
    follower.rebuild(grace=0)
    return dump(follower)
