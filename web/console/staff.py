"""Staff: programs — open one, register its tools, update a disclosure, close it.

Reads come from the catalog view (`ReadModels.programs`, `program`), as
`GET /v1/programs` does; writes are the API's commands, loaded by its schemas.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from werkzeug.wrappers import Response

from api.errors import ProblemError
from api.programs import DisclosureIn, ProgramIn, ToolIn
from api.services import system
from ledger import commands as c
from ledger.actors import Role
from web.console import session, ui
from web.console.forms import Refusal, done, form, load, run

blp = Blueprint("staff", __name__, url_prefix="/staff")
PROGRAMS_PER_PAGE = 20


def program_or_404(slug: str) -> dict[str, Any]:
    program = system().read_models.program(slug)
    if program is None:
        raise ProblemError(404, f"There is no program {slug!r}.", title="No such program")
    return program


def programs_page(refusal: Refusal | None = None) -> str:
    position = ui.caught_up("catalog")
    after = ui.cursor("after")
    items, more, _ = system().read_models.programs(after=after or 0, limit=PROGRAMS_PER_PAGE)
    return ui.page(
        "console/staff/programs.html",
        position=position,
        programs=items,
        more=more,
        refusal=refusal,
    )


@blp.get("/programs")
@session.allow(Role.STAFF)
def programs() -> str:
    return programs_page()


@blp.post("/programs")
@session.allow(Role.STAFF)
@form("open", programs_page)
def open_program() -> Response:
    command = c.OpenProgram(**load(ProgramIn))
    written = run(command)
    return done("console.staff.program", written.position, "opened", slug=command.slug)


def program_page(slug: str, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("catalog")
    return ui.page(
        "console/staff/program.html",
        position=position,
        program=program_or_404(slug),
        refusal=refusal,
    )


@blp.get("/programs/<slug>")
@session.allow(Role.STAFF)
def program(slug: str) -> str:
    return program_page(slug)


@blp.post("/programs/<slug>/tools")
@session.allow(Role.STAFF)
@form("tool", program_page)
def register_tool(slug: str) -> Response:
    written = run(c.RegisterTool(program=slug, **load(ToolIn)))
    return done("console.staff.program", written.position, "tool", slug=slug)


@blp.post("/programs/<slug>/tools/<tool>/disclosure")
@session.allow(Role.STAFF)
@form("disclosure-{tool}", program_page)
def update_disclosure(slug: str, tool: str) -> Response:
    written = run(c.UpdateToolDisclosure(program=slug, tool=tool, **load(DisclosureIn)))
    return done("console.staff.program", written.position, "disclosure", slug=slug)


def close_page(slug: str, refusal: Refusal | None = None) -> str:
    return ui.page(
        "console/staff/close.html",
        position=ui.caught_up("catalog"),
        program=program_or_404(slug),
        refusal=refusal,
    )


@blp.get("/programs/<slug>/close")
@session.allow(Role.STAFF)
def confirm_close(slug: str) -> str:
    return close_page(slug)


@blp.post("/programs/<slug>/close")
@session.allow(Role.STAFF)
@form("close", close_page)
def close_program(slug: str) -> Response:
    written = run(c.CloseProgram(slug))
    return done("console.staff.program", written.position, "closed", slug=slug)
