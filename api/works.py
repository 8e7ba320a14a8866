"""Ownership declarations (the write side of the registry)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require
from api.idempotency import idempotent, written
from api.schemas import sha256, text
from api.services import services

blp = Blueprint("works", __name__, url_prefix="/v1/works", description="Ownership declarations")


class WorkIn(Schema):
    title = text(300, required=True)
    content_sha256 = sha256(required=True)
    generation_ids = fields.List(
        fields.UUID(), required=True, validate=validate.Length(min=1, max=500)
    )
    statement = text(10_000, multiline=True, required=True)


@blp.post("")
@require(
    "artist",
    why="only the artist who made a work can declare its ownership; staff, partners and "
    "tool providers never own works",
)
@blp.arguments(WorkIn)
@blp.response(201)
@idempotent(201)
def declare_ownership(data: dict[str, Any]) -> dict[str, Any]:
    """Declare ownership of a work (the artist who recorded its generations)"""
    return written(services().ledger.declare_ownership(g.actor, idempotency=g.idempotency, **data))
