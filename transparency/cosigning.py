"""Asking the witnesses to cosign: one worker per witness (C2SP tlog-witness).

Each round, the worker takes the latest checkpoint the log signed and, if its
witness has not cosigned it yet, POSTs `<witness>/add-checkpoint` with the
size the witness last cosigned, a consistency proof from that size, and the
signed checkpoint. A 409 `text/x.tlog.size` answer names the witness's real
size: the worker resubmits from there. Each returned `cosignature/v1` line
is verified against the witness's key before it is stored; anything else is
a refusal (logged, counted) and never stored.

Only a verified cosignature says the witness is current. A 409's size is
unauthenticated (an impostor at the witness's address, a witness restarted
with another key or an empty state may send any): it picks the old size of
the next request in the same round and nothing more, and each round starts
again from the size the stored cosignatures show.

A witness that is down or slow costs only its own worker: requests have a
bounded timeout, the next attempt waits a back-off (the round interval,
doubling to a minute), and the tree builder and the other witnesses never
wait for it. The workers hold a lease each, so one process per witness asks.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Counter, Gauge

from ledger.database import Database
from ledger.leases import Lease
from transparency import cosignature, note
from transparency.store import TreeStore
from transparency.witnesses import CosignatureStore, Witness

log = logging.getLogger(__name__)

MAX_RESPONSE = 64 * 1024
MAX_BACKOFF = 60.0
USER_AGENT = "labledger-log/1"

SUBMISSIONS = Counter(
    "labledger_witness_submissions_total",
    "add-checkpoint requests to each witness, by outcome "
    "(cosigned, resubmit, refused, invalid, unavailable)",
    ["witness", "outcome"],
)
COSIGNED_SIZE = Gauge(
    "labledger_witness_cosigned_size",
    "The largest checkpoint size each witness has cosigned",
    ["witness"],
    multiprocess_mode="max",
)


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes


class Unavailable(Exception):
    """The witness could not be reached or did not answer in time."""


Post = Callable[[str, bytes, float], Answer]


def http_post(url: str, body: bytes, timeout: float) -> Answer:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(
                response.status,
                response.headers.get("Content-Type", ""),
                response.read(MAX_RESPONSE),
            )
    except urllib.error.HTTPError as error:
        with error:
            return Answer(
                error.code, error.headers.get("Content-Type", ""), error.read(MAX_RESPONSE)
            )
    except (urllib.error.URLError, OSError) as error:  # refused, reset, timed out, DNS
        raise Unavailable(f"POST {url}: {error}") from error


class Cosigning:
    """The worker that keeps one witness's cosignature on the latest checkpoint."""

    def __init__(
        self,
        db: Database,
        witness: Witness,
        interval: float,
        timeout: float,
        post: Post = http_post,
    ) -> None:
        self.name = f"transparency-witness {witness.name}"
        self.witness, self.interval, self.timeout, self.post = witness, interval, timeout, post
        self.tree = TreeStore(db)
        self.cosignatures = CosignatureStore(db)
        self.lease = Lease(db, f"transparency-witness:{witness.vkey}")
        self._cosigned: int | None = None  # the last size its verified cosignature covers
        self._failures = 0

    def submit(self, size: int, signed: str) -> str:
        """Ask the witness to cosign the checkpoint of `size`; the outcome."""
        witness = self.witness
        old = self.cosignatures.cosigned_size(witness.vkey) or 0
        text = note.split_note(signed)[0]
        for _ in range(3):  # a stale size, then the witness's own: at most twice over
            if old > size:
                return self._refused(
                    f"it says its size is {old}, beyond this log's latest checkpoint ({size})"
                )
            proof = self.tree.consistency_proof(old, size) if 0 < old < size else []
            answer = self.post(
                f"{witness.url}/add-checkpoint",
                cosignature.add_checkpoint_body(old, proof, signed),
                self.timeout,
            )
            if answer.status == 409 and answer.content_type.startswith(
                cosignature.SIZE_CONTENT_TYPE
            ):
                try:
                    old = cosignature.parse_size_body(answer.body)
                except note.NoteError as error:
                    return self._refused(f"HTTP 409 for size {size}: {error}")
                SUBMISSIONS.labels(witness.name, "resubmit").inc()
                continue
            if answer.status != 200:
                detail = answer.body[:300].decode("utf-8", "replace")
                return self._refused(f"HTTP {answer.status} for size {size}: {detail}")
            try:
                lines = cosignature.cosignatures_from_response(answer.body, text, witness.key)
            except note.NoteError as error:
                SUBMISSIONS.labels(witness.name, "invalid").inc()
                log.error(
                    "witness %s answered without a valid cosignature: %s", witness.vkey, error
                )
                return "invalid"
            self.cosignatures.save(size, witness.vkey, lines)
            self._cosigned = size
            COSIGNED_SIZE.labels(witness.name).set(size)
            SUBMISSIONS.labels(witness.name, "cosigned").inc()
            return "cosigned"
        return self._refused("its size kept changing")

    def _refused(self, why: str) -> str:
        SUBMISSIONS.labels(self.witness.name, "refused").inc()
        log.error("witness %s refused to cosign: %s", self.witness.vkey, why)
        return "refused"

    def step(self) -> str:
        """One round: the latest checkpoint, submitted unless already cosigned."""
        latest = self.tree.latest_checkpoint()
        if latest is None:
            return "idle"
        size = int(latest["size"])
        if self._cosigned == size or self.cosignatures.lines(size, [self.witness.vkey]):
            self._cosigned = size
            return "current"
        try:
            return self.submit(size, latest["note"])
        except Unavailable as error:
            SUBMISSIONS.labels(self.witness.name, "unavailable").inc()
            log.warning("witness %s is unavailable: %s", self.witness.vkey, error)
            return "unavailable"

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                if not self.lease.hold():
                    stop.wait(self.lease.ttl / 2)
                    continue
                started = time.monotonic()
                outcome = self.step()
                self._failures = self._failures + 1 if outcome in FAILED else 0
                pause = self.interval
                if self._failures:  # back off, but never ask more often than the interval
                    backoff = self.interval * 2 ** min(self._failures, 16)
                    pause = max(self.interval, min(backoff, MAX_BACKOFF))
                stop.wait(max(pause - (time.monotonic() - started), 0.0))
        finally:
            self.lease.release()


FAILED = frozenset({"refused", "invalid", "unavailable"})
