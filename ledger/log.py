"""Reading the log in pages: every follower goes through here.

Reading is total: no stored event can stop a reader. An event that cannot be
decoded or turned into its envelope (an unknown topic, a state that no
longer parses, a value the envelope cannot spell) comes back in its place as
an *unreadable* envelope (`ledger.events.unreadable_envelope`: type
`ledger.unreadable`, the stored event's ids, its topic and the SHA-256 of its
stored bytes, plus `unreadable: {error, detail}`). Each reader decides what
that means for it: views skip it and the audit lists it, the transparency
tree gives it a leaf all the same, the feed shows it.

Readers see the log through `EventLog` (a page after a position, the head),
never through the write application. A reader that cannot *apply* an event
reports itself stuck (`ledger.faults`).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper
from prometheus_client import Counter

from ledger.decoding import FastDecoder
from ledger.events import envelope, is_unreadable, unreadable_envelope

PAGE = 500
DECODED = 5000  # envelopes a process keeps decoded (a few MB)
SHARED_PAGES = 8  # pages a process's followers share (`StoredLog.followed`)
logger = logging.getLogger("labledger.log")

UNREADABLE_EVENTS = Counter(
    "labledger_unreadable_events_total",
    "Stored events a reader could not decode and handled as unreadable, by reader",
    ["reader"],
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


class EventLog(Protocol):
    """The log as every reader sees it."""

    def entries(self, after: int, limit: int = PAGE) -> list[Entry]:
        """The stored events with position > `after`, in log order.

        Positions are strictly increasing; on PostgreSQL they may have gaps
        (a rejected append burns a sequence value), on SQLite they do not.
        """
        ...

    def head(self) -> int:
        """The position of the last stored event (0: none)."""
        ...


class StoredLog:
    """The `EventLog` of an event store: its recorder's notifications,
    decoded by its mapper."""

    def __init__(
        self, recorder: ApplicationRecorder, mapper: Mapper[Any], remember: int = DECODED
    ) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self._decoded: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._remember = remember
        self._lock = threading.Lock()
        self._pages: OrderedDict[int, list[Entry]] = OrderedDict()  # by `after`
        self._fast = FastDecoder(self.decode)  # `decode`'s envelope, without the mapper

    def entries(self, after: int, limit: int = PAGE) -> list[Entry]:
        notifications = self.recorder.select_notifications(max(after + 1, 1), limit)
        return [Entry(n, self._envelope(n)) for n in notifications]

    def followed(self, after: int, limit: int = PAGE) -> list[Entry]:
        """`entries` for this process's followers, which all read the same
        pages: a page read from the store is remembered, and the next
        follower asking for the events after the same position gets it
        again (envelopes of its own), with only the events committed since
        read from the store, instead of reading and looking up each event
        once more. A remembered page is never wrong: positions commit in
        order on both stores (SQLite has one writer; eventsourcing appends
        under a table lock on PostgreSQL), so no event can appear later
        between two positions a page holds."""
        with self._lock:
            page = self._pages.get(after, [])
        if len(page) < limit:
            page = page + self.entries(page[-1].position if page else after, limit - len(page))
            if not page:
                return page
            with self._lock:
                self._pages[after] = page
                if len(self._pages) > SHARED_PAGES:
                    self._pages.popitem(last=False)
        return [Entry(e.stored, dict(e.envelope)) for e in page[:limit]]

    def _envelope(self, stored: Any) -> dict[str, Any]:
        """`decode` (by `ledger.decoding`'s fast path whenever it applies: the
        same envelope), remembered for the last `remember` events read: decoding
        is most of a feed page's time. Keyed by the stored bytes themselves,
        so an event altered in the store is decoded afresh. Each reader gets
        its own copy of the envelope (the feed adds keys to it)."""
        key = (stored.id, stored.originator_id, stored.originator_version, stored.topic)
        key += (stored.state,)
        with self._lock:
            env = self._decoded.get(key)
            if env is not None:
                self._decoded.move_to_end(key)
                return dict(env)
        env = self._fast(stored)
        with self._lock:
            self._decoded[key] = env
            if len(self._decoded) > self._remember:
                self._decoded.popitem(last=False)
        return dict(env)

    def head(self) -> int:
        # Our recorders read it through the `Database` (one transaction per HTTP read).
        head = getattr(self.recorder, "head", None)
        return head() if head is not None else self.recorder.max_notification_id() or 0

    def decode(self, stored: Any) -> dict[str, Any]:
        """The envelope of one stored notification; never raises for its content."""
        try:
            return envelope(stored.id, self.mapper.to_domain_event(stored))
        except Exception as error:  # whatever the stored bytes hold, the reader goes on
            env = Entry(stored, {}).raw()
            env["unreadable"] = {"error": type(error).__name__, "detail": str(error)[:300]}
            return env


def read_page(log: EventLog, after: int, limit: int = PAGE) -> list[dict[str, Any]]:
    """Envelopes of the events with position > `after`, in log order
    (unreadable ones included, see the module's docstring)."""
    return [entry.envelope for entry in log.entries(after, limit)]


def iter_entries(log: EventLog, after: int = 0, page: int = PAGE) -> Iterator[Entry]:
    """Every stored event after `after`, streamed page by page (flat memory)."""
    while True:
        batch = log.entries(after, page)
        if not batch:
            return
        yield from batch
        after = batch[-1].position


def iter_log(log: EventLog, after: int = 0, page: int = PAGE) -> Iterator[dict[str, Any]]:
    """Every envelope after `after`, streamed page by page (flat memory)."""
    for entry in iter_entries(log, after, page):
        yield entry.envelope


def count_unreadable(reader: str, envelopes: list[dict[str, Any]]) -> int:
    """Log and count the unreadable events a reader has just handled."""
    skipped = [env for env in envelopes if is_unreadable(env)]
    for env in skipped:
        logger.warning(
            "%s: the event at log position %s cannot be read (%s: %s)",
            reader,
            env["position"],
            env["unreadable"]["error"],
            env["unreadable"]["detail"],
        )
    if skipped:
        UNREADABLE_EVENTS.labels(reader).inc(len(skipped))
    return len(skipped)


def follow_wait(applied: int, before: int, batch: int, poll_interval: float) -> float:
    """How long a follower waits after a step that applied `applied` events,
    the step before it `before`. A full batch: not at all (more are
    waiting). Some events: a quarter of the poll interval, to let the next
    ones gather. Stepping again at once applied a stream of writes one or two
    events at a time, each step paying its fixed cost (the head and tracking
    reads, its transaction, its lease) for so few events that the background
    worker spent 650-1,440 us of CPU an event (SQLite, PostgreSQL) where
    gathered batches take 290-720. Nothing: the rest of the poll interval,
    counted from the last events applied, so an event written while the
    follower idles waits no longer for the next poll than it did."""
    pause = poll_interval / 4
    if applied >= batch:
        return 0.0
    if applied:
        return pause
    return poll_interval - pause if 0 < before < batch else poll_interval
