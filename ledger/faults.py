"""Stuck readers: a reader that cannot *apply* an event (its own write
fails) reports itself stuck here. Readiness, metrics and reads name the
component and the position until it gets past it, and its retries back off
(`Guard`), so a poison event costs one attempt a minute at most.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge

from ledger.database import Database, storable_text
from ledger.log import UNREADABLE_EVENTS
from ledger.tables import Table, bigint, integer, real, text

log = logging.getLogger("labledger.log")

STUCK_POSITION = Gauge(
    "labledger_reader_stuck_position",
    "The log position a reader cannot get past (0: not stuck), by component",
    ["component"],
    multiprocess_mode="mostrecent",
)
READER_FAILURES = Counter(
    "labledger_reader_failures_total",
    "Failed attempts of a reader to apply the log, by component",
    ["component"],
)

TABLE = Table(
    "ledger_reader_faults",
    (
        text("component"),
        bigint("position"),
        text("error"),
        text("detail"),
        integer("failures"),
        real("since"),
        real("last"),
    ),
    primary_key=("component",),
)

FIRST_RETRY = 1.0  # seconds; doubles with each failure at the same position
MAX_RETRY = 60.0


@dataclass(frozen=True)
class Fault:
    component: str
    position: int  # the first log position the component cannot get past
    error: str  # the exception's class: safe to show anyone
    detail: str  # its message: for operators (logs, staff)
    failures: int  # consecutive failed attempts at this position
    since: float  # epoch seconds of the first of them
    last: float

    def retry_at(self) -> float:
        return self.last + min(MAX_RETRY, FIRST_RETRY * 2 ** min(self.failures - 1, 16))

    def due(self) -> bool:
        """Whether the back-off allows the next attempt now."""
        return time.time() >= self.retry_at()

    def public(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "error": self.error,
            "failures": self.failures,
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.since)),
        }


class Faults:
    """Which components are stuck, where and why (table `ledger_reader_faults`).

    A component reports each failed attempt (`report`) and clears its row once
    it gets past the position (`clear`); retries back off exponentially
    (`Fault.retry_at`), so a poison event costs one attempt a minute at most,
    not a crash loop.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def report(self, component: str, position: int, error: BaseException) -> Fault:
        now = time.time()
        name, detail = type(error).__name__, storable_text(str(error)[:500])
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "INSERT INTO {t}ledger_reader_faults AS f "
                "(component, position, error, detail, failures, since, last) "
                "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT (component) DO UPDATE SET "
                "failures = CASE WHEN f.position = excluded.position "
                "THEN f.failures + 1 ELSE 1 END, "
                "since = CASE WHEN f.position = excluded.position "
                "THEN f.since ELSE excluded.since END, "
                "position = excluded.position, error = excluded.error, detail = excluded.detail, "
                "last = excluded.last RETURNING *",
                (component, position, name, detail, now, now),
            )
            fault = _fault(cur.fetchone())
        READER_FAILURES.labels(component).inc()
        STUCK_POSITION.labels(component).set(position)
        log.error(
            "%s is stuck at log position %d (attempt %d, next in %.0f s): %s: %s",
            component,
            position,
            fault.failures,
            fault.retry_at() - now,
            name,
            detail,
        )
        return fault

    def clear(self, component: str) -> None:
        self.db.execute("DELETE FROM {t}ledger_reader_faults WHERE component = ?", (component,))
        STUCK_POSITION.labels(component).set(0)

    def get(self, component: str) -> Fault | None:
        row = self.db.fetchone(
            "SELECT * FROM {t}ledger_reader_faults WHERE component = ?", (component,)
        )
        return _fault(row) if row is not None else None

    def all(self) -> dict[str, Fault]:
        rows = self.db.fetchall("SELECT * FROM {t}ledger_reader_faults ORDER BY component")
        return {row["component"]: _fault(row) for row in rows}


class Stuck(Exception):
    """A reader cannot get past log `position` (what it ran into: `error`);
    what it did before that position is done."""

    def __init__(self, component: str, position: int, error: BaseException) -> None:
        super().__init__(
            f"{component} cannot get past log position {position}: {type(error).__name__}: {error}"
        )
        self.position = position
        self.error = error


class Guard:
    """One component's steps under its fault record: a step that raises
    `Stuck` is reported, the next runs only once the back-off allows, and
    the first that makes progress clears the record. Use it under the
    component's lease, and `take_over` on (re)gaining the lease."""

    def __init__(self, db: Database, component: str) -> None:
        self.faults = Faults(db)
        self.component = component
        self.fault: Fault | None = None  # as last read or reported by this process

    def take_over(self) -> None:
        """On (re)gaining the lease: the stored record, and the component's
        metrics from the start (stuck at its position or 0; none unreadable
        yet in this process), so a dashboard sees a 0 before any trouble."""
        self.fault = self.faults.get(self.component)
        STUCK_POSITION.labels(self.component).set(self.fault.position if self.fault else 0)
        UNREADABLE_EVENTS.labels(self.component)

    def step(self, step: Callable[[], int]) -> int:
        """`step()`'s progress, or 0 when it is stuck or backing off."""
        fault = self.fault
        if fault is not None and not fault.due():
            return 0
        try:
            progress = step()
        except Stuck as stuck:
            self.fault = self.faults.report(self.component, stuck.position, stuck.error)
            return 0
        if progress and fault is not None:
            self.faults.clear(self.component)
            self.fault = None
        return progress


def _fault(row: dict[str, Any] | None) -> Fault:
    if row is None:
        raise LookupError("the fault row vanished")
    return Fault(
        row["component"],
        int(row["position"]),
        row["error"],
        row["detail"],
        int(row["failures"]),
        float(row["since"]),
        float(row["last"]),
    )
