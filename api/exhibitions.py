"""Exhibitions and the works that hang in them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import require
from api.idempotency import idempotent, written
from api.schemas import DateRange, day, slug, text
from api.services import services

blp = Blueprint("exhibitions", __name__, url_prefix="/v1/exhibitions", description="Exhibitions")


class ExhibitionIn(DateRange):
    _range = ("opens_on", "closes_on")
    program = slug(required=True)
    title = text(300, required=True)
    venue = text(300, required=True)
    opens_on = day(required=True)
    closes_on = day(required=True)
    partner = text(200, load_default=None, allow_none=True)


class HangIn(Schema):
    work_id = fields.UUID(required=True)


@blp.post("")
@require("staff")
@blp.arguments(ExhibitionIn)
@blp.response(201)
@idempotent(201)
def schedule(data: dict[str, Any]) -> dict[str, Any]:
    """Schedule an exhibition"""
    return written(
        services().ledger.schedule_exhibition(
            g.actor,
            data["program"],
            data["title"],
            data["venue"],
            data["opens_on"].isoformat(),
            data["closes_on"].isoformat(),
            data["partner"],
            idempotency=g.idempotency,
        )
    )


@blp.post("/<uuid:exhibition_id>/works")
@require("staff")
@blp.arguments(HangIn)
@blp.response(201)
@idempotent(201)
def hang(data: dict[str, Any], exhibition_id: UUID) -> dict[str, Any]:
    """Hang a work (409 if its ownership is not declared); credits the declared owner"""
    return written(
        services().ledger.hang_work(
            g.actor, exhibition_id, data["work_id"], idempotency=g.idempotency
        )
    )
