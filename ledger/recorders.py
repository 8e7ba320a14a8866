"""The event store's recorders, with *side writes*: rows of our own tables
written in the same transaction as a save's events.

`Ledger.save(*aggregates, side_writes=[...])` hands its side writes to the
recorder, which renders each through the one `Cursor` inside the transaction
that inserts the events, before them. If any write fails (a duplicate key, a
lost optimistic-concurrency race), nothing of the save is written. The
idempotency record is one side write; the personal-data store's values and
erasures are others (`ledger.personal`).

On eventsourcing's in-memory store (POPO) the side tables live in a private
in-memory SQLite database (`MemoryRecorder.database`), so commands run in
memory with the same side writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from ledger import write_gate
from ledger.database import Cursor, Database


class SideWrite(Protocol):
    """A row change that belongs to a save: written with its events, or not at all."""

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None: ...


class PositionOf(Protocol):
    def position_of(self, originator_id: UUID, originator_version: int) -> int | None:
        """The log position of an event, or None when it is not stored."""
        ...


def write_sides(
    cur: Cursor, side_writes: Sequence[SideWrite], events: Sequence[StoredEvent]
) -> None:
    for side_write in side_writes:
        side_write.write(cur, events)


def _select_events(
    database: Database,
    table: str,
    originator_id: Any,
    gt: int | None,
    lte: int | None,
    desc: bool,
    limit: int | None,
) -> list[dict[str, Any]]:
    """eventsourcing's `select_events`, read through the `Database`: inside
    `Database.sharing` (a command's reads, `ledger.messagebus`) every read
    joins the one shared transaction on one connection, not one each."""
    statement = f"SELECT * FROM {{t}}{table} WHERE originator_id = ?"
    params: list[Any] = [originator_id]
    if gt is not None:
        statement += " AND originator_version > ?"
        params.append(gt)
    if lte is not None:
        statement += " AND originator_version <= ?"
        params.append(lte)
    statement += " ORDER BY originator_version " + ("DESC" if desc else "ASC")
    if limit is not None:
        statement += " LIMIT ?"
        params.append(limit)
    with database.transaction() as cur:
        return cur.all(statement, params)


def _select_new_events(
    database: Database, table: str, after: Sequence[tuple[Any, int]]
) -> list[dict[str, Any]]:
    """The events of several aggregates after a version each, in one
    statement (each aggregate's in version order)."""
    where = " OR ".join(["(originator_id = ? AND originator_version > ?)"] * len(after))
    params = [value for pair in after for value in pair]
    statement = f"SELECT * FROM {{t}}{table} WHERE {where} ORDER BY originator_version"
    with database.transaction() as cur:
        return cur.all(statement, params)


class EventReads:
    """eventsourcing's `select_events` through the `Database` (see
    `_select_events`), and `select_new_events`, for both recorders: each
    says how it spells an originator id (`_key`) and turns a row back into a
    `StoredEvent` (`_stored`)."""

    database: Database
    events_table_name: str

    def _key(self, originator_id: UUID | str) -> Any:
        raise NotImplementedError

    def _stored(self, row: Mapping[str, Any]) -> StoredEvent:
        raise NotImplementedError

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        key = self._key(originator_id)
        rows = _select_events(self.database, self.events_table_name, key, gt, lte, desc, limit)
        return [self._stored(row) for row in rows]

    def select_new_events(self, versions: Mapping[UUID, int]) -> list[StoredEvent]:
        """The events stored after each aggregate's version, in one statement."""
        after = [(self._key(aggregate_id), version) for aggregate_id, version in versions.items()]
        rows = _select_new_events(self.database, self.events_table_name, after)
        return [self._stored(row) for row in rows]


def head_of(database: Database, statement: str) -> int:
    def read() -> int:
        row = cur.one(statement)
        return int(row["head"] or 0) if row else 0

    with database.transaction() as cur:
        return int(cur.remembered("log.head", read))


class LedgerSQLiteRecorder(EventReads, SQLiteApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        write_gate.install(datastore)  # writers queue for the file (ledger.write_gate)
        self.database = Database(datastore, "sqlite")

    def _insert_events(
        self,
        c: Any,
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        write_sides(Cursor(c, self.database), side_writes, stored_events)
        return super()._insert_events(c, stored_events, **kwargs)

    def _key(self, originator_id: UUID | str) -> Any:
        return originator_id.hex if isinstance(originator_id, UUID) else originator_id

    def _stored(self, row: Mapping[str, Any]) -> StoredEvent:
        return StoredEvent(
            originator_id=self.convert_originator_id(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=row["state"],
        )

    def position_of(self, originator_id: UUID, originator_version: int) -> int | None:
        row = self.database.fetchone(
            f"SELECT rowid AS position FROM {{t}}{self.events_table_name} "
            "WHERE originator_id = ? AND originator_version = ?",
            (originator_id.hex, originator_version),
        )
        return int(row["position"]) if row else None

    @property
    def head_statement(self) -> str:
        """The statement `head` runs (an HTTP read embeds it in its first)."""
        return f"SELECT MAX(rowid) AS head FROM {{t}}{self.events_table_name}"

    def head(self) -> int:
        """The last position, read through the `Database`: in an HTTP read,
        in its shared transaction (`Database.sharing`)."""
        return head_of(self.database, self.head_statement)


class MemoryRecorder(POPOApplicationRecorder):
    """eventsourcing's in-memory recorder, with its side tables in memory too."""

    def __init__(self) -> None:
        super().__init__()
        self.database = Database.memory()

    def _insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
        **kwargs: Any,
    ) -> Sequence[int] | None:
        with self._database_lock:
            self._assert_uniqueness(stored_events, **kwargs)
            try:
                with self.database.transaction(write=True) as cur:
                    write_sides(cur, side_writes, stored_events)
                    return self._update_table(stored_events, **kwargs)
            except sqlite3.IntegrityError as error:  # as the SQL stores raise it
                raise IntegrityError(error) from error

    def position_of(self, originator_id: UUID, originator_version: int) -> int | None:
        with self._database_lock:
            index = self._stored_events_index.get(str(originator_id), {})
            found = index.get(originator_version)
        return None if found is None else found + 1
