"""Histories for projection unit tests: real domain events, numbered as the
log would number them, fed to a projection through an in-memory cursor."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from ledger.actors import Actor, Role
from ledger.database import Cursor, Database
from ledger.domain import Application, Exhibition, Generation, Program, Work
from ledger.events import commitment, envelope

ACTOR = Actor("staff-1", Role.STAFF)
STAFF = {"actor_id": "staff-1", "actor_role": "staff"}
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SALT = "ab" * 32


def committed(field: str, value: str) -> str:
    """A commitment as the write side makes them (these histories bypass it)."""
    return commitment(SALT, field, value)


class History:
    def __init__(self) -> None:
        self.envs: list[dict[str, Any]] = []

    def record(self, *aggregates: Any) -> int:
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                self.envs.append(envelope(len(self.envs) + 1, event))
        return len(self.envs)

    def position(self) -> int:
        return len(self.envs)


def memory_cursor() -> Cursor:
    """A cursor on a fresh in-memory SQLite database, in autocommit mode."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    return Cursor(conn.cursor(), Database.memory())


def view(projection: Any, envs: list[dict[str, Any]], gen: int = 1) -> Cursor:
    cur = memory_cursor()
    for table in projection.tables:
        for statement in table.create("sqlite"):
            cur.execute(statement)
    for env in envs:
        projection.apply(cur, gen, env)
    return cur


class Residency:
    """A small program built with the aggregates (rules bypassed where a test
    needs a history the write side would have refused)."""

    def __init__(self, capacity: int = 2) -> None:
        self.h = History()
        self.names: dict[str, str] = {}  # application id -> the name it applied with
        self.program = Program(
            "seoul-2026", "Lab", "Seoul", "2026-03-02", "2026-03-31", capacity, **STAFF
        )
        self.program.register_tool("video", "Motion", "Example", "2.1", ["t2v"], ["720p"], ACTOR)
        self.h.record(self.program)

    def applicant(self, name: str, admit: bool = True) -> Application:
        app = Application(
            uuid4(),
            self.program.id,
            "seoul-2026",
            committed("artist_name", name),
            committed("email", f"{name.lower()}@example.org"),
            committed("portfolio_url", "https://p.example.org"),
            committed("statement", "statement text"),
            **STAFF,
        )
        self.names[str(app.id)] = name
        self.h.record(app)
        if admit:
            self.program._seat_allocated(str(app.id), **STAFF)
            app._admitted(**STAFF)
            self.h.record(self.program, app)
        return app

    def grant(self, app: Application, expires: datetime | None = None) -> None:
        app._tool_access_granted("video", expires, T0, "staff-1", **STAFF)
        self.h.record(app)

    def generate(
        self,
        app: Application,
        at: datetime = T0 + timedelta(hours=1),
        output: str = "cd" * 32,
        version: str = "2.1",
    ) -> Generation:
        generation = Generation(
            app.id,
            "seoul-2026",
            "video",
            version,
            output,
            "video/mp4",
            None,
            at,
            actor_id="artist-token",
            actor_role="artist",
        )
        self.h.record(generation)
        return generation

    def declare(
        self,
        app: Application,
        sha: str,
        generations: list[Generation],
        role: str = "artist",
        declaration: int = 1,
    ) -> Work:
        work = Work(
            Work.create_id(sha, declaration),
            app.id,
            "seoul-2026",
            f"Work {sha[:4]}",
            sha,
            [g.id for g in generations],
            committed("statement", "my statement"),
            committed("credit_name", self.names[str(app.id)]),
            actor_id="artist-token",
            actor_role=role,
        )
        self.h.record(work)
        return work

    def exhibition(self) -> Exhibition:
        exhibition = Exhibition(
            "seoul-2026", "Synthetic Seoul", "DDP", "2026-04-01", "2026-05-01", None, **STAFF
        )
        self.h.record(exhibition)
        return exhibition

    def retract(self, work: Work, role: str = "artist") -> None:
        work._retracted(work.artist, committed("reason", "a mistake"), "artist-token", role)
        self.h.record(work)

    def dispute(self, work: Work) -> None:
        work._disputed(work.artist, committed("reason", "contested"), **STAFF)
        self.h.record(work)
