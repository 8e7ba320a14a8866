"""The response bodies of the webhook endpoints (`api.responses` has the rest
and the field helpers); they document only, as there."""

from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import OneOf

from api.responses import Body, cursor, instant, integer, many, string, strings, uuid


class Endpoint(Body):
    id = uuid()
    url = string()
    description = string()
    event_types = strings()
    enabled = fields.Boolean(required=True)
    disabled_reason = string(allow_none=True)
    disabled_at = instant(allow_none=True)
    previous_secret_expires_at = instant(allow_none=True)
    position = integer()
    sequence = integer()
    created_at = instant()


class EndpointWithSecret(Endpoint):
    secret = string(metadata={"description": "whsec_...: shown once"})


class EndpointPage(Body):
    items = many(Endpoint)
    next = uuid(allow_none=True, metadata={"description": "pass as `after`; null: no more"})


class Attempt(Body):
    id = integer()
    webhook_id = string()
    event_type = string()
    position = integer()
    sequence = integer()
    attempt = integer()
    attempted_at = instant()
    status_code = integer(allow_none=True)
    latency_ms = fields.Float(required=True)
    ok = fields.Boolean(required=True)
    error = string(allow_none=True)
    next_attempt_at = instant(allow_none=True)
    trigger = string(
        validate=OneOf(["first", "retry", "replay", "test"]),
        metadata={
            "description": "why: a message's first attempt, a retry, a replay or resend, "
            "a test event"
        },
    )
    replay = fields.Boolean(required=True, metadata={"description": "an attempt of a redelivery"})


class AttemptPage(Body):
    items = many(Attempt)
    next = cursor()
    position = integer(
        metadata={
            "description": "every event up to this log position that this endpoint takes "
            "has become a message for it; its attempts follow as they are made"
        }
    )


class Resent(Body):
    endpoint_id = uuid()
    message_id = string()
    queued = fields.Boolean(required=True)


class TestQueued(Body):
    endpoint_id = uuid()
    webhook_id = string()
    sequence = integer()


class Replay(Body):
    endpoint_id = uuid()
    after = integer()
    queued = integer()
