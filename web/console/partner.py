"""Partners: their webhook endpoints (create, edit, pause and resume, rotate
the secret, delete), each endpoint's delivery log (every attempt with its
status and timing), resending one message, replaying from a log position, a
test event; and the event-type catalog with an example payload per type.

The same schemas, URL check (`api.webhooks.check_url`, the SSRF guard) and
stores as the API's `/v1/webhooks` views; a partner sees only its own
endpoints (`owner_of`), another's is 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, request
from werkzeug.wrappers import Response

from api.errors import ProblemError
from api.services import system
from api.webhooks import EndpointIn, EndpointPatch, ReplayIn, check_url
from ledger.actors import Role
from ledger.events import EVENT_TYPES
from ledger.idempotency import DuplicateRequest
from web.console import deliveries, session, ui
from web.console.examples import examples
from web.console.forms import Refusal, done, form, idempotency_key, load
from webhooks.manual import ManualDeliveries
from webhooks.store import owner_of

blp = Blueprint("partner", __name__, url_prefix="/partner")
ENDPOINTS_PER_PAGE = 50
ATTEMPTS_PER_PAGE = 50
TYPES = [(t, t) for t in EVENT_TYPES.values()]


@blp.app_template_filter("failure")
def failure(error: str | None) -> str | None:
    return deliveries.reason(error)


@blp.app_template_filter("disabled_because")
def disabled_because(text: str | None) -> str | None:
    return deliveries.disabled_because(text)


@blp.app_context_processor
def _hints() -> dict[str, Any]:
    return {"url_hint": url_hint}


def url_hint() -> str:
    """What the URL field accepts, as the SSRF guard will judge it here."""
    if system().settings.webhook_allow_private:
        return (
            "An http or https URL; this server also accepts loopback and private addresses "
            "(set for local testing). Events are POSTed here, signed."
        )
    return (
        "An http or https URL at a public address (https keeps the events private on the way). "
        "Events are POSTed here, signed."
    )


def _owner() -> str:
    return owner_of(session.actor())


def _owned(endpoint_id: UUID) -> dict[str, Any]:
    endpoint = system().endpoints.get(_owner(), str(endpoint_id))
    if endpoint is None:
        raise ProblemError(404, f"You have no webhook endpoint {endpoint_id}.", title="Not found")
    return endpoint


def endpoints_page(refusal: Refusal | None = None, **created: Any) -> str:
    after = request.args.get("after") or None
    items = system().endpoints.list(_owner(), after, ENDPOINTS_PER_PAGE)
    more = items[-1]["id"] if len(items) == ENDPOINTS_PER_PAGE else None
    return ui.page(
        "console/partner/endpoints.html",
        position=system().log.head(),
        endpoints=items,
        more=more,
        types=TYPES,
        refusal=refusal,
        **created,
    )


@blp.get("/endpoints")
@session.allow(Role.PARTNER)
def endpoints() -> str:
    return endpoints_page()


@blp.post("/endpoints")
@session.allow(Role.PARTNER)
@form("create", endpoints_page)
def create() -> tuple[str, int]:
    """The secret is on this page alone: it is never shown again."""
    data = load(EndpointIn)
    check_url(data["url"])
    key = idempotency_key(201)
    try:
        endpoint, secret = system().endpoints.create(
            _owner(),
            data["url"].strip(),
            data["event_types"],
            data["description"],
            system().log.head(),
            idempotency=key,
        )
    except DuplicateRequest as duplicate:  # the same form sent twice: one endpoint
        stored = duplicate.stored.for_request(key.request_hash if key else "").body
        endpoint, secret = stored, stored["secret"]
    return endpoints_page(created=endpoint, secret=secret), 201


def endpoint_page(endpoint_id: UUID, refusal: Refusal | None = None, **extra: Any) -> str:
    endpoint = _owned(endpoint_id)
    after = ui.cursor("after") or 0
    attempts = system().endpoints.attempts(endpoint["id"], after, ATTEMPTS_PER_PAGE)
    return ui.page(
        "console/partner/endpoint.html",
        position=endpoint["position"],
        endpoint=endpoint,
        attempts=attempts,
        more=attempts[-1]["id"] if len(attempts) == ATTEMPTS_PER_PAGE else None,
        types=TYPES,
        refusal=refusal,
        **extra,
    )


@blp.get("/endpoints/<uuid:endpoint_id>")
@session.allow(Role.PARTNER)
def endpoint(endpoint_id: UUID) -> str:
    return endpoint_page(endpoint_id)


def _updated(endpoint_id: UUID, changes: dict[str, Any], notice: str) -> Response:
    _owned(endpoint_id)
    if "url" in changes:
        changes["url"] = check_url(changes["url"])
    updated = system().endpoints.update(_owner(), str(endpoint_id), changes)
    if updated is None:
        raise ProblemError(404, f"You have no webhook endpoint {endpoint_id}.", title="Not found")
    return done("console.partner.endpoint", updated["position"], notice, endpoint_id=endpoint_id)


@blp.post("/endpoints/<uuid:endpoint_id>")
@session.allow(Role.PARTNER)
@form("edit", endpoint_page)
def edit(endpoint_id: UUID) -> Response:
    return _updated(endpoint_id, load(EndpointPatch, keep_empty=("description",)), "updated")


@blp.post("/endpoints/<uuid:endpoint_id>/enabled")
@session.allow(Role.PARTNER)
@form("enabled", endpoint_page)
def pause_or_resume(endpoint_id: UUID) -> Response:
    changes = load(EndpointPatch)
    return _updated(endpoint_id, changes, "resumed" if changes.get("enabled") else "paused")


@blp.post("/endpoints/<uuid:endpoint_id>/rotate-secret")
@session.allow(Role.PARTNER)
@form("rotate", endpoint_page)
def rotate(endpoint_id: UUID) -> str:
    """The new secret is on this page alone; the old one signs beside it for 24 h."""
    rotated = system().endpoints.rotate_secret(_owner(), str(endpoint_id))
    if rotated is None:
        raise ProblemError(404, f"You have no webhook endpoint {endpoint_id}.", title="Not found")
    return endpoint_page(endpoint_id, secret=rotated[1])


@blp.post("/endpoints/<uuid:endpoint_id>/test")
@session.allow(Role.PARTNER)
@form("test", endpoint_page)
def send_test(endpoint_id: UUID) -> Response:
    ManualDeliveries(system().db).send_test(_owned(endpoint_id))
    return done("console.partner.endpoint", system().log.head(), "test", endpoint_id=endpoint_id)


@blp.post("/endpoints/<uuid:endpoint_id>/replay")
@session.allow(Role.PARTNER)
@form("replay", endpoint_page)
def replay(endpoint_id: UUID) -> Response:
    endpoint = _owned(endpoint_id)
    ManualDeliveries(system().db).replay(endpoint["id"], load(ReplayIn)["after"])
    return done("console.partner.endpoint", system().log.head(), "replay", endpoint_id=endpoint_id)


@blp.post("/endpoints/<uuid:endpoint_id>/messages/<message_id>/resend")
@session.allow(Role.PARTNER)
@form("resend-{message_id}", endpoint_page)
def resend(endpoint_id: UUID, message_id: str) -> Response:
    endpoint = _owned(endpoint_id)
    if ManualDeliveries(system().db).resend(endpoint["id"], message_id) is None:
        raise ProblemError(404, f"This endpoint has no message {message_id}.", title="Not found")
    return done("console.partner.endpoint", system().log.head(), "resent", endpoint_id=endpoint_id)


@blp.get("/endpoints/<uuid:endpoint_id>/delete")
@session.allow(Role.PARTNER)
def confirm_delete(endpoint_id: UUID) -> str:
    return ui.page("console/partner/delete.html", endpoint=_owned(endpoint_id))


@blp.post("/endpoints/<uuid:endpoint_id>/delete")
@session.allow(Role.PARTNER)
def delete(endpoint_id: UUID) -> Response:
    if not system().endpoints.delete(_owner(), str(endpoint_id)):
        raise ProblemError(404, f"You have no webhook endpoint {endpoint_id}.", title="Not found")
    return done("console.partner.endpoints", system().log.head(), "deleted")


@blp.get("/event-types")
@session.allow(Role.PARTNER)
def event_types() -> str:
    return ui.page("console/partner/event_types.html", examples=examples())
