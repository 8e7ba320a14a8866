"""Partner webhook endpoints: register, list, change, delete, rotate,
enable, the delivery log, replay, resend and a test event. A partner sees
only its own endpoints; another partner's are 404, exactly like ones that do
not exist, and so is an id that is not a UUID (the `uuid` converter: no
malformed id reaches the database)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response, g
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api import webhook_responses as wr
from api.auth import require
from api.errors import ProblemError
from api.freshness import refuse_beyond_head
from api.idempotency import idempotent
from api.locations import read_at
from api.openapi import Blueprint, problems
from api.schemas import MAX_POSITION, Text, integer, text
from api.services import system
from api.webhook_reads import DeliveriesQuery, EndpointQuery, ListQuery, answer_at_once, fanned_out
from ledger.actors import Role
from ledger.events import PUBLIC_TYPES
from ledger.idempotency import StoredResponse
from webhooks.manual import ManualDeliveries
from webhooks.ssrf import UnsafeURL, check
from webhooks.store import EndpointStore, owner_of

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/v1/webhooks",
    description="Partner webhooks (Standard Webhooks)",
)


class EndpointIn(Schema):
    url = text(2000, required=True)
    event_types = fields.List(
        Text(validate=validate.OneOf(sorted(PUBLIC_TYPES))),
        load_default=list,
        validate=validate.Length(max=len(PUBLIC_TYPES)),
        metadata={"description": "event types to receive; empty or absent: all"},
    )
    description = text(500, min_length=0, multiline=True, load_default="")


class EndpointPatch(Schema):
    url = text(2000)
    event_types = fields.List(
        Text(validate=validate.OneOf(sorted(PUBLIC_TYPES))),
        validate=validate.Length(max=len(PUBLIC_TYPES)),
        metadata={"description": "event types to receive; empty: all"},
    )
    description = text(500, min_length=0, multiline=True)
    enabled = fields.Boolean(
        truthy={True},
        falsy={False},
        metadata={"description": "false pauses deliveries; true resumes them"},
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data:
            raise ValidationError("give at least one of url, event_types, description, enabled")


class ReplayIn(Schema):
    after = integer(
        0,
        MAX_POSITION,
        required=True,
        strict=True,
        metadata={"description": "redeliver messages past this log position"},
    )


def _store() -> EndpointStore:
    return system().endpoints


def _manual() -> ManualDeliveries:
    return ManualDeliveries(system().db)


def _not_yours(endpoint_id: UUID) -> ProblemError:
    """The one answer for another partner's endpoint and for a missing one."""
    return ProblemError(404, f"no webhook endpoint {endpoint_id} of yours")


def _owned(endpoint_id: UUID) -> dict[str, Any]:
    endpoint = _store().get(owner_of(g.actor), str(endpoint_id))
    if endpoint is None:
        raise _not_yours(endpoint_id)
    return endpoint


def _page(items: list[dict[str, Any]], limit: int, key: str) -> dict[str, Any]:
    return {"items": items, "next": items[-1][key] if len(items) == limit else None}


def _registration(scope: str, key: str) -> StoredResponse | None:
    return _store().lookup_idempotent(scope, key)


def check_url(url: str) -> str:
    """The URL, stripped, once the SSRF guard allows it (422 naming why not)."""
    settings = system().settings
    try:
        check(
            url,
            allow_private=settings.webhook_allow_private,
            resolve_timeout=settings.webhook_timeout,
        )
    except UnsafeURL as error:
        raise ProblemError(
            422, str(error), title="Unsafe webhook URL", errors={"url": [str(error)]}
        ) from error
    return url.strip()


@blp.post("/endpoints")
@require(Role.PARTNER)
@blp.arguments(EndpointIn)
@blp.response(
    201,
    wr.EndpointWithSecret,
    location=read_at("webhooks.get_endpoint", "the endpoint", endpoint_id="id"),
)
@idempotent(201, lookup=_registration)
def create_endpoint(data: dict[str, Any]) -> dict[str, Any]:
    """Register an endpoint; the response shows its signing secret, once"""
    check_url(data["url"])
    endpoint, secret = _store().create(
        owner_of(g.actor),
        data["url"].strip(),
        data["event_types"],
        data["description"],
        system().log.head(),
        idempotency=g.idempotency,
    )
    return endpoint | {"secret": secret}


@blp.get("/endpoints")
@require(Role.PARTNER)
@blp.arguments(ListQuery, location="query")
@blp.response(200, wr.EndpointPage)
def list_endpoints(query: dict[str, Any]) -> dict[str, Any]:
    """Your endpoints (written as they are registered: `min_position` answers at once)"""
    answer_at_once(query["min_position"])
    after = query["after"]
    items = _store().list(owner_of(g.actor), str(after) if after else None, query["limit"])
    return _page(items, query["limit"], "id")


