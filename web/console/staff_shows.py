"""Staff: exhibitions (schedule one, hang a declared work) and the roster,
now or `as_of` a past day or log position, with its CSV (the API's exporter).

Exhibitions come from the catalog and the registry, as `GET /v1/exhibitions`;
the roster from the roster view with the personal fields staff may see, as
`GET /v1/programs/{slug}/roster` (its `as_of` checked by the API's own query
schema).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, Response, request
from marshmallow import ValidationError

from api.exhibitions import ExhibitionIn, HangIn
from api.exports import attachment
from api.exports import roster_csv as roster_csv_text
from api.reads import RosterQuery, fresh, parse_as_of
from api.services import system
from ledger import commands as c
from ledger.actors import Role
from web.console import session, ui
from web.console.forms import Refusal, done, form, load, run
from web.console.staff import program_or_404
from web.console.staff_people import roster_or_404, seats, staff_roster

blp = Blueprint("staff_shows", __name__, url_prefix="/staff")
WORKS_TO_HANG = 500


def exhibitions_page(slug: str, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("catalog", "registry")
    program = program_or_404(slug)
    models = system().read_models
    shows, more, _ = models.exhibitions(program=slug, after=ui.cursor("after") or 0, limit=20)
    works, _, _ = models.works(program=slug, limit=WORKS_TO_HANG)
    return ui.page(
        "console/staff/exhibitions.html",
        position=position,
        program=program,
        shows=shows,
        more=more,
        works=works,
        refusal=refusal,
    )


@blp.get("/programs/<slug>/exhibitions")
@session.allow(Role.STAFF)
def exhibitions(slug: str) -> str:
    return exhibitions_page(slug)


@blp.post("/programs/<slug>/exhibitions")
@session.allow(Role.STAFF)
@form("schedule", exhibitions_page)
def schedule(slug: str) -> Response:
    written = run(c.ScheduleExhibition(**load(ExhibitionIn)))
    return done("console.staff_shows.exhibitions", written.position, "scheduled", slug=slug)


@blp.post("/programs/<slug>/exhibitions/<uuid:exhibition_id>/works")
@session.allow(Role.STAFF)
@form("hang-{exhibition_id}", exhibitions_page)
def hang(slug: str, exhibition_id: UUID) -> Response:
    written = run(c.HangWork(exhibition_id, load(HangIn)["work_id"]))
    return done("console.staff_shows.exhibitions", written.position, "hung", slug=slug)


def _as_of() -> tuple[int | datetime | None, dict[str, list[str]]]:
    """The roster's `as_of` from the page's form: a log position, or the end
    of a day (UTC), checked by the API's query schema; or field errors."""
    position = request.args.get("as_of_position", "").strip()
    day = request.args.get("as_of_date", "").strip()
    field = "as_of_position" if position else "as_of_date"
    value = position or (f"{day}T23:59:59.999999Z" if day else None)
    if value is None:
        return None, {}
    try:
        RosterQuery().load({"as_of": value})
    except ValidationError as error:
        return None, {field: [str(m) for m in error.messages.get("as_of", [])]}
    as_of = parse_as_of(value)
    head = system().log.head()
    if isinstance(as_of, int) and as_of > head:
        return None, {field: [f"must be at most {head}, the log's head"]}
    return as_of, {}


def _roster(slug: str) -> tuple[dict[str, Any] | None, dict[str, list[str]], int]:
    """(the roster, field errors, the position it was read at)."""
    as_of, errors = _as_of()
    if as_of is None:
        position = ui.caught_up("roster")
        return roster_or_404(slug), errors, position
    at = as_of if isinstance(as_of, int) else None
    fresh("roster", at)
    body = staff_roster(
        slug,
        as_of_position=at,
        as_of_instant=as_of if isinstance(as_of, datetime) else None,
    )
    if body is None:
        program_or_404(slug)
        field = "as_of_position" if at is not None else "as_of_date"
        errors = {field: ["the program had not been opened by then"]}
    return body, errors, system().read_models.position("roster")


@blp.get("/programs/<slug>/roster")
@session.allow(Role.STAFF)
def roster(slug: str) -> tuple[str, int]:
    body, errors, position = _roster(slug)
    program = seats(body) if body else seats(roster_or_404(slug))
    return ui.page(
        "console/staff/roster.html",
        position=position,
        program=program,
        roster=body,
        errors=errors,
        as_of_date=request.args.get("as_of_date", ""),
        as_of_position=request.args.get("as_of_position", ""),
    ), 422 if errors else 200


@blp.get("/programs/<slug>/roster.csv")
@session.allow(Role.STAFF)
def roster_csv(slug: str) -> Response:
    body, errors, _ = _roster(slug)
    if body is None or errors:
        return Response("the roster has nothing at that moment\n", 422, mimetype="text/plain")
    # The API's exporter, so the console's file and `GET .../roster` as
    # text/csv are the same bytes for the same moment.
    when = f"-as-of-{body['as_of']['position']}" if body.get("as_of") else ""
    return attachment(roster_csv_text(body), f"roster-{slug}{when}.csv")
