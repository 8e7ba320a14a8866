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

from ledger.persistence import Database

_SERIAL = {
    "sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT",
    "postgres": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
}

STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS {t}wh_endpoints ("
    "id TEXT PRIMARY KEY, owner TEXT NOT NULL, url TEXT NOT NULL, "
    "description TEXT NOT NULL, event_types TEXT NOT NULL, "
    "secret TEXT NOT NULL, previous_secret TEXT, previous_secret_expires DOUBLE PRECISION, "
    "enabled INTEGER NOT NULL, disabled_reason TEXT, disabled_at TEXT, "
    "failing_since DOUBLE PRECISION, "
    "position BIGINT NOT NULL, sequence BIGINT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS wh_endpoints_owner ON {t}wh_endpoints (owner, id)",
    "CREATE TABLE IF NOT EXISTS {t}wh_messages ("
    "endpoint_id TEXT NOT NULL, sequence BIGINT NOT NULL, position BIGINT NOT NULL, "
    "event_id TEXT NOT NULL, webhook_id TEXT NOT NULL, event_type TEXT NOT NULL, "
    "body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, "
    "next_attempt_at DOUBLE PRECISION NOT NULL, claimed_by TEXT, "
    "claim_expires DOUBLE PRECISION, "
    "PRIMARY KEY (endpoint_id, sequence))",
    "CREATE INDEX IF NOT EXISTS wh_messages_pending ON {t}wh_messages "
    "(state, endpoint_id, sequence)",
    "CREATE INDEX IF NOT EXISTS wh_messages_position ON {t}wh_messages (endpoint_id, position)",
    "CREATE TABLE IF NOT EXISTS {t}wh_attempts ("
    "id {serial}, endpoint_id TEXT NOT NULL, webhook_id TEXT NOT NULL, "
    "event_type TEXT NOT NULL, position BIGINT NOT NULL, sequence BIGINT NOT NULL, "
    "attempt INTEGER NOT NULL, attempted_at TEXT NOT NULL, status_code INTEGER, "
    "latency_ms DOUBLE PRECISION NOT NULL, ok INTEGER NOT NULL, error TEXT, "
    "next_attempt_at TEXT, dispatcher TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS wh_attempts_endpoint ON {t}wh_attempts (endpoint_id, id)",
    "CREATE TABLE IF NOT EXISTS {t}wh_idempotency ("
    "scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
    "response TEXT NOT NULL, endpoint_id TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, "
    "PRIMARY KEY (scope, key))",
]


def create_tables(db: Database) -> None:
    with db.transaction(write=True) as cur:
        for statement in STATEMENTS:
            cur.execute(statement.replace("{serial}", _SERIAL[db.dialect]))
