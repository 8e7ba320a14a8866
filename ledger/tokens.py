"""Bearer tokens: random 256-bit, shown once, stored only as SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from ledger.actors import Actor, Role
from ledger.database import Database
from ledger.events import rfc3339
from ledger.tables import Table, text

TABLE = Table(
    "ledger_tokens",
    (
        text("id"),
        text("token_sha256", unique=True),
        text("role"),
        text("participant_id", null=True),
        text("name"),
        text("created_at"),
        text("revoked_at", null=True),
    ),
    primary_key=("id",),
)


def _now() -> str:
    return rfc3339(datetime.now(UTC))


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str
    role: str
    participant_id: str | None
    name: str


def digest(token: str) -> str:
    """What the store keeps of a token (and looks it up by)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def actor_of(row: dict[str, Any] | None) -> Actor | None:
    """The actor of a live token's row (`id`, `role`, `participant_id`,
    `name`), or None for no row: a token unknown or revoked."""
    if row is None or row.get("id") is None:
        return None
    pid = UUID(row["participant_id"]) if row["participant_id"] else None
    return Actor(id=row["id"], role=Role(row["role"]), participant_id=pid, name=row["name"])


class TokenStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, role: Role | str, participant_id: UUID | None = None, name: str = ""
    ) -> IssuedToken:
        if role not in tuple(Role):
            raise ValueError(f"role must be one of {', '.join(Role)}")
        role = Role(role)
        if role == Role.ARTIST and participant_id is None:
            raise ValueError("an artist token needs --participant (the participant's id)")
        if role != Role.ARTIST and participant_id is not None:
            raise ValueError("only artist tokens act for a participant")
        token = "llt_" + secrets.token_urlsafe(32)
        token_id = str(uuid.uuid4())
        pid = str(participant_id) if participant_id else None
        # Unnamed tokens get a name of their own, so two unnamed partner tokens
        # never share endpoints; name a partner's tokens alike to let them.
        name = name.strip() or f"{role}-{token_id[:8]}"
        self.db.execute(
            "INSERT INTO {t}ledger_tokens (id, token_sha256, role, participant_id, name, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (token_id, digest(token), role.value, pid, name, _now()),
        )
        return IssuedToken(token_id, token, role.value, pid, name)

    def authenticate(self, token: str) -> Actor | None:
        row = self.db.fetchone(
            "SELECT id, role, participant_id, name FROM {t}ledger_tokens "
            "WHERE token_sha256 = ? AND revoked_at IS NULL",
            (digest(token),),
        )
        return actor_of(row)

    def list(self) -> list[dict[str, Any]]:
        return self.db.fetchall(
            "SELECT id, role, participant_id, name, created_at, revoked_at "
            "FROM {t}ledger_tokens ORDER BY created_at, id"
        )

    def revoke(self, token_id: str) -> bool:
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}ledger_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (_now(), token_id),
            )
            cur.execute("SELECT revoked_at FROM {t}ledger_tokens WHERE id = ?", (token_id,))
            row = cur.fetchone()
        return row is not None and row["revoked_at"] is not None
