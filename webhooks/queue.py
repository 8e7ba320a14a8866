"""The dispatcher's side of the tables: turn log events into per-endpoint
messages, claim the next due message of an endpoint, record an attempt.

Each write transaction is short (no HTTP inside one): SQLite has one writer
at a time, and several dispatchers share the database.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.database import Database
from ledger.events import is_unreadable, rfc3339
from webhooks.client import Outcome
from webhooks.payload import payload

_WEBHOOK_ID_NS = uuid.uuid5(uuid.NAMESPACE_URL, "https://labledger.local/webhooks")
MAX_RETRY_AFTER = 24 * 3600.0


def webhook_id(event_id: str, endpoint_id: str) -> str:
    """Stable per (event, endpoint): a redelivery or replay carries the same id."""
    return "msg_" + uuid.uuid5(_WEBHOOK_ID_NS, f"{event_id}:{endpoint_id}").hex


@dataclass(frozen=True)
class Claim:
    endpoint_id: str
    sequence: int
    position: int
    webhook_id: str
    event_type: str
    body: str
    attempt: int  # the number of this attempt, from 1
    url: str
    secrets: tuple[str, ...]  # newest first
    expires: float = math.inf  # when the claim's lease ends (epoch seconds)


def retry_delay(attempt: int, schedule: Sequence[float], retry_after: float | None) -> float | None:
    """Seconds until the next try after failed attempt number `attempt`, or None
    when the schedule is spent. ±20 % jitter spreads retries of many endpoints;
    a receiver's Retry-After is honoured when it asks for longer (up to a day)."""
    if attempt > len(schedule):
        return None
    delay = schedule[attempt - 1] * random.uniform(0.8, 1.2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def event_filter(endpoint: dict[str, Any]) -> frozenset[str]:
    """The endpoint's event types, parsed once per batch, not once per event."""
    return frozenset(json.loads(endpoint["event_types"]))


def wanted(types: frozenset[str], envelope: dict[str, Any]) -> bool:
    """Whether the filter takes this event (an empty filter takes every type).

    An event the log cannot decode is never sent: a partner could do nothing
    with it, and its place in the log is kept by the endpoint's position."""
    if is_unreadable(envelope):
        return False
    return not types or envelope["type"] in types


def rfc3339_at(epoch: float) -> str:
    """A stored epoch time (the tables keep floats) as the API shows times."""
    return rfc3339(datetime.fromtimestamp(epoch, UTC))


class MessageQueue:
    def __init__(self, db: Database) -> None:
        self.db = db

    def endpoints_behind(self, head: int) -> list[dict[str, Any]]:
        return self.db.fetchall(
            "SELECT id, position, sequence, event_types FROM {t}wh_endpoints "
            "WHERE enabled = 1 AND position < ? ORDER BY position, id",
            (head,),
        )

    def pending_count(self, endpoint_id: str) -> int:
        row = self.db.fetchone(
            "SELECT COUNT(*) AS n FROM {t}wh_messages WHERE endpoint_id = ? AND state = 'pending'",
            (endpoint_id,),
        )
        return int(row["n"]) if row else 0

    def enqueue(
        self, endpoint: dict[str, Any], envelopes: Sequence[dict[str, Any]], through: int
    ) -> dict[str, Any] | None:
        """Messages for the envelopes that pass the filter, and the endpoint's
        position moved to `through`, in one transaction. Returns the endpoint
        as it now is, or None when another dispatcher moved its position first
        (nothing is written then)."""
        now = time.time()
        types = event_filter(endpoint)
        sequence = int(endpoint["sequence"])
        rows = []
        for env in envelopes:
            if not wanted(types, env):
                continue
            sequence += 1
            rows.append(
                (
                    endpoint["id"],
                    sequence,
                    env["position"],
                    env["event_id"],
                    webhook_id(env["event_id"], endpoint["id"]),
                    env["type"],
                    json.dumps(payload(env, sequence), separators=(",", ":")),
                    now,
                )
            )
        with self.db.transaction(write=True) as cur:
            # The position guard first: it is the write that orders dispatchers.
            cur.execute(
                "UPDATE {t}wh_endpoints SET position = ?, sequence = ? "
                "WHERE id = ? AND position = ? AND sequence = ? RETURNING id",
                (through, sequence, endpoint["id"], endpoint["position"], endpoint["sequence"]),
            )
            if cur.fetchone() is None:
                return None
            if rows:
                cur.executemany(
                    "INSERT INTO {t}wh_messages (endpoint_id, sequence, position, event_id, "
                    "webhook_id, event_type, body, state, attempts, next_attempt_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
                    rows,
                )
        return endpoint | {"position": through, "sequence": sequence}

    def due_heads(
        self, now: float, limit: int, per_owner: int | None = None
    ) -> list[dict[str, Any]]:
        """Per enabled endpoint, its oldest pending message, when due and unclaimed,
        with the endpoint's `owner` (the partner).

        Only the head of each endpoint is ever sent: one in flight per endpoint,
        in sequence order. Heads come in turns: every partner's most overdue
        head first, then every partner's second, ..., at most `per_owner` of
        each; so a partner with many due endpoints cannot fill `limit` alone."""
        return self.db.fetchall(
            "SELECT endpoint_id, sequence, owner FROM ("
            "SELECT m.endpoint_id, m.sequence, e.owner, m.next_attempt_at, "
            "ROW_NUMBER() OVER (PARTITION BY e.owner "
            "ORDER BY m.next_attempt_at, m.endpoint_id) AS turn "
            "FROM {t}wh_messages m JOIN {t}wh_endpoints e ON e.id = m.endpoint_id "
            "WHERE e.enabled = 1 AND m.state = 'pending' AND m.next_attempt_at <= ? "
            "AND (m.claim_expires IS NULL OR m.claim_expires < ?) "
            "AND m.sequence = (SELECT MIN(x.sequence) FROM {t}wh_messages x "
            "WHERE x.endpoint_id = m.endpoint_id AND x.state = 'pending')"
            ") due WHERE turn <= ? ORDER BY turn, next_attempt_at, endpoint_id LIMIT ?",
            (now, now, per_owner or limit, limit),
        )

    def claim(self, endpoint_id: str, sequence: int, holder: str, lease: float) -> Claim | None:
        """Take this attempt for `lease` seconds; None when another dispatcher has it."""
        now = time.time()
        expires = now + lease
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_messages SET claimed_by = ?, claim_expires = ? "
                "WHERE endpoint_id = ? AND sequence = ? AND state = 'pending' "
                "AND next_attempt_at <= ? AND (claim_expires IS NULL OR claim_expires < ?) "
                "AND NOT EXISTS (SELECT 1 FROM {t}wh_messages y WHERE y.endpoint_id = ? "
                "AND y.state = 'pending' AND y.claim_expires >= ?) RETURNING sequence",
                (holder, expires, endpoint_id, sequence, now, now, endpoint_id, now),
            )
            if cur.fetchone() is None:
                return None
            cur.execute(
                "SELECT m.position, m.webhook_id, m.event_type, m.body, m.attempts, e.url, "
                "e.secret, e.previous_secret, e.previous_secret_expires "
                "FROM {t}wh_messages m JOIN {t}wh_endpoints e ON e.id = m.endpoint_id "
                "WHERE m.endpoint_id = ? AND m.sequence = ? AND e.enabled = 1",
                (endpoint_id, sequence),
            )
            row = cur.fetchone()
        if row is None:
            return None
        secrets = [row["secret"]]
        if row["previous_secret"] and (row["previous_secret_expires"] or 0) > now:
            secrets.append(row["previous_secret"])
        return Claim(
            endpoint_id,
            sequence,
            row["position"],
            row["webhook_id"],
            row["event_type"],
            row["body"],
            int(row["attempts"]) + 1,
            row["url"],
            tuple(secrets),
            expires,
        )

    def record(
        self,
        claim: Claim,
        outcome: Outcome,
        *,
        holder: str,
        schedule: Sequence[float],
        disable_after: float,
        attempted_at: float,
    ) -> None:
        """Log the attempt; mark the message delivered, retry it later or give up;
        disable the endpoint on 410 Gone or after `disable_after` s of failure.
        A disabling attempt shows no next attempt (none comes until the
        partner re-enables the endpoint, which makes its pending messages due)."""
        now = time.time()
        delay = None if outcome.ok else retry_delay(claim.attempt, schedule, outcome.retry_after)
        retry_at = None if delay is None else now + delay
        state = "delivered" if outcome.ok else ("pending" if retry_at is not None else "failed")
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "SELECT failing_since FROM {t}wh_endpoints WHERE id = ?", (claim.endpoint_id,)
            )
            endpoint = cur.fetchone()
            if endpoint is None:
                return  # deleted meanwhile: nothing to record
            failing_since = endpoint["failing_since"] or attempted_at
            disabled = (
                None if outcome.ok else _disable_reason(outcome, now - failing_since, disable_after)
            )
            shown_retry = None if retry_at is None or disabled is not None else rfc3339_at(retry_at)
            cur.execute(
                "INSERT INTO {t}wh_attempts (endpoint_id, webhook_id, event_type, position, "
                "sequence, attempt, attempted_at, status_code, latency_ms, ok, error, "
                "next_attempt_at, dispatcher) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    claim.endpoint_id,
                    claim.webhook_id,
                    claim.event_type,
                    claim.position,
                    claim.sequence,
                    claim.attempt,
                    rfc3339_at(attempted_at),
                    outcome.status_code,
                    outcome.latency_ms,
                    1 if outcome.ok else 0,
                    outcome.error,
                    shown_retry,
                    holder,
                ),
            )
            cur.execute(
                "UPDATE {t}wh_messages SET state = ?, attempts = ?, next_attempt_at = ?, "
                "claimed_by = NULL, claim_expires = NULL "
                "WHERE endpoint_id = ? AND sequence = ? AND claimed_by = ?",
                (
                    state,
                    claim.attempt,
                    retry_at if retry_at is not None else now,
                    claim.endpoint_id,
                    claim.sequence,
                    holder,
                ),
            )
            if outcome.ok:
                cur.execute(
                    "UPDATE {t}wh_endpoints SET failing_since = NULL WHERE id = ?",
                    (claim.endpoint_id,),
                )
            elif disabled is None:
                cur.execute(
                    "UPDATE {t}wh_endpoints SET failing_since = ? WHERE id = ?",
                    (failing_since, claim.endpoint_id),
                )
            else:
                cur.execute(
                    "UPDATE {t}wh_endpoints SET failing_since = ?, enabled = 0, "
                    "disabled_reason = ?, disabled_at = ? WHERE id = ?",
                    (failing_since, disabled, rfc3339_at(now), claim.endpoint_id),
                )


def _disable_reason(outcome: Outcome, failing_for: float, disable_after: float) -> str | None:
    if outcome.status_code == 410:
        return "the endpoint answered 410 Gone"
    if failing_for >= disable_after:
        return f"every delivery failed for {disable_after:g} s"
    return None
