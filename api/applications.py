"""Applications, admissions, participants' tool grants and generations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, validate

from api import responses as r
from api.auth import require
from api.idempotency import execute, idempotent
from api.locations import FROM_A_VIEW, Location, path_of, read_at
from api.openapi import Blueprint
from api.schemas import MEDIA_TYPE, Email, Text, Url, instant, sha256_in, text, tool_key
from ledger import commands as c
from ledger.actors import Role
from ledger.events import rfc3339

blp = Blueprint(
    "applications", __name__, url_prefix="/v1", description="Applications and participants"
)


class ApplicationIn(Schema):
    artist_name = text(200, required=True)
    email = Email(required=True, validate=validate.Length(max=254))
    portfolio_url = Url(
        required=True, schemes={"http", "https"}, validate=validate.Length(min=1, max=2000)
    )
    statement = text(10_000, multiline=True, required=True)


class ReasonIn(Schema):
    reason = text(2_000, multiline=True, required=True)


class DisplayNameIn(Schema):
    display_name = text(200, required=True)


class GrantIn(Schema):
    tool = tool_key(required=True)
    expires_at = instant(load_default=None, allow_none=True)


class GenerationIn(Schema):
    tool = tool_key(required=True)
    tool_version = text(64, required=True)
    output_sha256 = sha256_in(required=True)
    media_type = Text(required=True, validate=MEDIA_TYPE)
    prompt_sha256 = sha256_in(load_default=None, allow_none=True)
    generated_at = instant(load_default=None, allow_none=True)


@blp.post("/programs/<slug>/applications")
@require(Role.STAFF)
@blp.arguments(ApplicationIn)
@blp.response(
    201,
    r.ApplicationState,
    location=read_at(
        "participants.get_application", "the application" + FROM_A_VIEW, application_id="id"
    ),
)
@idempotent(201)
def submit_application(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Record an application"""
    command = c.SubmitApplication(program=slug, **data)
    return execute(command, lambda r: {"id": str(r.id), "status": "applied"})


def _status(result: Any) -> dict[str, Any]:
    return {"id": str(result.id), "status": result.status}


@blp.post("/applications/<uuid:application_id>/admit")
@require(Role.STAFF)
@blp.response(200, r.Admitted)
@idempotent(200)
def admit(application_id: UUID) -> dict[str, Any]:
    """Admit an applicant (409 when the program is full or the application is not pending)"""
    return execute(
        c.AdmitApplicant(application_id), lambda r: _status(r) | {"seats_left": r.seats_left}
    )


@blp.post("/applications/<uuid:application_id>/decline")
@require(Role.STAFF)
@blp.arguments(ReasonIn)
@blp.response(200, r.ApplicationState)
@idempotent(200)
def decline(data: dict[str, Any], application_id: UUID) -> dict[str, Any]:
    """Decline an application"""
    return execute(c.DeclineApplication(application_id, data["reason"]), _status)


@blp.post("/applications/<uuid:application_id>/withdraw")
@require(Role.STAFF)
@blp.arguments(ReasonIn)
@blp.response(200, r.ApplicationState)
@idempotent(200)
def withdraw(data: dict[str, Any], application_id: UUID) -> dict[str, Any]:
    """Record that a participant withdrew; releases the seat"""
    return execute(c.WithdrawParticipant(application_id, data["reason"]), _status)


@blp.post("/participants/<uuid:participant_id>/display-name")
@require(Role.ARTIST, Role.STAFF)
@blp.arguments(DisplayNameIn)
@blp.response(200, r.DisplayNameChanged)
@idempotent(200)
def change_display_name(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Change an admitted participant's display name, their public credit (the artist, or staff)"""
    command = c.ChangeDisplayName(participant_id, data["display_name"])
    # The name stays out of the response: a stored (idempotent) response outlives an erasure.
    return execute(command, lambda _: {"participant_id": str(participant_id)})


@blp.post("/participants/<uuid:participant_id>/erase")
@require(Role.STAFF)
@blp.arguments(ReasonIn)
@blp.response(200, r.Erased)
@idempotent(200)
def erase(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Erase a person's personal data (409 if already erased); the log and its proofs stay"""
    command = c.ErasePersonalData(participant_id, data["reason"])
    return execute(command, lambda r: _status(r) | {"erased": True})


@blp.post("/participants/<uuid:participant_id>/grants")
@require(Role.STAFF)
@blp.arguments(GrantIn)
@blp.response(
    201,
    r.Granted,
    location=read_at(
        "participants.get_participant",
        "the participant, whose `grants` list it (a grant has no address of its own)" + FROM_A_VIEW,
        participant_id="participant_id",
    ),
)
@idempotent(201)
def grant(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Grant a participant access to a registered tool (409 while they hold it: revoke first)"""
    command = c.GrantTool(participant_id, **data)
    expires = rfc3339(command.expires_at) if command.expires_at else None
    body = {"participant_id": str(participant_id), "tool": command.tool, "expires_at": expires}
    return execute(command, lambda _: body)


@blp.post("/participants/<uuid:participant_id>/grants/<tool>/revoke")
@require(Role.STAFF)
@blp.arguments(ReasonIn)
@blp.response(200, r.Revoked)
@idempotent(200)
def revoke(data: dict[str, Any], participant_id: UUID, tool: str) -> dict[str, Any]:
    """Revoke a participant's access to a tool"""
    body = {"participant_id": str(participant_id), "tool": tool}
    return execute(c.RevokeTool(participant_id, tool, data["reason"]), lambda _: body)


def _generation_page(body: dict[str, Any], path: dict[str, Any]) -> str:
    # A generation is one event, at the answer's `position`, and the page's
    # cursor is a log position: the page after the one before starts with it.
    page = path_of("participants.get_generations", participant_id=path["participant_id"])
    return f"{page}?after={body['position'] - 1}&limit=1"


GENERATION = Location(
    "a page of the participant's generations that holds this one alone "
    "(`?after=<position - 1>&limit=1`: a generation has no address of its own)" + FROM_A_VIEW,
    _generation_page,
)


@blp.post("/participants/<uuid:participant_id>/generations")
@require(Role.ARTIST, Role.STAFF)
@blp.arguments(GenerationIn)
@blp.response(201, r.Created, location=GENERATION)
@idempotent(201)
def record_generation(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Record a generation (the artist themselves, or staff)"""
    command = c.RecordGeneration(participant_id, **data)
    return execute(command, lambda r: {"id": str(r.id)})
