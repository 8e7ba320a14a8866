"""Deliveries a partner asks for, beside the ones the log drives: a replay
from a log position, one message sent again, a test event. Each goes through
the normal queue (in sequence order, signed, retried, logged); the caller has
already found the endpoint among its owner's (`EndpointStore.get`)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from ledger.database import Database
from ledger.errors import Conflict
from ledger.events import rfc3339

TEST_TYPE = "webhook.test"


class EndpointDisabled(Conflict):
    title = "Webhook endpoint disabled"


class ManualDeliveries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def replay(self, endpoint_id: str, after: int) -> int:
        """Queue again every message of this endpoint past log position `after`,
        with its original webhook-id and sequence (test events are not log
        events: they stay out). Returns how many."""
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_messages SET state = 'pending', attempts = 0, "
                "next_attempt_at = ? WHERE endpoint_id = ? AND position > ? "
                "AND state <> 'pending' AND event_type <> ?",
                (time.time(), endpoint_id, after, TEST_TYPE),
            )
            return cur.rowcount

    def resend(self, endpoint_id: str, message_id: str) -> bool | None:
        """Queue one message again, by its webhook-id. True when queued, False
        when it is still pending anyway, None when the endpoint has no such
        message."""
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_messages SET state = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE endpoint_id = ? AND webhook_id = ? AND state <> 'pending' "
                "RETURNING sequence",
                (time.time(), endpoint_id, message_id),
            )
            if cur.fetchone() is not None:
                return True
            cur.execute(
                "SELECT 1 AS found FROM {t}wh_messages WHERE endpoint_id = ? AND webhook_id = ?",
                (endpoint_id, message_id),
            )
            return False if cur.fetchone() is not None else None

    def send_test(self, endpoint: dict[str, Any]) -> dict[str, Any]:
        """A `webhook.test` message to this endpoint only, next in its sequence.
        Taking the sequence moves the endpoint's, so a dispatcher that read
        the old one loses its compare-and-set and re-reads (no gap, no twin)."""
        if not endpoint["enabled"]:
            raise EndpointDisabled(
                f"webhook endpoint {endpoint['id']} is disabled "
                f"({endpoint['disabled_reason']}); enable it to send a test event"
            )
        webhook_id = "msg_" + uuid.uuid4().hex
        now = time.time()
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_endpoints SET sequence = sequence + 1 WHERE id = ? "
                "RETURNING sequence, position",
                (endpoint["id"],),
            )
            row = cur.fetchone()
            if row is None:
                raise EndpointDisabled(f"webhook endpoint {endpoint['id']} was just deleted")
            sequence, position = int(row["sequence"]), int(row["position"])
            body = {
                "type": TEST_TYPE,
                "timestamp": rfc3339(datetime.fromtimestamp(now, UTC)),
                "data": {"endpoint_id": endpoint["id"], "sequence": sequence},
            }
            cur.execute(
                "INSERT INTO {t}wh_messages (endpoint_id, sequence, position, event_id, "
                "webhook_id, event_type, body, state, attempts, next_attempt_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)",
                (
                    endpoint["id"],
                    sequence,
                    position,
                    str(uuid.uuid4()),
                    webhook_id,
                    TEST_TYPE,
                    json.dumps(body, separators=(",", ":")),
                    now,
                ),
            )
        return {"endpoint_id": endpoint["id"], "webhook_id": webhook_id, "sequence": sequence}
