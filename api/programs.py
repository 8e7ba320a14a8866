"""Programs and their tools."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api import responses as r
from api.auth import require
from api.conditional import etagged
from api.errors import ProblemError
from api.idempotency import execute, idempotent
from api.locations import FROM_A_VIEW, read_at
from api.openapi import Blueprint
from api.reads import fresh, tag_views
from api.schemas import (
    cursor_field,
    day,
    integer,
    limit_field,
    min_position_field,
    slug,
    text,
    tool_key,
)
from api.services import system
from ledger import commands as c
from ledger.actors import Role

blp = Blueprint("programs", __name__, url_prefix="/v1/programs", description="Programs and tools")


class ProgramIn(Schema):
    slug = slug(required=True)
    name = text(200, required=True)
    city = text(100, required=True)
    starts_on = day(required=True)
    ends_on = day(required=True)
    capacity = integer(1, 10_000, required=True, strict=True)


# A disclosure is one event, and an event one transparency-log leaf of at most
# 65,535 bytes (ledger.leaf): 2 lists x 20 items x 300 characters of up to 4
# UTF-8 bytes each is 48 KB, leaving room for the rest of the event.
DISCLOSURE_ITEMS = 20
DISCLOSURE_ITEM_LENGTH = 300


def disclosure_list() -> fields.List:
    return fields.List(
        text(DISCLOSURE_ITEM_LENGTH),
        required=True,
        validate=validate.Length(max=DISCLOSURE_ITEMS),
    )


class ToolIn(Schema):
    tool = tool_key(required=True)
    name = text(200, required=True)
    provider = text(200, required=True)
    version = text(64, required=True)
    capabilities = disclosure_list()
    limitations = disclosure_list()


class DisclosureIn(Schema):
    version = text(64, required=True)
    capabilities = disclosure_list()
    limitations = disclosure_list()


@blp.post("")
@require(Role.STAFF)
@blp.arguments(ProgramIn)
@blp.response(
    201,
    r.ProgramOpened,
    location=read_at("programs.get_program", "the program" + FROM_A_VIEW, slug="slug"),
)
@idempotent(201)
def open_program(data: dict[str, Any]) -> dict[str, Any]:
    """Open a program"""
    command = c.OpenProgram(**data)
    return execute(command, lambda r: {"id": str(r.id), "slug": command.slug})


class ProgramsQuery(Schema):
    after = cursor_field()
    limit = limit_field()
    min_position = min_position_field()


class ProgramQuery(Schema):
    min_position = min_position_field()


@blp.get("")
@etagged
@blp.arguments(ProgramsQuery, location="query")
@blp.response(200, r.ProgramPage)
def list_programs(query: dict[str, Any]) -> dict[str, Any]:
    """The programs, in the order they were opened (public)"""
    fresh("catalog", query["min_position"])
    tag_views("catalog")
    items, cursor, position = system().read_models.programs(
        after=query["after"], limit=query["limit"]
    )
    return {"items": items, "next": cursor, "position": position}


@blp.get("/<slug>")
@etagged
@blp.arguments(ProgramQuery, location="query")
@blp.response(200, r.Program)
def get_program(query: dict[str, Any], slug: str) -> dict[str, Any]:
    """A program (public): its tools with every dated disclosure, its seats, the admitted
    participants' display names and its exhibitions"""
    fresh("catalog", query["min_position"])
    tag_views("catalog")
    program = system().read_models.program(slug)
    if program is None:
        raise ProblemError(404, f"program {slug!r} not found", title="Not Found")
    return program


@blp.post("/<slug>/tools")
@require(Role.STAFF)
@blp.arguments(ToolIn)
@blp.response(
    201,
    r.ToolRegistered,
    location=read_at(
        "programs.get_program",
        "the program, whose `tools` list it (a tool has no address of its own)" + FROM_A_VIEW,
        slug="program",
    ),
)
@idempotent(201)
def register_tool(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Register a tool with its disclosure (capabilities and limitations)"""
    command = c.RegisterTool(program=slug, **data)
    return execute(command, lambda _: {"program": slug, "tool": command.tool})


@blp.post("/<slug>/tools/<tool>/disclosure")
@require(Role.STAFF)
@blp.arguments(DisclosureIn)
@blp.response(200, r.DisclosureUpdated)
@idempotent(200)
def update_disclosure(data: dict[str, Any], slug: str, tool: str) -> dict[str, Any]:
    """Update a tool's disclosure (a new version, capabilities, limitations)"""
    command = c.UpdateToolDisclosure(program=slug, tool=tool, **data)
    return execute(command, lambda _: {"program": slug, "tool": tool, "version": command.version})


@blp.post("/<slug>/close")
@require(Role.STAFF)
@blp.response(200, r.ProgramClosed)
@idempotent(200)
def close_program(slug: str) -> dict[str, Any]:
    """Close a program: no more applications, admissions or tool registrations"""
    return execute(c.CloseProgram(slug), lambda _: {"program": slug, "closed": True})
