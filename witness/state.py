"""The witness's memory: per log origin, the latest checkpoint it cosigned.

One SQLite file. Checking a submission against the stored size and storing
the new checkpoint happen in one `BEGIN IMMEDIATE` transaction, so of two
concurrent submissions (threads or processes) the second sees the first's
result: the stored size never goes back (the race tlog-witness warns about).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from transparency import merkle

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS witness_logs (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, "
    "root BLOB NOT NULL, log_key TEXT NOT NULL, checkpoint TEXT NOT NULL, "
    "updated_at TEXT NOT NULL)",
    # Validly signed checkpoints the witness refused: evidence of a misbehaving log.
    "CREATE TABLE IF NOT EXISTS witness_refusals (id INTEGER PRIMARY KEY, origin TEXT NOT NULL, "
    "reason TEXT NOT NULL, request TEXT NOT NULL, received_at TEXT NOT NULL)",
]


@dataclass(frozen=True)
class Known:
    size: int
    root: bytes


def _now() -> str:
    return datetime.now(UTC).isoformat()


class WitnessState:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.transaction() as tx:
            for statement in SCHEMA:
                tx.conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # the write lock first: read-check-write is atomic
            try:
                yield Transaction(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def refusals(self) -> list[tuple[str, str, str]]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            return conn.execute(
                "SELECT origin, reason, request FROM witness_refusals ORDER BY id"
            ).fetchall()
        finally:
            conn.close()

    def record_refusal(self, origin: str, reason: str, request: bytes) -> None:
        with self.transaction() as tx:
            tx.conn.execute(
                "INSERT INTO witness_refusals (origin, reason, request, received_at) "
                "VALUES (?, ?, ?, ?)",
                (origin, reason, request.decode("utf-8", "replace"), _now()),
            )


class Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def known(self, origin: str) -> Known:
        """The latest cosigned (size, root); size 0 (the empty tree) if none yet."""
        row = self.conn.execute(
            "SELECT size, root FROM witness_logs WHERE origin = ?", (origin,)
        ).fetchone()
        return Known(0, merkle.EMPTY_ROOT) if row is None else Known(int(row[0]), bytes(row[1]))

    def store(self, origin: str, size: int, root: bytes, log_key: str, checkpoint: str) -> None:
        self.conn.execute(
            "INSERT INTO witness_logs (origin, size, root, log_key, checkpoint, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
            "root = excluded.root, log_key = excluded.log_key, "
            "checkpoint = excluded.checkpoint, updated_at = excluded.updated_at",
            (origin, size, root, log_key, checkpoint, _now()),
        )
