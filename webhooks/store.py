"""Endpoints as a partner manages them: register, list, change, delete,
rotate the secret, re-enable, read the delivery log (replays, resends and
tests are `webhooks.manual`). Every query by endpoint id is scoped to the
owner (the actor's principal: a partner's tokens' name), so another
partner's endpoint is simply not found; `attempts` takes an endpoint the
caller has already found among the owner's.

A partner holds at most `MAX_ENDPOINTS_PER_PARTNER` endpoints. A registration
with an `Idempotency-Key` stores its response (secret included) beside the
endpoint, in the same transaction, so a retry gets it back instead of a
second endpoint."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from ledger.actors import Actor, Role
from ledger.database import Cursor, Database
from ledger.errors import Conflict
from ledger.events import rfc3339
from ledger.idempotency import DuplicateRequest, IdempotencyKey, StoredResponse
from webhooks.queue import rfc3339_at
from webhooks.signing import new_secret

ROTATION_OVERLAP = 24 * 3600.0  # the previous secret keeps signing this long
MAX_ENDPOINTS_PER_PARTNER = 20
# A registration's stored response holds the endpoint's secret: keep it only as
# long as a client may reasonably retry.
IDEMPOTENCY_TTL = 24 * 3600.0


class EndpointLimitReached(Conflict):
    title = "Too many webhook endpoints"


def owner_of(actor: Actor) -> str:
    """Who owns the endpoints an actor registers: a partner's tokens with the
    same name act as one partner (a replaced token keeps its endpoints)."""
    return f"partner:{actor.name}" if actor.role == Role.PARTNER and actor.name else actor.id


def _stored(row: dict[str, Any]) -> StoredResponse:
    body = json.loads(row["response"])
    return StoredResponse(row["request_hash"], 201, body, body["position"])


_PUBLIC_COLUMNS = (
    "id, url, description, event_types, enabled, disabled_reason, disabled_at, "
    "previous_secret_expires, position, sequence, created_at"
)


def public_endpoint(row: dict[str, Any]) -> dict[str, Any]:
    expires = row["previous_secret_expires"]
    return {
        "id": row["id"],
        "url": row["url"],
        "description": row["description"],
        "event_types": json.loads(row["event_types"]),
        "enabled": bool(row["enabled"]),
        "disabled_reason": row["disabled_reason"],
        "disabled_at": row["disabled_at"],
        "previous_secret_expires_at": (
            rfc3339_at(expires) if expires and expires > time.time() else None
        ),
        "position": row["position"],
        "sequence": row["sequence"],
        "created_at": row["created_at"],
    }


class EndpointStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        owner: str,
        url: str,
        event_types: list[str],
        description: str,
        position: int,
        idempotency: IdempotencyKey | None = None,
    ) -> tuple[dict[str, Any], str]:
        """A new endpoint receives the events after `position` (the log's head now).

        Raises `EndpointLimitReached` when the owner has its maximum, and
        `DuplicateRequest` when `idempotency`'s key was already used."""
        endpoint_id = str(uuid.uuid4())
        secret = new_secret()
        created = rfc3339(datetime.now(UTC))
        now = time.time()
        with self.db.transaction(write=True) as cur:
            self._one_registration_at_a_time(cur, owner)
            if idempotency is not None:
                cur.execute(
                    "DELETE FROM {t}wh_idempotency WHERE created_at < ?", (now - IDEMPOTENCY_TTL,)
                )
                cur.execute(
                    "SELECT request_hash, response FROM {t}wh_idempotency "
                    "WHERE scope = ? AND key = ?",
                    (idempotency.scope, idempotency.key),
                )
                used = cur.fetchone()
                if used is not None:
                    raise DuplicateRequest(_stored(used))
            cur.execute("SELECT COUNT(*) AS n FROM {t}wh_endpoints WHERE owner = ?", (owner,))
            row = cur.fetchone()
            if row is not None and int(row["n"]) >= MAX_ENDPOINTS_PER_PARTNER:
                raise EndpointLimitReached(
                    f"a partner may have at most {MAX_ENDPOINTS_PER_PARTNER} webhook "
                    "endpoints; delete one before registering another",
                    limit=MAX_ENDPOINTS_PER_PARTNER,
                )
            cur.execute(
                "INSERT INTO {t}wh_endpoints (id, owner, url, description, event_types, "
                "secret, enabled, position, sequence, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?, 0, ?) "
                f"RETURNING {_PUBLIC_COLUMNS}",
                (
                    endpoint_id,
                    owner,
                    url,
                    description,
                    json.dumps(sorted(set(event_types))),
                    secret,
                    position,
                    created,
                ),
            )
            row = cur.fetchone()
            if row is None:  # cannot happen: an INSERT ... RETURNING returns its row
                raise RuntimeError(f"webhook endpoint {endpoint_id} vanished")
            endpoint = public_endpoint(row)
            if idempotency is not None:
                cur.execute(
                    "INSERT INTO {t}wh_idempotency (scope, key, request_hash, response, "
                    "endpoint_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        idempotency.scope,
                        idempotency.key,
                        idempotency.request_hash,
                        json.dumps(endpoint | {"secret": secret}),
                        endpoint_id,
                        now,
                    ),
                )
        return endpoint, secret

    def _one_registration_at_a_time(self, cur: Cursor, owner: str) -> None:
        """Serialise an owner's registrations, so that two at once can neither
        pass the endpoint limit together nor both use one Idempotency-Key.
        SQLite's write transactions are serial already."""
        if self.db.dialect == "postgres":
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", ("wh_endpoints:" + owner,)
            )

    def lookup_idempotent(self, scope: str, key: str) -> StoredResponse | None:
        """The response a registration with this key got, while it is kept."""
        row = self.db.fetchone(
            "SELECT request_hash, response FROM {t}wh_idempotency "
            "WHERE scope = ? AND key = ? AND created_at >= ?",
            (scope, key, time.time() - IDEMPOTENCY_TTL),
        )
        return None if row is None else _stored(row)

    def get(self, owner: str, endpoint_id: str) -> dict[str, Any] | None:
        row = self.db.fetchone(
            f"SELECT {_PUBLIC_COLUMNS} FROM {{t}}wh_endpoints WHERE id = ? AND owner = ?",
            (endpoint_id, owner),
        )
        return None if row is None else public_endpoint(row)

    def list(self, owner: str, after: str | None, limit: int) -> list[dict[str, Any]]:
        rows = self.db.fetchall(
            f"SELECT {_PUBLIC_COLUMNS} FROM {{t}}wh_endpoints WHERE owner = ? AND id > ? "
            "ORDER BY id LIMIT ?",
            (owner, after or "", limit),
        )
        return [public_endpoint(row) for row in rows]

    def delete(self, owner: str, endpoint_id: str) -> bool:
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "DELETE FROM {t}wh_endpoints WHERE id = ? AND owner = ? RETURNING id",
                (endpoint_id, owner),
            )
            if cur.fetchone() is None:
                return False
            cur.execute("DELETE FROM {t}wh_messages WHERE endpoint_id = ?", (endpoint_id,))
            cur.execute("DELETE FROM {t}wh_attempts WHERE endpoint_id = ?", (endpoint_id,))
            cur.execute("DELETE FROM {t}wh_idempotency WHERE endpoint_id = ?", (endpoint_id,))
        return True

    def rotate_secret(self, owner: str, endpoint_id: str) -> tuple[dict[str, Any], str] | None:
        """A new secret; the current one keeps signing for `ROTATION_OVERLAP`.
        Returns the endpoint as it now is and the new secret."""
        secret = new_secret()
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_endpoints SET previous_secret = secret, "
                "previous_secret_expires = ?, secret = ? WHERE id = ? AND owner = ? "
                f"RETURNING {_PUBLIC_COLUMNS}",
                (time.time() + ROTATION_OVERLAP, secret, endpoint_id, owner),
            )
            row = cur.fetchone()
        return None if row is None else (public_endpoint(row), secret)

    def enable(self, owner: str, endpoint_id: str) -> dict[str, Any] | None:
        """Re-enable: pending messages are due at once and the failure clock restarts."""
        with self.db.transaction(write=True) as cur:
            cur.execute(
                "UPDATE {t}wh_endpoints SET enabled = 1, disabled_reason = NULL, "
                "disabled_at = NULL, failing_since = NULL WHERE id = ? AND owner = ? "
                f"RETURNING {_PUBLIC_COLUMNS}",
                (endpoint_id, owner),
            )
            row = cur.fetchone()
            if row is None:
                return None
            cur.execute(
                "UPDATE {t}wh_messages SET next_attempt_at = ? "
                "WHERE endpoint_id = ? AND state = 'pending'",
                (time.time(), endpoint_id),
            )
        return public_endpoint(row)

    def attempts(self, endpoint_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        """The delivery log. Each attempt says why it was made (`trigger`): the
        message's first attempt, a retry, a replay (of many messages or a
        resend of one: its attempts start again at 1 after earlier ones), or
        a test event; `replay` is true for every attempt of a redelivery."""
        rows = self.db.fetchall(
            "SELECT a.id, a.webhook_id, a.event_type, a.position, a.sequence, a.attempt, "
            "a.attempted_at, a.status_code, a.latency_ms, a.ok, a.error, a.next_attempt_at, "
            "(SELECT COUNT(*) FROM {t}wh_attempts x WHERE x.endpoint_id = a.endpoint_id "
            "AND x.webhook_id = a.webhook_id AND x.attempt = 1 AND x.id <= a.id) AS rounds "
            "FROM {t}wh_attempts a WHERE a.endpoint_id = ? AND a.id > ? ORDER BY a.id LIMIT ?",
            (endpoint_id, after, limit),
        )
        for row in rows:
            row["ok"] = bool(row["ok"])
            row["replay"] = int(row.pop("rounds")) > 1
            row["trigger"] = _trigger(row)
        return rows

    def update(
        self, owner: str, endpoint_id: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Change the URL, the event types, the description or the enabled
        state (pausing records why; enabling is `enable`). New event types
        apply to events not yet queued."""
        if changes.get("enabled") is True:
            if self.get(owner, endpoint_id) is None:
                return None
            self.enable(owner, endpoint_id)
        columns = {k: v for k, v in changes.items() if k in ("url", "description")}
        if "event_types" in changes:
            columns["event_types"] = json.dumps(sorted(set(changes["event_types"])))
        if changes.get("enabled") is False:
            columns |= {"enabled": 0, "disabled_reason": PAUSED, "disabled_at": _now()}
        with self.db.transaction(write=True) as cur:
            assignments = ", ".join(f"{name} = ?" for name in columns) or "id = id"
            cur.execute(
                f"UPDATE {{t}}wh_endpoints SET {assignments} WHERE id = ? AND owner = ? "
                f"RETURNING {_PUBLIC_COLUMNS}",
                (*columns.values(), endpoint_id, owner),
            )
            row = cur.fetchone()
        return None if row is None else public_endpoint(row)


PAUSED = "paused by its owner"


def _now() -> str:
    return rfc3339(datetime.now(UTC))


def _trigger(attempt: dict[str, Any]) -> str:
    if attempt["event_type"] == "webhook.test":
        return "test"
    if attempt["attempt"] > 1:
        return "retry"
    return "replay" if attempt["replay"] else "first"
