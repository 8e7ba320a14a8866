"""Where each view records how far into the log it has applied events.

`proj_tracking` holds one row per projection *generation* (`roster@3`), so a
rebuild tracks separately from the view that keeps serving meanwhile. A
follower writes the row first in each batch's transaction (`advance`), and
the write succeeds only if no one has applied the batch's first position yet,
so a batch is applied exactly once across crashes and racing followers.

`proj_active` names the generation each projection serves from; a rebuild
builds the next generation beside it and switches the row when caught up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ledger.database import Cursor
from ledger.tables import Table, bigint, integer, text

TRACKING = Table(
    "proj_tracking",
    (text("application_name", null=True), bigint("notification_id", null=True)),
    primary_key=("application_name",),
    without_rowid=True,
)
ACTIVE = Table(
    "proj_active",
    (text("name"), integer("gen"), integer("next_gen")),
    primary_key=("name",),
)


class AlreadyApplied(Exception):
    """Another follower has applied this batch (or part of it) already."""


def tracking_key(name: str, gen: int) -> str:
    return f"{name}@{gen}"


def advance(cur: Cursor, key: str, first: int, last: int) -> None:
    """Record that positions `first`..`last` are applied to view `key`, or
    raise `AlreadyApplied` when `first` is not above the recorded position.

    One conditional upsert: on PostgreSQL a racing follower blocks on the row
    until the winner commits, then finds the condition false."""
    row = cur.one(
        "INSERT INTO {t}proj_tracking (application_name, notification_id) VALUES (?, ?) "
        "ON CONFLICT (application_name) DO UPDATE SET notification_id = excluded.notification_id "
        "WHERE {t}proj_tracking.notification_id < ? RETURNING notification_id",
        (key, last, first),
    )
    if row is None:
        raise AlreadyApplied(key)


def tracked(cur: Cursor, key: str) -> int:
    row = cur.one("SELECT notification_id FROM {t}proj_tracking WHERE application_name = ?", (key,))
    return int(row["notification_id"] or 0) if row else 0


def seed(names: Sequence[str]) -> Callable[[Cursor], None]:
    def create_active_rows(cur: Cursor) -> None:
        for name in names:
            cur.execute(
                "INSERT INTO {t}proj_active (name, gen, next_gen) VALUES (?, 1, 2) "
                "ON CONFLICT (name) DO NOTHING",
                (name,),
            )

    return create_active_rows


_POSITION_SQL = (
    "SELECT a.gen AS gen, t.notification_id AS position FROM {t}proj_active a "
    "LEFT JOIN {t}proj_tracking t "
    "ON t.application_name = a.name || '@' || CAST(a.gen AS TEXT) WHERE a.name = ?"
)


def active(cur: Cursor, name: str) -> tuple[int, int]:
    """(serving generation, its tracked position), read in one statement so a
    concurrent switch can never pair one generation with another's position."""

    def read() -> tuple[int, int]:
        row = cur.one(_POSITION_SQL, (name,))
        if row is None:
            raise LookupError(f"projection {name!r} has no tables; run `labledger db init`")
        return int(row["gen"]), int(row["position"] or 0)

    return cur.remembered(("active", name), read)
