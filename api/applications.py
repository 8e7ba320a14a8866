"""Applications, admissions, participants' tool grants and generations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, validate

from api.auth import require
from api.idempotency import idempotent, written
from api.schemas import MEDIA_TYPE, Email, Text, Url, instant, sha256, text, tool_key
from api.services import services

blp = Blueprint(
    "applications", __name__, url_prefix="/v1", description="Applications and participants"
)


class ApplicationIn(Schema):
    artist_name = text(200, required=True)
    email = Email(required=True, validate=validate.Length(max=254))
    portfolio_url = Url(
        required=True, schemes={"http", "https"}, validate=validate.Length(max=2000)
    )
    statement = text(10_000, multiline=True, required=True)


class ReasonIn(Schema):
    reason = text(2_000, multiline=True, required=True)


class GrantIn(Schema):
    tool = tool_key(required=True)
    expires_at = instant(load_default=None, allow_none=True)


class GenerationIn(Schema):
    tool = tool_key(required=True)
    tool_version = text(64, required=True)
    output_sha256 = sha256(required=True)
    media_type = Text(required=True, validate=MEDIA_TYPE)
    prompt_sha256 = sha256(load_default=None, allow_none=True)
    generated_at = instant(load_default=None, allow_none=True)


@blp.post("/programs/<slug>/applications")
@require("staff")
@blp.arguments(ApplicationIn)
@blp.response(201)
@idempotent(201)
def submit_application(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Record an application"""
    return written(
        services().ledger.submit_application(g.actor, slug, idempotency=g.idempotency, **data)
    )


@blp.post("/applications/<uuid:application_id>/admit")
@require("staff")
@blp.response(200)
@idempotent(200)
def admit(application_id: UUID) -> dict[str, Any]:
    """Admit an applicant (409 when the program is full or the application is not pending)"""
    return written(
        services().ledger.admit_applicant(g.actor, application_id, idempotency=g.idempotency)
    )


@blp.post("/applications/<uuid:application_id>/decline")
@require("staff")
@blp.arguments(ReasonIn)
@blp.response(200)
@idempotent(200)
def decline(data: dict[str, Any], application_id: UUID) -> dict[str, Any]:
    """Decline an application"""
    return written(
        services().ledger.decline_application(
            g.actor, application_id, data["reason"], idempotency=g.idempotency
        )
    )


@blp.post("/applications/<uuid:application_id>/withdraw")
@require("staff")
@blp.arguments(ReasonIn)
@blp.response(200)
@idempotent(200)
def withdraw(data: dict[str, Any], application_id: UUID) -> dict[str, Any]:
    """Record that a participant withdrew; releases the seat"""
    return written(
        services().ledger.withdraw_participant(
            g.actor, application_id, data["reason"], idempotency=g.idempotency
        )
    )


@blp.post("/participants/<uuid:participant_id>/grants")
@require("staff")
@blp.arguments(GrantIn)
@blp.response(201)
@idempotent(201)
def grant(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Grant a participant access to a registered tool"""
    return written(
        services().ledger.grant_tool(
            g.actor, participant_id, data["tool"], data["expires_at"], idempotency=g.idempotency
        )
    )


@blp.post("/participants/<uuid:participant_id>/grants/<tool>/revoke")
@require("staff")
@blp.arguments(ReasonIn)
@blp.response(200)
@idempotent(200)
def revoke(data: dict[str, Any], participant_id: UUID, tool: str) -> dict[str, Any]:
    """Revoke a participant's access to a tool"""
    return written(
        services().ledger.revoke_tool(
            g.actor, participant_id, tool, data["reason"], idempotency=g.idempotency
        )
    )


@blp.post("/participants/<uuid:participant_id>/generations")
@require("artist", "staff")
@blp.arguments(GenerationIn)
@blp.response(201)
@idempotent(201)
def record_generation(data: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """Record a generation (the artist themselves, or staff)"""
    return written(
        services().ledger.record_generation(
            g.actor, participant_id, idempotency=g.idempotency, **data
        )
    )
