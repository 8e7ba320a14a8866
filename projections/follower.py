"""The follower: feeds one projection from the log, exactly once, in order.

Each batch is one transaction on the ledger's own database. The tracking row
is written *first* (`projections.tracking.advance`, which refuses a batch
whose first position is not above the recorded one), then the view rows. A
batch that was already applied by someone else therefore fails on the
tracking row and rolls back whole: no event is lost or applied twice, across
crashes and even with two followers racing. The database lease only keeps a
second follower from doing wasted work.

No stored event stops a follower: one that cannot be decoded arrives as an
unreadable envelope (`ledger.log`), which views skip and the audit lists;
one the view cannot apply is isolated (the events before it commit), the
view reports itself stuck at its position (`ledger.faults.Faults`: readiness,
metrics and reads name it) and retries with back-off instead of crashing.

The same code runs on SQLite and PostgreSQL: it pages through the log
(`ledger.log.EventLog`; SQLite's recorder has no subscriptions).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from ledger.database import Cursor, Database
from ledger.faults import Fault, Guard, Stuck
from ledger.leases import Lease
from ledger.log import EventLog, count_unreadable, follow_wait, read_page
from ledger.tables import Table
from projections import docs
from projections.tracking import AlreadyApplied, active, advance, tracked, tracking_key

BATCH = 500


class Projection(Protocol):
    name: str
    tables: tuple[Table, ...]  # each has a `gen` column

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None: ...


class GenerationSwitched(Exception):
    """A rebuild switched the serving generation under this batch."""


def lease_ttl(poll_interval: float) -> float:
    # Long enough to renew between batches, short enough that a crashed
    # follower's successor takes over quickly.
    return min(10.0, max(2.0, 25 * poll_interval))


class Follower:
    def __init__(
        self,
        log: EventLog,
        db: Database,
        projection: Projection,
        *,
        poll_interval: float = 0.2,
        batch: int = BATCH,
    ) -> None:
        self.name = f"projection:{projection.name}"
        self.log = log
        self.db = db
        self.projection = projection
        self.poll_interval = poll_interval
        self.batch = batch
        self.lease = Lease(self.db, self.name, ttl=lease_ttl(poll_interval))
        self.guard = Guard(self.db, self.name)
        self._lock = threading.Lock()  # one stepping thread per process

    # ---- state ---------------------------------------------------------------

    def status(self) -> tuple[int, int]:
        """(serving generation, position it has applied)."""
        with self.db.transaction() as cur:
            return active(cur, self.projection.name)

    def position(self) -> int:
        return self.status()[1]

    def tracked(self, gen: int) -> int:
        with self.db.transaction() as cur:
            return tracked(cur, tracking_key(self.projection.name, gen))

    def stuck(self) -> Fault | None:
        """The fault that holds the serving view, if any: a reported position
        the view has not got past."""
        fault = self.guard.faults.get(self.name)
        return fault if fault is not None and fault.position > self.position() else None

    # ---- applying ------------------------------------------------------------

    def apply_batch(self, gen: int, *, serving: bool = True) -> int:
        """Apply the next page of events to generation `gen`; how many applied.

        Raises Stuck when an event cannot be applied: the page is then
        applied one event per transaction, so every event before that one is
        committed and the failure names its position."""
        after = self.tracked(gen)
        followed = getattr(self.log, "followed", None)  # pages shared by the followers
        if followed is None:
            page = read_page(self.log, after, self.batch)
        else:
            page = [entry.envelope for entry in followed(after, self.batch)]
        if not page:
            return 0
        try:
            return self._apply(gen, page, serving)
        except Exception:  # find the event, below; a transient error passes there
            pass
        for n, env in enumerate(page):
            try:
                if not self._apply(gen, [env], serving):
                    return n
            except Exception as error:
                raise Stuck(self.name, env["position"], error) from error
        return len(page)

    def _apply(self, gen: int, page: list[dict[str, Any]], serving: bool) -> int:
        key = tracking_key(self.projection.name, gen)
        try:
            with self.db.transaction(write=True) as cur:
                advance(cur, key, page[0]["position"], page[-1]["position"])
                if serving:
                    self._check_still_serving(cur, gen)
                docs.batch(cur)  # a document put for several events is written once
                for env in page:
                    self.projection.apply(cur, gen, env)
                docs.flush(cur)
        except (GenerationSwitched, AlreadyApplied):
            return 0  # a rebuild took over, or someone else applied these: re-read
        # Views skip an unreadable event (the audit lists it): say so, loudly.
        count_unreadable(self.name, page)
        return len(page)

    def _check_still_serving(self, cur: Cursor, gen: int) -> None:
        # FOR SHARE on PostgreSQL waits for a concurrent switch to commit; on
        # SQLite this transaction already holds the only write lock.
        lock = " FOR SHARE" if cur.dialect == "postgres" else ""
        row = cur.one(
            "SELECT gen FROM {t}proj_active WHERE name = ?" + lock, (self.projection.name,)
        )
        if row is None or int(row["gen"]) != gen:
            raise GenerationSwitched()

    def step(self) -> int:
        gen, _ = self.status()
        return self.apply_batch(gen)

    def advance(self) -> int:
        """`step`, but an event the view cannot apply is reported (the view is
        stuck there: see `ledger.log.Guard`) instead of raised, and retried
        only as the back-off allows. Call under the lease."""
        return self.guard.step(self.step)

    # ---- loops -----------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """The worker loop (`labledger projections run`, `labledger serve`)."""
        holding = False
        before = 0  # what the step before applied
        try:
            while not stop.is_set():
                if not self.lease.hold():
                    holding = False
                    stop.wait(self.poll_interval)
                    continue
                with self._lock:
                    if not holding:  # another holder may have reported a fault
                        self.guard.take_over()
                        holding = True
                    applied = self.advance()
                wait = follow_wait(applied, before, self.batch, self.poll_interval)
                before = applied
                if wait:
                    stop.wait(wait)
        finally:
            self.lease.release()

    def catch_up(self, target: int | None = None, budget: float = 60.0) -> int:
        """Apply until `target` (default: the log head) under the lease, for at
        most `budget` seconds; returns the position reached. If another
        process holds the lease, applies nothing (that process is following)."""
        target = self.log.head() if target is None else target
        deadline = time.monotonic() + budget
        position = self.position()
        if position >= target:  # the common case: no lock, so a worker's reads never queue
            return position
        with self._lock:
            position = self.position()
            # held_elsewhere() is a read: under a follower process, reads never
            # contend with it for the lease row in a write transaction.
            if position >= target or self.lease.held_elsewhere() or not self.lease.hold():
                return position
            try:
                self.guard.take_over()
                while position < target and time.monotonic() < deadline:
                    applied = self.advance()
                    position = self.position()
                    if not applied:
                        break
            finally:
                self.lease.release()
        return position

    def ensure(self, target: int, wait: float) -> bool:
        """Read-your-writes: True once the serving view has applied `target`.

        When no follower process holds the lease (e.g. `create_app` alone, or
        tests), the reading process applies the events itself."""
        deadline = time.monotonic() + wait
        while True:
            if self.position() >= target:
                return True
            remaining = deadline - time.monotonic()
            if self.catch_up(target, budget=max(remaining, 1.0)) >= target:
                return True
            if remaining <= 0:
                return False
            self.db.renew()  # a shared read would see the same position again
            time.sleep(min(self.poll_interval, remaining))
