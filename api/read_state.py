"""What a read needs before its first view row, in one statement.

Every read of the API checks its token, decides whether its view is fresh
enough (its position against the log head, and whether a follower process
is keeping it so) and tags itself by the head and the views' positions
(`api.conditional`). Asked one by one that is a statement each, and on
PostgreSQL a round trip each; `read_state` asks the store once per request:
the token's row, the log head, and each view's serving generation,
position and lease. It runs in the read's shared transaction
(`api.services.register_shared_reads`) and primes that transaction's
memory of the head and the positions (`Cursor.remembered`), so the view
queries that read them again (`projections.tracking.active`) read nothing
more, and all of it is one snapshot.

The token is read on every request, never cached: revoking it takes effect
on the next request, in every worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import g, request

from api.services import system
from ledger.actors import Actor
from ledger.database import Cursor
from ledger.tokens import actor_of, digest

READS = frozenset({"GET", "HEAD"})
# The lease each view's follower takes (`projections.follower.Follower.name`).
LEASE_PREFIX = "projection:"
_COLUMNS = (
    "SELECT a.name AS view, a.gen AS gen, t.notification_id AS position, "
    "l.holder AS holder, l.expires_at AS expires_at, "
    "k.id AS id, k.role AS role, k.participant_id AS participant_id, k.name AS name"
)
_FROM = (
    " FROM {t}proj_active a LEFT JOIN {t}proj_tracking t "
    "ON t.application_name = a.name || '@' || CAST(a.gen AS TEXT) "
    "LEFT JOIN {t}ledger_leases l ON l.name = '" + LEASE_PREFIX + "' || a.name "
    "LEFT JOIN {t}ledger_tokens k ON k.token_sha256 = ? AND k.revoked_at IS NULL"
)


@dataclass(frozen=True)
class View:
    gen: int
    position: int
    lease_holder: str | None
    lease_expires: float | None

    def followed_elsewhere(self, mine: str) -> bool:
        """Another live holder (a follower process) keeps this view: it is
        as fresh as an eventually consistent read needs (as
        `ledger.leases.Lease.held_elsewhere`, without asking again)."""
        return (
            self.lease_holder is not None
            and self.lease_holder != mine
            and self.lease_expires is not None
            and float(self.lease_expires) > time.time()
        )


@dataclass(frozen=True)
class ReadState:
    head: int
    views: dict[str, View]
    actor: Actor | None  # the bearer token's, None without a live one


def bearer_token() -> str | None:
    """The request's bearer token, None without one (or another scheme)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def read_state() -> ReadState:
    """This request's state, read once (`forget_read_state` to read it again)."""
    state: ReadState | None = g.get("read_state")
    if state is None:
        state = g.read_state = _load(bearer_token())
    return state


def forget_read_state() -> None:
    """After the read caught a view up or waited: what it read is old."""
    g.pop("read_state", None)


def is_read() -> bool:
    return request.method in READS


def _statement(head: str | None) -> str:
    return _COLUMNS + (f", ({head}) AS head" if head else "") + _FROM


def _load(token: str | None) -> ReadState:
    current = system()
    head_statement = getattr(current.log.recorder, "head_statement", None)
    with current.db.transaction() as cur:
        rows = cur.all(_statement(head_statement), (digest(token) if token else None,))
        if not rows:  # no views (a store `labledger db init` has not set up)
            actor = current.tokens.authenticate(token) if token else None
            return ReadState(current.log.head(), {}, actor)
        head = int(rows[0]["head"] or 0) if head_statement else current.log.head()
        views = {row["view"]: _view(row) for row in rows}
        _prime(cur, head, views)
    return ReadState(head, views, actor_of(rows[0]))


def _view(row: dict[str, Any]) -> View:
    expires = row["expires_at"]
    return View(
        int(row["gen"]),
        int(row["position"] or 0),
        row["holder"],
        float(expires) if expires is not None else None,
    )


def _prime(cur: Cursor, head: int, views: dict[str, View]) -> None:
    """What this transaction read need not be read again in it (the keys
    of `ledger.recorders` and `projections.tracking.active`)."""
    cur.remembered("log.head", lambda: head)
    for name, view in views.items():
        cur.remembered(("active", name), lambda view=view: (view.gen, view.position))
