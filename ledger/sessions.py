"""The console's sign-in: sessions and one-time invites, stored beside the tokens.

A session is a random id held by the browser (a cookie) and stored here only
as its SHA-256, with the token it was opened with and a CSRF secret. Every
lookup joins the token, so revoking a token ends its sessions at once. A
session ends after `IDLE` without a request, and `LIFETIME` after it opened,
whichever comes first.

An invite is a one-time link for an admitted participant: its secret is
stored only as a SHA-256; using it marks it used in the same statement that
checks it is unused and unexpired, so two browsers racing on one link cannot
both get in. The token it issues is an ordinary artist token (`TokenStore`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ledger.actors import Actor, Role
from ledger.database import Database
from ledger.events import rfc3339
from ledger.tables import Index, Table, text

IDLE = timedelta(hours=12)
LIFETIME = timedelta(days=7)
INVITE_TTL = timedelta(hours=72)
# `seen_at` is written at most this often: a page view is not a write each time.
TOUCH_EVERY = timedelta(minutes=5)

SESSIONS = Table(
    "console_sessions",
    (
        text("id_sha256"),
        text("token_id"),
        text("csrf"),
        text("created_at"),
        text("seen_at"),
        text("expires_at"),
    ),
    primary_key=("id_sha256",),
    indexes=(Index("console_sessions_by_token", "token_id"),),
)
INVITES = Table(
    "console_invites",
    (
        text("secret_sha256"),
        text("participant_id"),
        text("created_by"),
        text("created_at"),
        text("expires_at"),
        text("used_at", null=True),
        text("token_id", null=True),
    ),
    primary_key=("secret_sha256",),
)
TABLES = (SESSIONS, INVITES)

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Session:
    actor: Actor
    csrf: str
    expires_at: str


class SessionStore:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    def open(self, token_id: str) -> tuple[str, Session | None]:
        """A new session for the token `token_id`: (the id for the cookie, the
        session; None when the token is unknown or revoked)."""
        now = self.clock()
        session_id = secrets.token_urlsafe(32)
        with self.db.transaction(write=True) as cur:
            # Forget sessions nobody can use any more while we are writing anyway.
            cur.execute(
                "DELETE FROM {t}console_sessions WHERE expires_at <= ? OR seen_at <= ?",
                (rfc3339(now), rfc3339(now - IDLE)),
            )
            cur.execute(
                "INSERT INTO {t}console_sessions (id_sha256, token_id, csrf, created_at, "
                "seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    _digest(session_id),
                    token_id,
                    secrets.token_urlsafe(32),
                    rfc3339(now),
                    rfc3339(now),
                    rfc3339(now + LIFETIME),
                ),
            )
        return session_id, self.find(session_id)

    def find(self, session_id: str) -> Session | None:
        """The live session with this id, if its token is still valid."""
        now = self.clock()
        row = self.db.fetchone(
            "SELECT s.csrf, s.seen_at, s.expires_at, t.id, t.role, t.participant_id, t.name "
            "FROM {t}console_sessions s JOIN {t}ledger_tokens t ON t.id = s.token_id "
            "WHERE s.id_sha256 = ? AND t.revoked_at IS NULL AND s.expires_at > ? "
            "AND s.seen_at > ?",
            (_digest(session_id), rfc3339(now), rfc3339(now - IDLE)),
        )
        if row is None:
            return None
        if row["seen_at"] <= rfc3339(now - TOUCH_EVERY):
            self.db.execute(
                "UPDATE {t}console_sessions SET seen_at = ? WHERE id_sha256 = ?",
                (rfc3339(now), _digest(session_id)),
            )
        pid = UUID(row["participant_id"]) if row["participant_id"] else None
        actor = Actor(id=row["id"], role=Role(row["role"]), participant_id=pid, name=row["name"])
        return Session(actor=actor, csrf=row["csrf"], expires_at=row["expires_at"])

    def close(self, session_id: str) -> None:
        self.db.execute(
            "DELETE FROM {t}console_sessions WHERE id_sha256 = ?", (_digest(session_id),)
        )


@dataclass(frozen=True)
class Invite:
    """What a link leads to; `state` is "open", "used", "expired" or "unknown"."""

    state: str
    participant_id: UUID | None = None
    expires_at: str | None = None
    used_at: str | None = None


class InviteStore:
    def __init__(self, db: Database, clock: Clock = utcnow) -> None:
        self.db = db
        self.clock = clock

    def create(
        self, participant_id: UUID, created_by: str, ttl: timedelta = INVITE_TTL
    ) -> tuple[str, Invite]:
        """A new link's secret (shown once, never stored) and the invite."""
        secret = secrets.token_urlsafe(32)
        now = self.clock()
        expires = rfc3339(now + ttl)
        self.db.execute(
            "INSERT INTO {t}console_invites (secret_sha256, participant_id, created_by, "
            "created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (_digest(secret), str(participant_id), created_by, rfc3339(now), expires),
        )
        return secret, Invite("open", participant_id, expires)

    def peek(self, secret: str) -> Invite:
        row = self.db.fetchone(
            "SELECT participant_id, expires_at, used_at FROM {t}console_invites "
            "WHERE secret_sha256 = ?",
            (_digest(secret),),
        )
        if row is None:
            return Invite("unknown")
        pid, expires, used = UUID(row["participant_id"]), row["expires_at"], row["used_at"]
        if used is not None:
            return Invite("used", pid, expires, used)
        if expires <= rfc3339(self.clock()):
            return Invite("expired", pid, expires)
        return Invite("open", pid, expires)

    def use(self, secret: str) -> Invite:
        """Mark the invite used if it is open; the invite as it was found
        (state "open" only for the one caller that used it)."""
        now = rfc3339(self.clock())
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}console_invites SET used_at = ? WHERE secret_sha256 = ? "
                "AND used_at IS NULL AND expires_at > ? RETURNING participant_id, expires_at",
                (now, _digest(secret), now),
            )
            row = cur.fetchone()
        if row is None:
            return self.peek(secret)
        return Invite("open", UUID(row["participant_id"]), row["expires_at"])

    def issued(self, secret: str, token_id: str) -> None:
        """Record which token the invite issued (who came in through it)."""
        self.db.execute(
            "UPDATE {t}console_invites SET token_id = ? WHERE secret_sha256 = ?",
            (token_id, _digest(secret)),
        )
