"""The write side's index of content hashes: who first recorded each one as a
generation output, so that no one else can declare it (issue 11: ownership
cannot be front-run).

One row per hash (`ledger_outputs`): the participant and generation that
first recorded it as an output (null while no generation has), and a
`version` that every write of the row advances. A generation that is the
first to record its output fills the row; a declaration of a hash no
generation has recorded yet advances the row's version. Both write the row
as a side write of their save (`ledger.recorders`), conditioned on the
version they read (a plain INSERT when they saw no row): so a generation and
a declaration of the same hash racing in two processes cannot both commit on
what each read. The loser's save fails whole with `IntegrityError`, and the
command bus runs its command again on the row as the winner left it: the
declaration is then refused, or the generation is no longer the first.

Why a row and not an aggregate per hash: optimistic concurrency on a per-hash
aggregate would serialise the two the same way, but it would add an event to
the public log for every generation, restating what the generation's own
event says. The row holds nothing but what the log already proves, and
`backfill` rebuilds it from the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    IntegrityError,
    JSONTranscoder,
    StoredEvent,
    UUIDAsHex,
)

from ledger.database import Cursor, Database
from ledger.tables import Table, bigint, text

TABLE = Table(
    "ledger_outputs",
    (
        text("hash"),
        text("participant", null=True),
        text("generation", null=True),
        bigint("version"),
    ),
    primary_key=("hash",),
)


@dataclass(frozen=True)
class Output:
    """The row of one hash as a command read it (version 0: no row yet)."""

    hash: str
    participant: UUID | None = None
    generation: UUID | None = None
    version: int = 0


def _written(cur: Cursor, hash_: str) -> None:
    if cur.fetchone() is None:  # another save wrote the row since it was read
        raise IntegrityError(f"the output index of {hash_} changed meanwhile")


def _advance(cur: Cursor, seen: Output, participant: UUID | None, generation: UUID | None) -> None:
    if seen.version == 0:
        cur.execute(
            "INSERT INTO {t}ledger_outputs (hash, participant, generation, version) "
            "VALUES (?, ?, ?, 1)",
            (seen.hash, _text(participant), _text(generation)),
        )
        return
    cur.execute(
        "UPDATE {t}ledger_outputs SET participant = ?, generation = ?, version = version + 1 "
        "WHERE hash = ? AND version = ? RETURNING hash",
        (_text(participant), _text(generation), seen.hash, seen.version),
    )
    _written(cur, seen.hash)


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class FirstOutput:
    """Side write of a generation that is the first to record its output."""

    seen: Output
    participant: UUID
    generation: UUID

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        _advance(cur, self.seen, self.participant, self.generation)


@dataclass(frozen=True)
class Claimed:
    """Side write of a declaration of a hash no generation has recorded: it
    advances the row, so a generation of that hash racing it must lose."""

    seen: Output

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        _advance(cur, self.seen, None, None)


def recorded(seen: Output, participant: UUID, generation: UUID) -> tuple[FirstOutput, ...]:
    """What a generation of `seen.hash` writes: the row, if it is the first."""
    return () if seen.participant is not None else (FirstOutput(seen, participant, generation),)


def claimed(seen: Output) -> tuple[Claimed, ...]:
    """What a declaration of `seen.hash` writes: nothing once a generation
    recorded it (the first recorder never changes), else the row."""
    return () if seen.participant is not None else (Claimed(seen),)


class Outputs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, hash_: str) -> Output:
        row = self.db.fetchone("SELECT * FROM {t}ledger_outputs WHERE hash = ?", (hash_,))
        if row is None:
            return Output(hash_)
        return Output(
            hash_,
            UUID(row["participant"]) if row["participant"] else None,
            UUID(row["generation"]) if row["generation"] else None,
            int(row["version"]),
        )


# ---- rebuilt from the log (schema version 3) ----------------------------------------

GENERATION_TOPIC = "ledger.domain.works:Generation.GenerationRecorded"


def _transcoder() -> JSONTranscoder:
    # As eventsourcing's Application registers them: the stored state's encoding.
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


def backfill(cur: Cursor) -> None:
    """Fill the index from the generations already in the event store, in log
    order (the first recorder of each hash wins), for a store migrated from
    before the index existed."""
    for statement in TABLE.create(cur.dialect):
        cur.execute(statement)
    if cur.dialect == "sqlite":
        table, position = "stored_events", "rowid"
    else:
        table, position = "ledger_events", "notification_id"
    if not cur.has_table(table):
        return
    transcoder = _transcoder()
    rows: list[dict[str, Any]] = cur.all(
        f"SELECT originator_id, state FROM {{t}}{table} WHERE topic = ? ORDER BY {position}",
        (GENERATION_TOPIC,),
    )
    for row in rows:
        state = transcoder.decode(bytes(row["state"]))
        cur.execute(
            "INSERT INTO {t}ledger_outputs (hash, participant, generation, version) "
            "VALUES (?, ?, ?, 1) ON CONFLICT (hash) DO NOTHING",
            (
                str(state["output_sha256"]),
                str(state["participant"]),
                str(UUID(str(row["originator_id"]))),
            ),
        )
