"""The dispatcher: follows the log into per-endpoint messages and delivers them.

Each tick it (1) turns new log events into messages for every endpoint that
is behind the log's head, from the endpoint's durable position, and (2)
claims the oldest due message of each endpoint and sends it on a small
thread pool. One message per endpoint is in flight at a time, so a slow or
dead endpoint holds only its own thread; and each partner (the endpoints'
owner) holds at most its share of the pool, taken in turns, so one partner's
slow or dead endpoints never delay another partner's deliveries.
Several dispatchers (hosts or processes) may run at once: positions advance
with a compare-and-set and every attempt is claimed in the database with a
lease that outlives the attempt's hard deadline, so each attempt is made
once; if a dispatcher dies mid-attempt the lease expires and another
retries (at-least-once).
"""

from __future__ import annotations

import logging
import math
import ssl
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ledger.database import Database
from ledger.leases import new_holder_id
from ledger.log import EventLog, count_unreadable, read_page
from ledger.personal_store import PersonalData
from ledger.settings import Settings
from webhooks import client, metrics, signing
from webhooks.payload import named
from webhooks.queue import Claim, MessageQueue, event_filter, wanted

log = logging.getLogger("labledger.webhooks")

POOL_SIZE = 8  # concurrent deliveries per dispatcher (one per endpoint)
MAX_PENDING = 200  # messages materialised ahead per endpoint; the log keeps the rest
PAGE = 500  # log events read at once
PAGES_PER_TICK = 20  # bounds one endpoint's catch-up work per tick
LEASE_MARGIN = 5.0  # seconds a claim outlives its attempt's deadline
# An attempt ends at least this long before its claim's lease, however late its
# thread started; what is left of the margin absorbs clock skew between hosts.
LEASE_SAFETY = 1.0


def lease_for(timeout: float) -> float:
    """How long a claim lasts: the attempt's hard deadline (`timeout`, the whole
    exchange) plus a margin, so no other dispatcher claims a message while it
    is in flight, and a dead dispatcher's attempt is retried soon after."""
    return timeout + LEASE_MARGIN


def partner_share(pool_size: int, partners: int) -> int:
    """Pool threads one partner may hold: an equal share among the partners with
    work, and never more than half the pool, so a partner that turns up always
    finds a free thread at once."""
    return max(1, math.ceil(pool_size / max(partners, 2)))


