"""Read models built from the log: roster, ownership registry, audit report
(each an exactly-once follower of the log), and the event feed."""

from __future__ import annotations

from typing import Any

from projections.follower import Follower
from projections.service import all_projections
from projections.tracking import create_tables as _create_tracking


def create_tables(db: Any) -> None:
    """Create this package's tables (run once by `labledger db init`)."""
    projections = all_projections()
    with db.transaction(write=True) as cur:
        for projection in projections:
            for statement in projection.create_statements():
                cur.execute(statement)
    _create_tracking(db, [p.name for p in projections])


def workers(ledger: Any, settings: Any) -> list[Follower]:
    """One follower per projection (each under its own lease)."""
    return [Follower(ledger, p, poll_interval=settings.poll_interval) for p in all_projections()]
