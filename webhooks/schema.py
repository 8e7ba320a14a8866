"""The webhook tables, in both dialects.

- `wh_endpoints`: a partner's endpoint, its secrets, its enabled state and its
  durable log `position` (every event up to it has been turned into messages)
  with the last gapless `sequence` it handed out.
- `wh_messages`: one row per (endpoint, event that passed its filter), written
  in the same transaction that advances the endpoint's position, so the log
  and the queue cannot drift. Carries the claim (holder + lease expiry) that
  makes each attempt happen once across dispatchers.
- `wh_attempts`: the delivery log, one row per HTTP attempt.
- `wh_idempotency`: the `Idempotency-Key`s of endpoint registrations and the
  response each got (it holds the secret: kept a day, dropped with the
  endpoint).
"""

from __future__ import annotations

from ledger.tables import Column, Index, Table, bigint, integer, real, text

ENDPOINTS = Table(
    "wh_endpoints",
    (
        text("id"),
        text("owner"),
        text("url"),
        text("description"),
        text("event_types"),
        text("secret"),
        text("previous_secret", null=True),
        real("previous_secret_expires", null=True),
        integer("enabled"),
        text("disabled_reason", null=True),
        text("disabled_at", null=True),
        real("failing_since", null=True),
        bigint("position"),
        bigint("sequence"),
        text("created_at"),
    ),
    primary_key=("id",),
    indexes=(Index("wh_endpoints_owner", "owner, id"),),
)
MESSAGES = Table(
    "wh_messages",
    (
        text("endpoint_id"),
        bigint("sequence"),
        bigint("position"),
        text("event_id"),
        text("webhook_id"),
        text("event_type"),
        text("body"),
        text("state"),
        integer("attempts"),
        real("next_attempt_at"),
        text("claimed_by", null=True),
        real("claim_expires", null=True),
    ),
    primary_key=("endpoint_id", "sequence"),
    indexes=(
        Index("wh_messages_pending", "state, endpoint_id, sequence"),
        Index("wh_messages_position", "endpoint_id, position"),
    ),
)
ATTEMPTS = Table(
    "wh_attempts",
    (
        Column("id", "serial"),
        text("endpoint_id"),
        text("webhook_id"),
        text("event_type"),
        bigint("position"),
        bigint("sequence"),
        integer("attempt"),
        text("attempted_at"),
        integer("status_code", null=True),
        real("latency_ms"),
        integer("ok"),
        text("error", null=True),
        text("next_attempt_at", null=True),
        text("dispatcher"),
    ),
    indexes=(Index("wh_attempts_endpoint", "endpoint_id, id"),),
)
IDEMPOTENCY = Table(
    "wh_idempotency",
    (
        text("scope"),
        text("key"),
        text("request_hash"),
        text("response"),
        text("endpoint_id"),
        real("created_at"),
    ),
    primary_key=("scope", "key"),
)
TABLES = (ENDPOINTS, MESSAGES, ATTEMPTS, IDEMPOTENCY)
