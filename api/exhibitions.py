"""Exhibitions and the works that hang in them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema, fields

from api import responses as r
from api.auth import require
from api.conditional import etagged
from api.errors import ProblemError
from api.idempotency import execute, idempotent
from api.locations import FROM_A_VIEW, read_at
from api.openapi import Blueprint
from api.reads import fresh, tag_views
from api.schemas import cursor_field, day, limit_field, min_position_field, slug, text
from api.services import system
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


class ExhibitionsQuery(Schema):
    program = slug()
    after = cursor_field()
    limit = limit_field()
    min_position = min_position_field()


class ExhibitionQuery(Schema):
    min_position = min_position_field()


def _fresh(min_position: int | None) -> None:
    """Exhibitions come from the catalog, their works' titles and credits
    from the registry: both must have reached the position."""
    fresh("catalog", min_position)
    fresh("registry", min_position)
    tag_views("catalog", "registry")


@blp.get("")
@etagged
@blp.arguments(ExhibitionsQuery, location="query")
@blp.response(200, r.ExhibitionPage)
def list_exhibitions(query: dict[str, Any]) -> dict[str, Any]:
    """Exhibitions in the order they were scheduled, with their works and credited names
    (public)"""
    _fresh(query.pop("min_position"))
    items, cursor, position = system().read_models.exhibitions(**query)
    return {"items": items, "next": cursor, "position": position}


@blp.get("/<uuid:exhibition_id>")
@etagged
@blp.arguments(ExhibitionQuery, location="query")
@blp.response(200, r.Exhibition)
def get_exhibition(query: dict[str, Any], exhibition_id: UUID) -> dict[str, Any]:
    """An exhibition with its works and their credited names (public)"""
    _fresh(query["min_position"])
    exhibition = system().read_models.exhibition(str(exhibition_id))
    if exhibition is None:
        raise ProblemError(404, f"no exhibition {exhibition_id}", title="Not Found")
    return exhibition


@blp.post("")
@require(Role.STAFF)
@blp.arguments(ExhibitionIn)
@blp.response(
    201,
    r.Created,
    location=read_at(
        "exhibitions.get_exhibition", "the exhibition" + FROM_A_VIEW, exhibition_id="id"
    ),
)
@idempotent(201)
def schedule(data: dict[str, Any]) -> dict[str, Any]:
    """Schedule an exhibition"""
    return execute(c.ScheduleExhibition(**data), lambda r: {"id": str(r.id)})


@blp.post("/<uuid:exhibition_id>/works")
@require(Role.STAFF)
@blp.arguments(HangIn)
@blp.response(
    201,
    r.Hung,
    location=read_at(
        "exhibitions.get_exhibition",
        "the exhibition, whose `works` list it" + FROM_A_VIEW,
        exhibition_id="exhibition_id",
    ),
)
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
