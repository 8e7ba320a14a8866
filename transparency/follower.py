"""The tree builder: the single follower that turns log events into leaves.

PostgreSQL log positions can have gaps; leaf indexes must not, so exactly one
builder (a database lease) assigns them, in log order. Each batch's leaves,
nodes and new head (which records the last log position taken) commit in one
transaction, and the head update is conditional on the head it read, so a
builder that lost its lease cannot append twice.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ledger.leases import Lease
from ledger.log import read_page
from ledger.settings import Settings
from transparency.leaves import leaf_record
from transparency.store import Head, StaleHead, TreeStore

log = logging.getLogger(__name__)

LEASE_NAME = "transparency-tree"
BATCH = 500


class TreeBuilder:
    name = "transparency-tree"

    def __init__(self, ledger: Any, settings: Settings, batch: int = BATCH) -> None:
        self.ledger = ledger
        self.settings = settings
        self.store = TreeStore(ledger.db)
        self.batch = batch
        self.lease = Lease(ledger.db, LEASE_NAME)

    def step(self) -> int:
        """Append the next batch of events; the number of leaves added."""
        head = self.store.head()
        envelopes = read_page(self.ledger, head.position, self.batch)
        if not envelopes:
            return 0
        try:
            self.store.append(head, [leaf_record(env) for env in envelopes])
        except StaleHead:
            log.warning("another tree builder advanced the tree; re-reading its head")
            return 0
        return len(envelopes)

    def catch_up(self) -> Head:
        """Append until the tree holds every event written so far (CLI, tests)."""
        while self.step():
            pass
        return self.store.head()

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.lease.hold():
                    stop.wait(self.lease.ttl / 2)
                    continue
                try:
                    added = self.step()
                except Exception:  # keep building after a transient store error
                    log.exception("tree builder step failed")
                    added = 0
                if not added:
                    stop.wait(self.settings.poll_interval)
        finally:
            self.lease.release()
