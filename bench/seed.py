"""What the benchmarks seed: a one-artist program the HTTP paths read and
write, and bulk generations that take a store to a million events.

Everything goes through the application: small things through the command
bus, the bulk as `Ledger.save` of many new Generation aggregates per
transaction, each built by `Generation.record` (the domain's checks) with the
side write its handler would add (the output index row of a hash no one
recorded before; a batch's rows inserted in one statement). Only the
transaction boundary differs from HTTP.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import System
from ledger import commands as c
from ledger import outputs
from ledger.actors import Actor, Role
from ledger.database import Cursor
from ledger.domain import Generation

STAFF = Actor("bench-staff", Role.STAFF)
TOOL, VERSION = "video", "2.1"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Program:
    slug: str
    artists: list[UUID]
    works: list[UUID]
    hashes: list[str]  # the works' content hashes


def program(system: System, artists: int = 1, works_each: int = 1, tag: str = "") -> Program:
    """A program around today (a generation must fall on one of its days),
    `artists` admitted and granted the tool, each with `works_each` works."""
    run = system.bus.handle
    slug = f"bench-{tag}{uuid.uuid4().hex[:6]}"
    today = date.today()
    days = (today - timedelta(days=180), today + timedelta(days=180))
    run(c.OpenProgram(slug, "Bench", "Seoul", *days, max(artists, 1)), STAFF)
    run(c.RegisterTool(slug, TOOL, "Motion", "Lab", VERSION, ("t2v",), ("no faces",)), STAFF)
    expires = system.store.ledger.clock() + timedelta(days=150)
    pids, work_ids, hashes = [], [], []
    for n in range(artists):
        submitted = c.SubmitApplication(
            slug, f"Artist {n}", f"a{n}-{slug}@example.org", "https://example.org", "s"
        )
        pid = run(submitted, STAFF).result.id
        run(c.AdmitApplicant(pid), STAFF)
        run(c.GrantTool(pid, TOOL, expires), STAFF)
        run(c.ChangeDisplayName(pid, f"Artist {n} of {slug}"), STAFF)
        artist = Actor(f"artist-{n}-{slug}", Role.ARTIST, pid)
        for w in range(works_each):
            content = sha(f"{slug}/{n}/{w}")
            made = c.RecordGeneration(pid, TOOL, VERSION, content, "video/mp4")
            generation = run(made, artist).result.id
            declared = c.DeclareOwnership(f"Work {w}", content, (generation,), "mine")
            work_ids.append(run(declared, artist).result.id)
            hashes.append(content)
        pids.append(pid)
    return Program(slug, pids, work_ids, hashes)


class Batch:
    """A batch's new aggregates as one object for `Ledger.save`: the same
    events, in the same order, in one transaction. eventsourcing checks each
    object it is given against two runtime protocols, which on Python 3.11
    costs more than saving the aggregate's event; one object per batch pays
    that once. (Generations are never snapshotted nor cached on save.)"""

    def __init__(self, aggregates: list[Generation]) -> None:
        self.id = uuid.uuid4()
        self.aggregates = aggregates

    def collect_events(self) -> list[Any]:
        return [event for aggregate in self.aggregates for event in aggregate.collect_events()]


@dataclass(frozen=True)
class FirstOutputs:
    """The output-index rows of a batch's generations in one side write: the
    rows each generation's own side write (`outputs.recorded`) inserts, in one
    `executemany`. Only first outputs (version 0: a plain INSERT) are bulked."""

    rows: list[tuple[str, str, str]]

    def write(self, cur: Cursor, events: Sequence[Any]) -> None:
        cur.executemany(
            "INSERT INTO {t}ledger_outputs (hash, participant, generation, version) "
            "VALUES (?, ?, ?, 1)",
            self.rows,
        )


def side_writes(writes: list[Any]) -> list[Any]:
    """`writes` (each generation's own) with the plain first-output inserts
    among them bulked into one `FirstOutputs`."""
    bulk = [w for w in writes if isinstance(w, outputs.FirstOutput) and w.seen.version == 0]
    rest = [w for w in writes if not (isinstance(w, outputs.FirstOutput) and w.seen.version == 0)]
    rows = [(w.seen.hash, str(w.participant), str(w.generation)) for w in bulk]
    return [FirstOutputs(rows), *rest] if rows else rest


def generations(system: System, target: int, *, batch: int = 5000, artists: int = 5) -> float:
    """Add generations until the log holds `target` events, `batch` new
    aggregates per transaction, spread over `artists` participants of a
    program of their own. Returns the seconds it took."""
    ledger = system.store.ledger
    started = time.perf_counter()
    head = system.log.head()
    if head >= target:
        return 0.0
    seeded = program(system, artists=artists, works_each=0, tag="bulk-")
    the_program = ledger.get_program(seeded.slug)
    participants = [ledger.get_application(pid) for pid in seeded.artists]
    actors = [Actor(f"artist-{p.id}", Role.ARTIST, p.id) for p in participants]
    head = system.log.head()
    salt = os.urandom(8).hex()
    n = 0
    while head < target:
        aggregates, writes = [], []
        for _ in range(min(batch, target - head)):
            participant, actor = participants[n % artists], actors[n % artists]
            output = sha(f"{salt}/{n}")
            generation = Generation.record(
                participant,
                the_program,
                TOOL,
                VERSION,
                output,
                "image/png",
                None,
                ledger.clock(),
                actor,
            )
            aggregates.append(generation)
            writes += outputs.recorded(outputs.Output(output), participant.id, generation.id)
            n += 1
        ledger.save(Batch(aggregates), side_writes=side_writes(writes))
        head += len(aggregates)
    return time.perf_counter() - started