class _Pages:
    """The log pages read in one tick, shared by its endpoints: endpoints at the
    same position (the usual case: all caught up) decode each event once, not
    once each. Endpoints come in position order, so a follower finds its
    leader's pages among the last `PAGES_PER_TICK` kept: what one endpoint may
    read in a tick, and all this ever holds, whatever the log's length."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.kept: dict[int, list[dict[str, Any]]] = {}

    def after(self, position: int) -> list[dict[str, Any]]:
        page = self.kept.get(position)
        if page is None:
            page = self.kept[position] = read_page(self.log, position, PAGE)
            count_unreadable(Dispatcher.name, page)
            if len(self.kept) > PAGES_PER_TICK:
                del self.kept[next(iter(self.kept))]  # the oldest read
        return page


class Dispatcher:
    name = "webhooks.dispatcher"

    def __init__(
        self,
        log: EventLog,
        db: Database,
        settings: Settings,
        *,
        pool_size: int = POOL_SIZE,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.log = log
        self.settings = settings
        self.queue = MessageQueue(db)
        self.people = PersonalData(db)
        self.holder = new_holder_id()
        self.tls = ssl.create_default_context()  # one for every https delivery
        self.pool_size = pool_size
        self.max_pending = max_pending
        self._in_flight: dict[str, str] = {}  # endpoint id -> its owner
        self._lock = threading.Lock()

    def run(self, stop: threading.Event) -> None:
        log.info("webhook dispatcher %s started", self.holder)
        with ThreadPoolExecutor(self.pool_size, thread_name_prefix="webhook") as pool:
            while not stop.is_set():
                try:
                    self.enqueue_new_events()
                    self.dispatch_due(pool)
                except Exception:  # a store hiccup must not end the loop
                    log.exception("webhook dispatcher tick failed")
                stop.wait(self.settings.poll_interval)
        log.info("webhook dispatcher %s stopped", self.holder)

    def enqueue_new_events(self) -> None:
        head = self.log.head()
        pages = _Pages(self.log)
        for endpoint in self.queue.endpoints_behind(head):
            self.catch_up(endpoint, head, pages)

    def catch_up(self, endpoint: dict[str, Any], head: int, pages: _Pages) -> None:
        """Turn the endpoint's next log events into messages, a page at a time,
        keeping at most `max_pending` undelivered: the log holds the rest, so a
        dead endpoint costs no storage while it stays dead."""
        room = self.max_pending - self.queue.pending_count(endpoint["id"])
        types = event_filter(endpoint)
        for _ in range(PAGES_PER_TICK):
            if room <= 0 or int(endpoint["position"]) >= head:
                return
            taken: list[dict[str, Any]] = []
            for envelope in pages.after(int(endpoint["position"])):
                if wanted(types, envelope):
                    if room == 0:
                        break
                    room -= 1
                taken.append(envelope)
            if not taken:
                return
            moved = self.queue.enqueue(endpoint, taken, taken[-1]["position"])
            if moved is None:
                return  # another dispatcher got there first
            endpoint = moved

    def dispatch_due(self, pool: ThreadPoolExecutor) -> None:
        """Claim due heads in turns across partners, each up to its share."""
        with self._lock:
            busy = dict(self._in_flight)
        free = self.pool_size - len(busy)
        if free <= 0:
            return
        heads = self.queue.due_heads(time.time(), 4 * self.pool_size, per_owner=self.pool_size)
        held = Counter(busy.values())
        share = partner_share(self.pool_size, len({h["owner"] for h in heads} | set(held)))
        for head in heads:
            endpoint_id, owner = head["endpoint_id"], head["owner"]
            if endpoint_id in busy or held[owner] >= share:
                continue
            claim = self.queue.claim(
                endpoint_id, head["sequence"], self.holder, lease_for(self.settings.webhook_timeout)
            )
            if claim is None:
                continue
            with self._lock:
                self._in_flight[endpoint_id] = owner
            busy[endpoint_id] = owner
            held[owner] += 1
            pool.submit(self._deliver, claim)
            free -= 1
            if free <= 0:
                return

    def _deliver(self, claim: Claim) -> None:
        try:
            self.deliver(claim)
        except Exception:
            log.exception("delivery of %s to %s failed", claim.webhook_id, claim.endpoint_id)
        finally:
            with self._lock:
                self._in_flight.pop(claim.endpoint_id, None)

    def deliver(self, claim: Claim) -> None:
        attempted_at = time.time()
        # The deadline ends before the lease does, even when this thread started late.
        budget = min(self.settings.webhook_timeout, claim.expires - attempted_at - LEASE_SAFETY)
        if budget <= 0:
            log.warning(
                "webhook %s to endpoint %s not sent: its claim was about to expire",
                claim.webhook_id,
                claim.endpoint_id,
            )
            return  # still pending; retried once the lease ends, no attempt counted
        body = named(claim.body, self.people)  # names as they are now: null once erased
        headers = signing.headers(claim.secrets, claim.webhook_id, int(attempted_at), body)
        outcome = client.post(
            claim.url,
            body.encode("utf-8"),
            headers,
            timeout=budget,
            allow_private=self.settings.webhook_allow_private,
            tls=self.tls,
        )
        metrics.observe(outcome)
        self.queue.record(
            claim,
            outcome,
            holder=self.holder,
            schedule=self.settings.webhook_retry_schedule,
            disable_after=self.settings.webhook_disable_after,
            attempted_at=attempted_at,
        )
        if not outcome.ok:
            log.info(
                "webhook %s to endpoint %s failed (attempt %d): %s",
                claim.webhook_id,
                claim.endpoint_id,
                claim.attempt,
                outcome.error,
            )