@blp.get("/endpoints/<uuid:endpoint_id>")
@require(Role.PARTNER)
@blp.arguments(EndpointQuery, location="query")
@blp.response(200, wr.Endpoint)
def get_endpoint(query: dict[str, Any], endpoint_id: UUID) -> dict[str, Any]:
    """One of your endpoints, with its state and the position its messages have reached
    (`min_position` answers at once: the deliveries wait for it)"""
    answer_at_once(query["min_position"])
    return _owned(endpoint_id)


@blp.patch("/endpoints/<uuid:endpoint_id>")
@require(Role.PARTNER)
@blp.arguments(EndpointPatch)
@blp.response(200, wr.Endpoint)
def update_endpoint(data: dict[str, Any], endpoint_id: UUID) -> dict[str, Any]:
    """Change an endpoint's url (checked again), event types, description, or
    pause (`enabled: false`) and resume it"""
    _owned(endpoint_id)
    if "url" in data:
        data["url"] = check_url(data["url"])
    endpoint = _store().update(owner_of(g.actor), str(endpoint_id), data)
    if endpoint is None:
        raise _not_yours(endpoint_id)
    return endpoint


@blp.delete("/endpoints/<uuid:endpoint_id>")
@require(Role.PARTNER)
@blp.response(204)
def delete_endpoint(endpoint_id: UUID) -> Response:
    """Remove an endpoint and its delivery log"""
    if not _store().delete(owner_of(g.actor), str(endpoint_id)):
        raise _not_yours(endpoint_id)
    removed = Response(status=204)
    del removed.headers["Content-Type"]  # no content, so no type (werkzeug's default: text/html)
    return removed


@blp.post("/endpoints/<uuid:endpoint_id>/rotate-secret")
@require(Role.PARTNER)
@blp.response(200, wr.EndpointWithSecret)
def rotate_secret(endpoint_id: UUID) -> dict[str, Any]:
    """A new secret; the previous one keeps signing beside it for 24 h"""
    rotated = _store().rotate_secret(owner_of(g.actor), str(endpoint_id))
    if rotated is None:
        raise _not_yours(endpoint_id)
    endpoint, secret = rotated
    return endpoint | {"secret": secret}


@blp.post("/endpoints/<uuid:endpoint_id>/enable")
@require(Role.PARTNER)
@blp.response(200, wr.Endpoint)
def enable_endpoint(endpoint_id: UUID) -> dict[str, Any]:
    """Re-enable a disabled endpoint; delivery resumes where it stopped"""
    endpoint = _store().enable(owner_of(g.actor), str(endpoint_id))
    if endpoint is None:
        raise _not_yours(endpoint_id)
    return endpoint


@blp.get("/endpoints/<uuid:endpoint_id>/deliveries")
@require(Role.PARTNER)
@blp.arguments(DeliveriesQuery, location="query")
@blp.response(200, wr.AttemptPage)
@problems(409)  # a disabled endpoint's messages cannot reach `min_position`
def deliveries(query: dict[str, Any], endpoint_id: UUID) -> dict[str, Any]:
    """The delivery log: every attempt with its status code, latency and error, and the
    `position` up to which every event has become a message (`min_position` waits for it)"""
    endpoint = fanned_out(lambda: _owned(endpoint_id), endpoint_id, query["min_position"])
    items = _store().attempts(endpoint["id"], query["after"], query["limit"])
    return _page(items, query["limit"], "id") | {"position": endpoint["position"]}


@blp.post("/endpoints/<uuid:endpoint_id>/replay")
@require(Role.PARTNER)
@blp.arguments(ReplayIn)
@blp.response(202, wr.Replay)
def replay(data: dict[str, Any], endpoint_id: UUID) -> dict[str, Any]:
    """Redeliver every message past log position `after`, with the original
    webhook-ids; 422 naming the head when `after` lies beyond it"""
    endpoint = _owned(endpoint_id)
    refuse_beyond_head(data["after"], "after")
    queued = _manual().replay(endpoint["id"], data["after"])
    return {"endpoint_id": endpoint["id"], "after": data["after"], "queued": queued}


@blp.post("/endpoints/<uuid:endpoint_id>/messages/<message_id>/resend")
@require(Role.PARTNER)
@blp.response(202, wr.Resent)
def resend(endpoint_id: UUID, message_id: str) -> dict[str, Any]:
    """Send one message again, by its webhook-id (`msg_...`), with the same id
    and body; `queued` is false when it was still waiting anyway"""
    endpoint = _owned(endpoint_id)
    queued = _manual().resend(endpoint["id"], message_id)
    if queued is None:
        raise ProblemError(404, f"endpoint {endpoint_id} has no message {message_id}")
    return {"endpoint_id": endpoint["id"], "message_id": message_id, "queued": queued}


@blp.post("/endpoints/<uuid:endpoint_id>/test")
@require(Role.PARTNER)
@blp.response(202, wr.TestQueued)
@problems(409)  # a disabled endpoint
def send_test(endpoint_id: UUID) -> dict[str, Any]:
    """Queue a `webhook.test` event to this endpoint only, signed and logged
    like any other delivery"""
    return _manual().send_test(_owned(endpoint_id))
