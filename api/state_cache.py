"""On SQLite, a worker's memory of its reads' first statement, kept exactly
as long as nothing in the database changed.

`PRAGMA data_version` on a connection changes whenever any other connection,
in this process or another, commits to the database file. So a worker asks
it on a connection of its own (read-only, never written through), and while
it answers what it answered when a state was read, that state is still what
the statement would read: the token rows, the log head and the views'
positions and leases are all as they were. Revoking a token, appending an
event or moving a view is a commit, so the very next request of every worker
reads again. What changes with time alone (a lease's expiry, a grant's) is
not decided here: the state keeps the instants and its users compare them
with the clock at use.

The statement then runs on this connection too, in one read transaction with
the `data_version` it is filed under, so a state can never be filed under a
version older than its rows. One connection per process, opened on first
use (a gunicorn worker's after the fork, never the master's), shared by the
worker's threads under a lock; each query on it takes microseconds.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

S = TypeVar("S")  # what the statement reads for everyone: head, views
A = TypeVar("A")  # what it reads for one token: its actor (or None)
MAX_TOKENS = 1024  # tokens remembered per version (unknown ones included)
_VERSION = "PRAGMA data_version"
_MISSING = object()


@dataclass
class _Known(Generic[S, A]):
    version: int
    shared: S
    actors: OrderedDict[str | None, A] = field(default_factory=OrderedDict)


class StateCache(Generic[S, A]):
    """`get(key)`: what `statement` (one parameter: `key`) reads, parsed by
    `parse` into (shared, actor), from memory while the database is unchanged."""

    def __init__(
        self,
        path: str,
        statement: str,
        parse: Callable[[Sequence[tuple[Any, ...]]], tuple[S, A] | None],
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.uri = Path(path).resolve().as_uri() + "?mode=ro"
        self.statement = statement
        self.parse = parse
        self.max_tokens = max_tokens
        self.statements = 0  # how many times the statement ran (tests, benchmarks)
        self._known: _Known[S, A] | None = None
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._inherited: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self, key: str | None) -> tuple[S, A] | None:
        """(shared, actor) as the statement reads them now; None when it reads
        no rows (a store without views: the caller asks the store itself)."""
        with self._lock:
            conn = self._connection()
            known = self._known
            if known is not None and known.version == _version(conn):
                actor = known.actors.get(key, _MISSING)
                if actor is not _MISSING:
                    known.actors.move_to_end(key)
                    return known.shared, actor  # type: ignore[return-value]
            return self._read(conn, key)

    def _read(self, conn: sqlite3.Connection, key: str | None) -> tuple[S, A] | None:
        conn.execute("BEGIN")
        try:
            version = _version(conn)  # of this transaction's snapshot: the rows' own
            rows = conn.execute(self.statement, (key,)).fetchall()
        finally:
            conn.execute("ROLLBACK")
        self.statements += 1
        parsed = self.parse(rows)
        if parsed is None:
            return None
        shared, actor = parsed
        known = self._known
        if known is None or known.version != version:
            known = self._known = _Known(version, shared)
        known.actors[key] = actor
        while len(known.actors) > self.max_tokens:
            known.actors.popitem(last=False)
        return known.shared, actor

    def _connection(self) -> sqlite3.Connection:
        conn = self._conn
        if conn is None or self._pid != os.getpid():  # first use, or a forked child
            if conn is not None:
                # The parent's: never closed here, as closing a descriptor of the
                # file would drop every POSIX lock this process holds on it.
                self._inherited.append(conn)
            conn = self._conn = sqlite3.connect(
                self.uri, uri=True, check_same_thread=False, isolation_level=None
            )
            self._pid = os.getpid()
            self._known = None
        return conn


def _version(conn: sqlite3.Connection) -> int:
    # fetchall steps the statement to its end: outside BEGIN, no read
    # transaction outlives the call (one would pin the version it sees).
    return int(conn.execute(_VERSION).fetchall()[0][0])
