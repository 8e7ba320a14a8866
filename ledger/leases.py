"""Leases in the database: at most one process runs a given follower.

A lease is held for `ttl` seconds and renewed by its holder while it works.
It is an efficiency and ordering guard, not the correctness guard: views
still record their tracking position in the same transaction as their rows,
so a holder that lost its lease mid-write fails on the tracking row instead
of applying an event twice.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

from ledger.database import Database
from ledger.tables import Table, real, text

TABLE = Table(
    "ledger_leases", (text("name"), text("holder"), real("expires_at")), primary_key=("name",)
)


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    def __init__(self, db: Database, name: str, holder: str | None = None, ttl: float = 10.0):
        self.db = db
        self.name = name
        self.holder = holder or new_holder_id()
        self.ttl = ttl
        self._fresh_until = 0.0

    def hold(self) -> bool:
        """`acquire`, but renewed only once a third of the TTL has passed, so a
        polling loop does not write the lease row on every tick."""
        now = time.monotonic()
        if now < self._fresh_until:
            return True
        if self.acquire():
            self._fresh_until = now + self.ttl / 3
            return True
        return False

    def acquire(self) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        now = time.time()
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO {t}ledger_leases (name, holder, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                "expires_at = excluded.expires_at "
                "WHERE {t}ledger_leases.expires_at < ? "
                "OR {t}ledger_leases.holder = excluded.holder "
                "RETURNING holder",
                (self.name, self.holder, now + self.ttl, now),
            )
            row = cur.fetchone()
        return row is not None and row["holder"] == self.holder

    def held_elsewhere(self) -> bool:
        """True while another live holder has the lease (a read: no write lock)."""
        row = self.db.fetchone(
            "SELECT holder, expires_at FROM {t}ledger_leases WHERE name = ?", (self.name,)
        )
        return (
            row is not None
            and row["holder"] != self.holder
            and float(row["expires_at"]) > time.time()
        )

    def release(self) -> None:
        self._fresh_until = 0.0
        self.db.execute(
            "DELETE FROM {t}ledger_leases WHERE name = ? AND holder = ?", (self.name, self.holder)
        )
