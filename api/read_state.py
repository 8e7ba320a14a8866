"""What a read needs before its first view row, in one statement, and on
SQLite in none while the database has not changed.

Every read of the API checks its token, decides whether its view is fresh
enough (its position against the log head, and whether a follower process
is keeping it so) and tags itself by the head and the views' positions
(`api.conditional`). Asked one by one that is a statement each, and on
PostgreSQL a round trip each; `read_state` asks once per request: the
token's row, the log head, and each view's serving generation, position and
lease.

On PostgreSQL (and the in-memory store) the statement runs in the read's
shared transaction (`api.services.register_shared_reads`) and primes that
transaction's memory of the head and the positions (`Cursor.remembered`),
so the view queries that read them again (`projections.tracking.active`)
read nothing more, and all of it is one snapshot.

On a SQLite file the worker remembers what the statement read, per token,
for as long as no connection anywhere committed (`api.state_cache`): a 304
or a remembered body then reads nothing at all, and a revocation, an event
or a view's move still shows on the very next request in every worker, as
each is a commit. A read that goes on to its view rows first reads the state
again in their transaction (`_confirm`), so the rows are of the
state the read was tagged by, or it goes untagged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from flask import Flask, current_app, g, request

from api.bootstrap import System
from api.services import system
from api.state_cache import StateCache
from ledger.actors import Actor, Role
from ledger.database import Cursor
from ledger.tokens import digest

READS = frozenset({"GET", "HEAD"})
# The lease each view's follower takes (`projections.follower.Follower.name`).
LEASE_PREFIX = "projection:"
EXTENSION = "labledger.state_cache"
# The columns in this order: `_parse` reads them by position.
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

    def same_positions(self, other: ReadState) -> bool:
        """The same head and the same views at the same generations and positions."""
        return self.head == other.head and {
            name: (view.gen, view.position) for name, view in self.views.items()
        } == {name: (view.gen, view.position) for name, view in other.views.items()}


Shared = tuple[int, dict[str, View]]


def bearer_token() -> str | None:
    """The request's bearer token, None without one (or another scheme)."""
    header = request.environ.get("HTTP_AUTHORIZATION")  # `headers.get`, without its lookup
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def read_state() -> ReadState:
    """This request's state, read once (`forget_read_state` to read it again)."""
    state: ReadState | None = g.get("read_state")
    if state is None:
        state = g.read_state = _current(bearer_token())
    return state


def forget_read_state() -> None:
    """After the read caught a view up or waited: what it read is old."""
    g.pop("read_state", None)
    g.pop("before_rows", None)


def _confirm() -> bool:
    """Before the view rows of a read whose state came from the worker's
    memory (`api.conditional.tag_read` calls it once the read is neither a
    304 nor a remembered body): the state read again in the rows'
    transaction, which it primes. False when it moved on since the read was
    tagged: the rows are then newer than the tag."""
    tagged = read_state()
    state = g.read_state = _load(bearer_token())
    return state.same_positions(tagged)


def actor_of_token(token: str) -> Actor | None:
    """The token's live actor: from the worker's memory while the database
    is unchanged (SQLite), else from the store."""
    cache = _cache()
    found = cache.get(digest(token)) if cache is not None else None
    return found[1] if found is not None else system().tokens.authenticate(token)


def is_read() -> bool:
    return request.method in READS


def register_state_cache(app: Flask) -> None:
    """The worker's memory of read states, decided on the first read (the
    System is built then): a SQLite file only."""
    app.extensions[EXTENSION] = None


def _cache() -> StateCache[Shared, Actor | None] | None:
    extensions = current_app.extensions
    cache = extensions.get(EXTENSION)
    if cache is None:
        cache = extensions[EXTENSION] = _build_cache(system()) or False
    return cache or None


def _build_cache(current: System) -> StateCache[Shared, Actor | None] | None:
    db = current.db
    pool = getattr(db.datastore, "pool", None)
    head = getattr(current.log.recorder, "head_statement", None)
    if db.dialect != "sqlite" or pool is None or pool.is_sqlite_memory_mode or head is None:
        return None
    return StateCache(pool.db_name, db.sql(_statement(head)), _parse)


def _current(token: str | None) -> ReadState:
    cache = _cache()
    found = cache.get(digest(token) if token else None) if cache is not None else None
    if found is None:
        return _load(token)
    (head, views), actor = found
    g.before_rows = _confirm
    return ReadState(head, views, actor)


def _statement(head: str | None) -> str:
    return _COLUMNS + (f", ({head}) AS head" if head else "") + _FROM


def _parse(rows: Sequence[Sequence[Any]]) -> tuple[Shared, Actor | None] | None:
    """(head, views) and the token's actor from the statement's rows, the
    head in the last column; None for no rows: a store without views."""
    if not rows:
        return None
    return _shared(rows, int(rows[0][9] or 0)), _actor(rows[0])


def _shared(rows: Sequence[Sequence[Any]], head: int) -> Shared:
    return head, {row[0]: _view(row) for row in rows}


def _view(row: Sequence[Any]) -> View:
    expires = row[4]
    return View(
        int(row[1]), int(row[2] or 0), row[3], float(expires) if expires is not None else None
    )


def _actor(row: Sequence[Any]) -> Actor | None:
    token_id, role, participant_id, name = row[5:9]
    if token_id is None:
        return None
    pid = UUID(participant_id) if participant_id else None
    return Actor(id=token_id, role=Role(role), participant_id=pid, name=name)


def _load(token: str | None) -> ReadState:
    """The statement in the read's shared transaction (the pool's connection)."""
    current = system()
    head_statement = getattr(current.log.recorder, "head_statement", None)
    with current.db.transaction() as cur:
        rows = cur.all(_statement(head_statement), (digest(token) if token else None,))
        if not rows:  # no views (a store `labledger db init` has not set up)
            actor = current.tokens.authenticate(token) if token else None
            return ReadState(current.log.head(), {}, actor)
        tuples = [tuple(row.values()) for row in rows]
        head = int(tuples[0][9] or 0) if head_statement else current.log.head()
        head, views = _shared(tuples, head)
        actor = _actor(tuples[0])
        _prime(cur, head, views)
    return ReadState(head, views, actor)


def _prime(cur: Cursor, head: int, views: dict[str, View]) -> None:
    """What this transaction read need not be read again in it (the keys
    of `ledger.recorders` and `projections.tracking.active`)."""
    cur.remembered("log.head", lambda: head)
    for name, view in views.items():
        cur.remembered(("active", name), lambda view=view: (view.gen, view.position))
