"""Rebuild a view from position 0 while the old one keeps serving.

The rebuild claims the next generation number, applies the whole log into it
beside the serving generation (its own tracking key, so both advance
independently), and once it has caught up switches `proj_active` in one
transaction. A follower batch still writing the old generation sees the
switch and rolls back; the old rows are dropped after a grace period.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ledger.leases import Lease
from projections.follower import Follower
from projections.tracking import tracking_key


class NotCaughtUp(Exception):
    """The new generation is still behind the serving one."""


def rebuild(
    follower: Follower, progress: Callable[[int, int], None] | None = None, grace: float = 1.0
) -> int:
    """Build a fresh generation beside the serving one and switch to it once
    caught up; returns the new generation."""
    guard = Lease(follower.db, f"{follower.name}:rebuild", ttl=follower.lease.ttl)
    if not guard.acquire():
        raise RuntimeError(f"another rebuild of {follower.projection.name} is running")
    try:
        old, _ = follower.status()
        new = claim_generation(follower)
        drop_generations(follower, keep=(old, new))  # leftovers of a crashed rebuild
        while True:
            applied = follower.apply_batch(new, serving=False)
            guard.acquire()
            if progress is not None:
                progress(follower.tracked(new), follower.log.head())
            if not applied and switch(follower, old, new):
                break
        time.sleep(grace)  # readers that picked the old generation finish
        drop_generations(follower, keep=(new,))
        return new
    finally:
        guard.release()


def claim_generation(follower: Follower) -> int:
    with follower.db.transaction(write=True) as cur:
        cur.execute(
            "UPDATE {t}proj_active SET next_gen = next_gen + 1 WHERE name = ? RETURNING next_gen",
            (follower.projection.name,),
        )
        row = cur.fetchone()
    if row is None:
        raise LookupError(f"projection {follower.projection.name!r} has no tables")
    return int(row["next_gen"]) - 1


def switch(follower: Follower, old: int, new: int) -> bool:
    """Serve `new` if it has applied at least as much as `old` (else False).

    The UPDATE locks the `proj_active` row first, so the old generation's
    follower cannot commit a batch between the comparison and the switch."""
    name = follower.projection.name
    try:
        with follower.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}proj_active SET gen = ? WHERE name = ? AND gen = ? RETURNING gen",
                (new, name, old),
            )
            if cur.fetchone() is None:
                raise RuntimeError(f"the serving generation of {name} changed under the rebuild")
            cur.execute(
                "SELECT application_name, notification_id FROM {t}proj_tracking "
                "WHERE application_name IN (?, ?)",
                (tracking_key(name, old), tracking_key(name, new)),
            )
            positions = {r["application_name"]: r["notification_id"] for r in cur.fetchall()}
            if (positions.get(tracking_key(name, new)) or 0) < (
                positions.get(tracking_key(name, old)) or 0
            ):
                raise NotCaughtUp()
    except NotCaughtUp:
        return False
    return True


def drop_generations(follower: Follower, keep: tuple[int, ...]) -> None:
    name = follower.projection.name
    marks = ", ".join("?" for _ in keep)
    keys = [tracking_key(name, g) for g in keep]
    with follower.db.transaction(write=True) as cur:
        for table in follower.projection.tables:
            cur.execute(f"DELETE FROM {{t}}{table.name} WHERE gen NOT IN ({marks})", keep)
        cur.execute(
            "DELETE FROM {t}proj_tracking WHERE application_name LIKE ? "
            f"AND application_name NOT IN ({marks})",
            (f"{name}@%", *keys),
        )
