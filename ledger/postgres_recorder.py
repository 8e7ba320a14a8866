"""The event store's recorder on PostgreSQL, with side writes
(`ledger.recorders`).

A module of its own so that a process on SQLite never imports
`eventsourcing.postgres`, and with it psycopg and its pool (`import
api.cli, wsgi` took 1.77 s of CPU before, 1.34 s after: medians of five
alternating runs on the 2-core machine): `ledger.store` names this class
by its topic, which eventsourcing imports only for a PostgreSQL URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder

from ledger.database import Cursor, Database
from ledger.recorders import EventReads, SideWrite, head_of, write_sides


class LedgerPostgresRecorder(EventReads, PostgresApplicationRecorder):
    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.database = Database(datastore, "postgres")

    def _insert_events(
        self,
        curs: Any,
        stored_events: Sequence[StoredEvent],
        *,
        side_writes: Sequence[SideWrite] = (),
        **kwargs: Any,
    ) -> None:
        # Nothing a save's pipeline sends is a prepared statement. psycopg
        # prepares a statement on its fifth run on a connection; when that run
        # sits in the pipeline behind one that fails (a twin's idempotency
        # key, a version taken), the server skips the PREPARE while psycopg
        # files the name as prepared, and every later save on the connection
        # fails with `prepared statement "_pg3_N" does not exist`
        # (tests/integration/test_gunicorn_concurrency.py, half the runs). The
        # connection's next read prepares again (`ledger.database`).
        curs.connection.prepare_threshold = None
        if stored_events:
            write_sides(Cursor(curs, self.database), side_writes, stored_events)
        super()._insert_events(curs, stored_events, **kwargs)

    def _notify_channel(self, curs: Any) -> None:
        """No NOTIFY with each save: nothing here LISTENs (every reader pages
        through the log, `ledger.log`), and a NOTIFY is a statement of each
        save plus the server's notification queue at each commit. A reader
        that subscribes (eventsourcing's `subscribe`) needs it back."""

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Any:
        raise NotImplementedError("saves send no NOTIFY here: page through the log (ledger.log)")

    def _key(self, originator_id: UUID | str) -> Any:
        return originator_id

    def _stored(self, row: Mapping[str, Any]) -> StoredEvent:
        return StoredEvent(
            originator_id=row["originator_id"],
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )

    def position_of(self, originator_id: UUID, originator_version: int) -> int | None:
        row = self.database.fetchone(
            f"SELECT notification_id AS position FROM {{t}}{self.events_table_name} "
            "WHERE originator_id = ? AND originator_version = ?",
            (originator_id, originator_version),
        )
        return int(row["position"]) if row else None

    @property
    def head_statement(self) -> str:
        return f"SELECT MAX(notification_id) AS head FROM {{t}}{self.events_table_name}"

    def head(self) -> int:
        """As `LedgerSQLiteRecorder.head`."""
        return head_of(self.database, self.head_statement)

    def refresh_statistics(self) -> None:
        """ANALYZE the events table, before a pass that reads all of it in
        pages (`projections.bulk.pages`). Right after a burst of saves (a
        bulk import; autovacuum analyzes only a minute or so later) the
        planner takes the log for the few rows it last counted, and plans a
        page (`notification_id >= ? AND notification_id <= ? ORDER BY
        notification_id LIMIT ?`) as a bitmap scan of every row up to the
        head, then a sort of them all, instead of an index scan that stops
        at the limit: a sort of the whole rest of the log for each page,
        until psycopg's prepared statement switches to the generic plan
        (docs/performance.md, stop 26)."""
        self.database.execute(f"ANALYZE {{t}}{self.events_table_name}")
