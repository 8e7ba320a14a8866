"""The tree builder: the single follower that turns log events into leaves.

PostgreSQL log positions can have gaps; leaf indexes must not, so exactly one
builder (a database lease) assigns them, in log order. Each batch's leaves,
nodes and new head (which records the last log position taken) commit in one
transaction, and the head update is conditional on the head it read, so a
builder that lost its lease cannot append twice.

Every stored event gets a leaf, readable or not (`transparency.leaves`), so
no event can stop the tree. A batch that cannot be appended (the store
refuses it) is reported: the builder is stuck at that position
(`ledger.faults.Faults`) and retries with back-off.

The builder also signs a checkpoint of the tree it has built, at most once per
`LEDGER_CHECKPOINT_INTERVAL` (default 1 s), so the tree is covered by a
signature within about that long of each append (`verify store` counts on
one, and the witnesses are asked to cosign it: `transparency.cosigning`).
Whether leaves are unsigned is known in memory only while this builder holds
the lease: a builder that takes over (a restart, a lease regained) asks the
store whether the head is beyond the latest signed checkpoint, since the one
before it may have stopped between an append and its signing.
"""

from __future__ import annotations

import logging
import threading
import time

from ledger.database import Database
from ledger.events import UNREADABLE
from ledger.faults import Guard, Stuck
from ledger.leases import Lease
from ledger.log import UNREADABLE_EVENTS, EventLog, count_unreadable, follow_wait
from ledger.settings import Settings
from transparency.leaves import leaf_record
from transparency.note import load_or_create_signer
from transparency.service import TransparencyLog
from transparency.store import Head, StaleHead, TreeStore

log = logging.getLogger(__name__)

LEASE_NAME = "transparency-tree"
BATCH = 500
SIGN_RETRY = 60.0  # seconds before trying again when signing failed


class TreeBuilder:
    name = "transparency-tree"

    def __init__(self, log: EventLog, db: Database, settings: Settings, batch: int = BATCH) -> None:
        self.log = log
        self.db = db
        self.settings = settings
        self.store = TreeStore(db)
        self.batch = batch
        self.lease = Lease(db, LEASE_NAME)
        self.guard = Guard(db, self.name)
        self._log: TransparencyLog | None = None
        # Appended leaves no checkpoint covers yet; None: not known (ask the store).
        self._unsigned: bool | None = None
        self._sign_after = 0.0  # monotonic

    def step(self) -> int:
        """Append the next batch of events; the number of leaves added."""
        head = self.store.head()
        try:
            entries = self.log.entries(head.position, self.batch)
        except Exception as error:
            raise Stuck(self.name, head.position + 1, error) from error
        if not entries:
            return 0
        records = [leaf_record(entry) for entry in entries]
        try:
            self.store.append(head, records)
        except StaleHead:
            log.warning("another tree builder advanced the tree; re-reading its head")
            return 0
        except Exception as error:
            raise Stuck(self.name, entries[0].position, error) from error
        count_unreadable(self.name, [entry.envelope for entry in entries])
        for entry, record in zip(entries, records, strict=True):
            if record.type == UNREADABLE and not entry.unreadable:
                log.warning(
                    "the event at log position %d cannot be canonicalised: its leaf "
                    "is its unreadable form",
                    entry.position,
                )
                UNREADABLE_EVENTS.labels(self.name).inc()
        return len(entries)

    def catch_up(self) -> Head:
        """Append until the tree holds every event written so far (CLI, tests)."""
        while self.step():
            pass
        return self.store.head()

    def advance(self) -> int:
        """`step`, but a failure is reported (the tree is stuck at that
        position) and retried only as the back-off allows. Under the lease."""
        return self.guard.step(self.step)

    def sign(self, head: Head) -> None:
        if self._log is None:
            signer = load_or_create_signer(self.settings.signing_key_file, self.settings.log_name)
            self._log = TransparencyLog(self.db, signer)
        self._log.checkpoint(head)

    def _sign_if_due(self, added: int) -> None:
        if added:
            self._unsigned = True
        now = time.monotonic()
        if self._unsigned is False or now < self._sign_after:
            return
        try:
            head = self.store.head()
            if self._unsigned is None and not self._beyond_signed(head):
                self._unsigned = False
                return
            self.sign(head)
        except Exception:  # the tree keeps growing; the next checkpoint covers it
            log.exception("could not sign a checkpoint; trying again in %.0f s", SIGN_RETRY)
            self._sign_after = now + SIGN_RETRY
            return
        self._unsigned = False
        self._sign_after = now + self.settings.checkpoint_interval

    def _beyond_signed(self, head: Head) -> bool:
        latest = self.store.latest_checkpoint()
        return head.size > (int(latest["size"]) if latest else 0)

    def run(self, stop: threading.Event) -> None:
        holding = False
        before = 0  # what the step before added
        try:
            while not stop.is_set():
                if not self.lease.hold():
                    holding = False
                    stop.wait(self.lease.ttl / 2)
                    continue
                if not holding:  # another holder may have reported a fault, or not signed
                    self.guard.take_over()
                    if not self._unsigned:
                        self._unsigned = None
                    holding = True
                added = self.advance()
                self._sign_if_due(added)
                wait = follow_wait(added, before, self.batch, self.settings.poll_interval)
                before = added
                if wait:
                    stop.wait(wait)
        finally:
            self.lease.release()
