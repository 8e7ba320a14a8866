"""Exhibitions and the works that hang in them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from api import responses as r
from api.auth import require
from api.idempotency import execute, idempotent
from api.openapi import Blueprint
from api.schemas import day, slug, text
from ledger import commands as c
from ledger.actors import Role

blp = Blueprint("exhibitions", __name__, url_prefix="/v1/exhibitions", description="Exhibitions")


class ExhibitionIn(Schema):
    program = slug(required=True)
    title = text(300, required=True)
    venue = text(300, required=True)
    opens_on = day(required=True)
    closes_on = day(required=True)
    partner = text(200, load_default=None, allow_none=True)


class HangIn(Schema):
    work_id = fields.UUID(required=True)


@blp.post("")
@require(Role.STAFF)
@blp.arguments(ExhibitionIn)
@blp.response(201, r.Created)
@idempotent(201)
def schedule(data: dict[str, Any]) -> dict[str, Any]:
    """Schedule an exhibition"""
    return execute(c.ScheduleExhibition(**data), lambda r: {"id": str(r.id)})


@blp.post("/<uuid:exhibition_id>/works")
@require(Role.STAFF)
@blp.arguments(HangIn)
@blp.response(201, r.Hung)
@idempotent(201)
def hang(data: dict[str, Any], exhibition_id: UUID) -> dict[str, Any]:
    """Hang a work (409 if its ownership is not declared); credits the declared owner"""
    work_id = data["work_id"]
    return execute(
        c.HangWork(exhibition_id, work_id),
        lambda r: {
            "exhibition_id": str(exhibition_id),
            "work_id": str(work_id),
            "credited_artist": str(r.credited_artist),
        },
    )
