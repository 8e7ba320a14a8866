"""Rebuild a view from position 0 while the old one keeps serving.

The rebuild claims the next generation number, applies the whole log into it
beside the serving generation (its own tracking key, so both advance
independently): in one pass for every view rebuilt (`projections.bulk`; the
audit in a second process on a long log, `projections.bulk_split`),
then in the follower's pages for what arrived meanwhile. Once it has caught
up it switches `proj_active` in one
transaction. A follower batch still writing the old generation sees the
switch and rolls back; the old rows are dropped after a grace period.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ledger.leases import Lease
from projections import bulk, bulk_split
from projections.follower import Follower
from projections.tracking import tracking_key


class NotCaughtUp(Exception):
    """The new generation is still behind the serving one."""


def rebuild(
    follower: Follower, progress: Callable[[int, int], None] | None = None, grace: float = 1.0
) -> int:
    """Build a fresh generation beside the serving one and switch to it once
    caught up; returns the new generation."""
    return rebuild_all([follower], progress, grace)[0]


def rebuild_all(
    followers: Sequence[Follower],
    progress: Callable[[int, int], None] | None = None,
    grace: float = 1.0,
) -> list[int]:
    """`rebuild` of several views, the log read once for all of them
    (`projections.bulk`); returns each one's new generation. Each view
    switches on its own as soon as it has caught up with its serving one."""
    guards: list[Lease] = []
    try:
        for follower in followers:  # one by one: those taken are released if one is not
            guards.append(_guard(follower))
        olds = [f.status()[0] for f in followers]
        news = [claim_generation(f) for f in followers]
        for follower, old, new in zip(followers, olds, news, strict=True):
            drop_generations(follower, keep=(old, new))  # leftovers of a crashed rebuild
        try:
            bulk_split.fill(followers, news, progress, renew=lambda: _renew(guards))
        except bulk.ApplyFailed:  # the follower below finds the event and says so
            for follower, old in zip(followers, olds, strict=True):
                drop_generations(follower, keep=(old,))  # and starts the new one afresh
        for follower, guard, old, new in zip(followers, guards, olds, news, strict=True):
            _catch_up_and_switch(follower, guard, old, new, progress)
        time.sleep(grace)  # readers that picked the old generation finish
        for follower, new in zip(followers, news, strict=True):
            drop_generations(follower, keep=(new,))
        return news
    finally:
        for guard in guards:
            guard.release()


def _renew(guards: Sequence[Lease]) -> None:
    """Keep the rebuild's leases through a long bulk pass (a write only once
    a third of their TTL has passed)."""
    for guard in guards:
        guard.hold()


def _guard(follower: Follower) -> Lease:
    guard = Lease(follower.db, f"{follower.name}:rebuild", ttl=follower.lease.ttl)
    if not guard.acquire():
        # The lease cannot tell a running rebuild from one killed (kill -9)
        # before it released the lease: say both, and when to try again.
        raise RuntimeError(
            f"another rebuild of {follower.projection.name} holds its lease: one still "
            f"running, or one that stopped within the last {guard.ttl:g} s (the lease's "
            f"ttl) without releasing it; try again after {guard.ttl:g} s"
        )
    return guard


def _catch_up_and_switch(
    follower: Follower,
    guard: Lease,
    old: int,
    new: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """The events since the bulk pass, event pages as the follower applies
    them, until `new` has applied what `old` serves; then switch."""
    while True:
        applied = follower.apply_batch(new, serving=False)
        guard.acquire()
        if progress is not None:
            progress(follower.tracked(new), follower.log.head())
        if not applied and switch(follower, old, new):
            return


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
