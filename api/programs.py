"""Programs and their tools."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import require
from api.idempotency import idempotent, written
from api.schemas import DateRange, day, integer, slug, text, tool_key
from api.services import services

blp = Blueprint("programs", __name__, url_prefix="/v1/programs", description="Programs and tools")


class ProgramIn(DateRange):
    _range = ("starts_on", "ends_on")
    slug = slug(required=True)
    name = text(200, required=True)
    city = text(100, required=True)
    starts_on = day(required=True)
    ends_on = day(required=True)
    capacity = integer(1, 10_000, required=True, strict=True)


class ToolIn(Schema):
    tool = tool_key(required=True)
    name = text(200, required=True)
    provider = text(200, required=True)
    version = text(64, required=True)
    capabilities = fields.List(text(500), required=True, validate=validate.Length(max=50))
    limitations = fields.List(text(500), required=True, validate=validate.Length(max=50))


class DisclosureIn(Schema):
    version = text(64, required=True)
    capabilities = fields.List(text(500), required=True, validate=validate.Length(max=50))
    limitations = fields.List(text(500), required=True, validate=validate.Length(max=50))


@blp.post("")
@require("staff")
@blp.arguments(ProgramIn)
@blp.response(201)
@idempotent(201)
def open_program(data: dict[str, Any]) -> dict[str, Any]:
    """Open a program"""
    return written(
        services().ledger.open_program(
            g.actor,
            data["slug"],
            data["name"],
            data["city"],
            data["starts_on"].isoformat(),
            data["ends_on"].isoformat(),
            data["capacity"],
            idempotency=g.idempotency,
        )
    )


@blp.get("/<slug>")
@require()
@blp.response(200)
def get_program(slug: str) -> dict[str, Any]:
    """A program, its tools with their disclosures, and its seats"""
    return services().ledger.get_program(slug)


@blp.post("/<slug>/tools")
@require("staff")
@blp.arguments(ToolIn)
@blp.response(201)
@idempotent(201)
def register_tool(data: dict[str, Any], slug: str) -> dict[str, Any]:
    """Register a tool with its disclosure (capabilities and limitations)"""
    return written(
        services().ledger.register_tool(g.actor, slug, idempotency=g.idempotency, **data)
    )


@blp.post("/<slug>/tools/<tool>/disclosure")
@require("staff")
@blp.arguments(DisclosureIn)
@blp.response(200)
@idempotent(200)
def update_disclosure(data: dict[str, Any], slug: str, tool: str) -> dict[str, Any]:
    """Update a tool's disclosure (a new version, capabilities, limitations)"""
    return written(
        services().ledger.update_tool_disclosure(
            g.actor, slug, tool, idempotency=g.idempotency, **data
        )
    )


@blp.post("/<slug>/close")
@require("staff")
@blp.response(200)
@idempotent(200)
def close_program(slug: str) -> dict[str, Any]:
    """Close a program: no more applications, admissions or tool registrations"""
    return written(services().ledger.close_program(g.actor, slug, idempotency=g.idempotency))
