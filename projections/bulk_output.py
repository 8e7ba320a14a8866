"""The bulk rebuild's output: rows into the ledger's database in sorted
chunks (`projections.bulk`)."""

from __future__ import annotations

import operator
import queue
import threading
from collections.abc import Callable
from typing import Any

from ledger.database import Cursor, Database, storable_row
from ledger.tables import Table
from projections import docs

Chunk = tuple[str, tuple[str, ...], list[tuple[Any, ...]]]  # table, columns, rows


class Output:
    """Rows on their way into the ledger's database: kept until a table has
    `chunk` of them, then written in primary-key order, a transaction per
    chunk so live writers are not held up for the whole rebuild. On
    PostgreSQL a thread of its own writes them (on a connection of its own)
    while the pass goes on: the server's inserts, indexes and commits were
    most of the writing's time, and psycopg waits for them without the GIL.
    On SQLite the work is the driver's own, on this core, which releases and
    takes back the GIL for every row: a thread only adds that contention."""

    def __init__(
        self, db: Database, tables: dict[str, Table], renew: Callable[[], None], chunk: int
    ) -> None:
        self.db = db
        self.tables = tables
        self.renew = renew
        self.chunk = chunk
        self.pending: docs.Rows = {}
        self._chunks: queue.Queue[Chunk | None] = queue.Queue(maxsize=2)  # memory stays flat
        self._failed: BaseException | None = None
        self._writer = threading.Thread(target=self._write_chunks, name="bulk-writer", daemon=True)
        if db.dialect == "postgres":
            self._writer.start()

    def add(self, rows: docs.Rows) -> None:
        for (table, columns), values in rows.items():
            waiting = self.pending.setdefault((table, columns), [])
            waiting += values
            if len(waiting) >= self.chunk:
                self.write(table, columns, self._sorted(table, columns, waiting))
                del self.pending[(table, columns)]

    def drain(self) -> None:
        for (table, columns), values in self.pending.items():
            self.write(table, columns, self._sorted(table, columns, values))
        self.pending = {}

    def _sorted(
        self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> list[tuple[Any, ...]]:
        """Appended to the table's index in order, not scattered across it
        (a third of the time on SQLite)."""
        key = operator.itemgetter(*(columns.index(c) for c in self.tables[table].primary_key))
        return sorted(rows, key=key)

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Write `rows`, or hand them to the writer, a chunk at a time (it
        waits while two wait)."""
        for start in range(0, len(rows), self.chunk):
            if self._failed is not None:
                raise self._failed
            chunk = (table, columns, rows[start : start + self.chunk])
            if self._writer.is_alive():
                self._chunks.put(chunk)
            else:
                self._insert(*chunk)
            self.renew()

    def close(self) -> None:
        """Wait until every chunk handed over is written; raise what failed."""
        self.stop()
        if self._failed is not None:
            raise self._failed

    def stop(self) -> None:
        """End the writer (after the chunks already handed over)."""
        if self._writer.is_alive():
            self._chunks.put(None)
            self._writer.join()

    def _write_chunks(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._failed is None:  # after a failure the rest is only taken off the queue
                try:
                    self._insert(*chunk)
                except BaseException as error:
                    self._failed = error

    def _insert(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(columns)
        with self.db.transaction(write=True) as cur:
            if cur.dialect == "postgres":
                _copy_in(cur, self.db.sql(f"COPY {{t}}{table} ({names}) FROM STDIN"), rows)
            else:
                cur.executemany(docs.insert_sql(table, columns), rows)


def _copy_in(cur: Cursor, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY: several times executemany's rows per second. Text
    is stored as `Cursor.execute` stores it (`storable_row`)."""
    with raw(cur).copy(statement) as copy:
        for row in rows:
            copy.write_row(storable_row(row))


def raw(cur: Cursor) -> Any:
    """The driver's own cursor under `cur` (sqlite3's, psycopg's), to stream
    rows as tuples and to COPY."""
    raw = cur._raw
    return getattr(raw, "sqlite_cursor", raw)
