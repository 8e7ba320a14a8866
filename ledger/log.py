"""Reading the log in pages: every follower goes through here.

Reading is total: no stored event can stop a reader. An event that cannot be
decoded or turned into its envelope (an unknown topic, a state that no
longer parses, a value the envelope cannot spell) comes back in its place as
an *unreadable* envelope (`ledger.events.unreadable_envelope`: type
`ledger.unreadable`, the stored event's ids, its topic and the SHA-256 of its
stored bytes, plus `unreadable: {error, detail}`). Each reader decides what
that means for it: views skip it and the audit lists it, the transparency
tree gives it a leaf all the same, the feed shows it.

A reader that cannot *apply* an event (its own write fails) reports itself
stuck here (`Faults`): readiness, metrics and reads name the component and
the position until it gets past it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge

from ledger.events import envelope, is_unreadable, unreadable_envelope
from ledger.persistence import Database, storable_text

PAGE = 500
log = logging.getLogger("labledger.log")

UNREADABLE_EVENTS = Counter(
    "labledger_unreadable_events_total",
    "Stored events a reader could not decode and handled as unreadable, by reader",
    ["reader"],
)
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


@dataclass(frozen=True)
class Entry:
    """One stored event: the notification as stored, and its envelope
    (the unreadable envelope when it cannot be decoded)."""

    stored: Any
    envelope: dict[str, Any]

    @property
    def position(self) -> int:
        return int(self.stored.id)

    @property
    def unreadable(self) -> bool:
        return is_unreadable(self.envelope)

    def raw(self) -> dict[str, Any]:
        """The unreadable envelope of this event, readable or not: a function
        of its stored bytes alone."""
        n = self.stored
        return unreadable_envelope(n.id, n.originator_id, n.originator_version, n.topic, n.state)


def decode(ledger: Any, stored: Any) -> dict[str, Any]:
    """The envelope of one stored notification; never raises for its content."""
    try:
        return envelope(stored.id, ledger.mapper.to_domain_event(stored))
    except Exception as error:  # whatever the stored bytes hold, the reader goes on
        env = Entry(stored, {}).raw()
        env["unreadable"] = {"error": type(error).__name__, "detail": str(error)[:300]}
        return env


def read_entries(ledger: Any, after: int, limit: int = PAGE) -> list[Entry]:
    """The stored events with position > `after`, in log order.

    Positions are strictly increasing; on PostgreSQL they may have gaps
    (a rejected append burns a sequence value), on SQLite they do not.
    """
    notifications = ledger.recorder.select_notifications(after + 1 if after >= 0 else 1, limit)
    return [Entry(n, decode(ledger, n)) for n in notifications]


def read_page(ledger: Any, after: int, limit: int = PAGE) -> list[dict[str, Any]]:
    """Envelopes of the events with position > `after`, in log order
    (unreadable ones included, see the module's docstring)."""
    return [entry.envelope for entry in read_entries(ledger, after, limit)]


def iter_entries(ledger: Any, after: int = 0, page: int = PAGE) -> Iterator[Entry]:
    """Every stored event after `after`, streamed page by page (flat memory)."""
    while True:
        batch = read_entries(ledger, after, page)
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def iter_log(ledger: Any, after: int = 0, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every envelope after `after`, streamed page by page (flat memory)."""
    for entry in iter_entries(ledger, after, page):
        yield entry.envelope


def count_unreadable(reader: str, envelopes: list[dict[str, Any]]) -> int:
    """Log and count the unreadable events a reader has just handled."""
    skipped = [env for env in envelopes if is_unreadable(env)]
    for env in skipped:
        log.warning(
            "%s: the event at log position %s cannot be read (%s: %s)",
            reader,
            env["position"],
            env["unreadable"]["error"],
            env["unreadable"]["detail"],
        )
    if skipped:
        UNREADABLE_EVENTS.labels(reader).inc(len(skipped))
    return len(skipped)


# ---- stuck readers ------------------------------------------------------------------

FAULTS_SQL = (
    "CREATE TABLE IF NOT EXISTS {t}ledger_reader_faults ("
    "component TEXT PRIMARY KEY, position BIGINT NOT NULL, error TEXT NOT NULL, "
    "detail TEXT NOT NULL, failures INTEGER NOT NULL, since DOUBLE PRECISION NOT NULL, "
    "last DOUBLE PRECISION NOT NULL)"
)
FIRST_RETRY = 1.0  # seconds; doubles with each failure at the same position
MAX_RETRY = 60.0


def create_tables(db: Database) -> None:
    db.execute(FAULTS_SQL)


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
        self.fault = self.faults.get(self.component)

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
