"""`Idempotency-Key`s of commands: the response each got, written in the same
transaction as the command's events (a side write, see `ledger.recorders`),
so "written once" holds even for concurrent retries: the loser's transaction
fails on the key and it replays the winner's stored response.

The stored body is the one the API built; its position is found from the
command's last event, so a replay answers exactly as the first response did.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger import errors
from ledger.database import Cursor, Database
from ledger.recorders import PositionOf
from ledger.tables import Column, Table, bigint, integer, text

TABLE = Table(
    "ledger_idempotency",
    (
        text("scope"),
        text("key"),
        text("request_hash"),
        integer("status"),
        text("response"),
        text("originator_id"),
        bigint("originator_version"),
        Column("created_at", "created"),
    ),
    primary_key=("scope", "key"),
)


@dataclass(frozen=True)
class IdempotencyKey:
    """A write's key (scoped to the caller), the hash of its request and the
    status its response gets."""

    scope: str
    key: str
    request_hash: str
    status: int


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: dict[str, Any]
    position: int

    def for_request(self, request_hash: str) -> StoredResponse:
        """This response, if it was given to the same request; the same key
        with another request is refused."""
        if request_hash != self.request_hash:
            raise errors.IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request"
            )
        return self


class DuplicateRequest(Exception):
    """The Idempotency-Key was already used: replay `stored`."""

    def __init__(self, stored: StoredResponse) -> None:
        super().__init__("duplicate idempotent request")
        self.stored = stored


@dataclass(frozen=True)
class IdempotentResponse:
    """The side write that records a key with the response its command got."""

    key: IdempotencyKey
    body: dict[str, Any]

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        last = events[-1]
        cur.execute(
            "INSERT INTO {t}ledger_idempotency (scope, key, request_hash, status, response, "
            "originator_id, originator_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.key.scope,
                self.key.key,
                self.key.request_hash,
                self.key.status,
                json.dumps(self.body),
                last.originator_id.hex,
                last.originator_version,
            ),
        )


class IdempotencyStore:
    def __init__(self, db: Database, positions: PositionOf) -> None:
        self.db = db
        self.positions = positions

    def lookup(self, scope: str, key: str) -> StoredResponse | None:
        row = self.db.fetchone(
            "SELECT request_hash, status, response, originator_id, originator_version "
            "FROM {t}ledger_idempotency WHERE scope = ? AND key = ?",
            (scope, key),
        )
        if row is None:
            return None
        position = self.positions.position_of(
            UUID(row["originator_id"]), int(row["originator_version"])
        )
        return StoredResponse(
            request_hash=row["request_hash"],
            status=row["status"],
            body=json.loads(row["response"]),
            position=position or 0,
        )
