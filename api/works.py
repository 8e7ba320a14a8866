"""Ownership declarations (the write side of the registry)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields, validate

from api import responses as r
from api.applications import ReasonIn
from api.auth import require
from api.idempotency import execute, idempotent
from api.locations import FROM_A_VIEW, read_at
from api.openapi import Blueprint
from api.schemas import sha256_in, text
from ledger import commands as c
from ledger.actors import Role

blp = Blueprint("works", __name__, url_prefix="/v1/works", description="Ownership declarations")


class WorkIn(Schema):
    title = text(300, required=True)
    content_sha256 = sha256_in(required=True)
    generation_ids = fields.List(
        fields.UUID(), required=True, validate=validate.Length(min=1, max=500)
    )
    statement = text(10_000, multiline=True, required=True)


@blp.post("")
@require(
    Role.ARTIST,
    why="only the artist who made a work can declare its ownership; staff, partners and "
    "tool providers never own works",
)
@blp.arguments(WorkIn)
@blp.response(
    201,
    r.Declared,
    location=read_at("reads.get_work", "the work's registry entry" + FROM_A_VIEW, work_id="id"),
)
@idempotent(201)
def declare_ownership(data: dict[str, Any]) -> dict[str, Any]:
    """Declare ownership of a work (the artist who recorded its generations)"""
    command = c.DeclareOwnership(**data)
    return execute(
        command,
        lambda r: {
            "id": str(r.id),
            "content_sha256": command.content_sha256,
            "owner": str(r.owner),
        },
    )


@blp.post("/<uuid:work_id>/retract")
@require(Role.ARTIST, why="only the artist who declared a work can retract its declaration")
@blp.arguments(ReasonIn)
@blp.response(200, r.WorkState)
@idempotent(200)
def retract(data: dict[str, Any], work_id: UUID) -> dict[str, Any]:
    """Retract your declaration (an event; the hash is free to be declared again)"""
    return execute(c.RetractDeclaration(work_id, data["reason"]), _state)


@blp.post("/<uuid:work_id>/dispute")
@require(Role.STAFF)
@blp.arguments(ReasonIn)
@blp.response(200, r.WorkState)
@idempotent(200)
def dispute(data: dict[str, Any], work_id: UUID) -> dict[str, Any]:
    """Mark a declaration disputed (an event; the declaration still stands)"""
    return execute(c.DisputeDeclaration(work_id, data["reason"]), _state)


def _state(result: Any) -> dict[str, Any]:
    # The reason stays out: a stored (idempotent) response outlives an erasure.
    return {"id": str(result.id), "status": result.status}
