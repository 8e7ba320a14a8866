"""Corrections of a declaration, in the console as in the API: the artist
retracts their own (after a page that says what retraction means), staff mark
one disputed with a reason. Both are new events; the commands are the API's
(`RetractDeclaration`, `DisputeDeclaration`), loaded by its `ReasonIn`, so a
refusal is the API's, shown beside the reason or at the form's top."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint
from werkzeug.wrappers import Response

from api.applications import ReasonIn
from api.errors import ProblemError
from api.services import system
from ledger import commands as c
from ledger.actors import Role
from web.console import session, ui
from web.console.artist import own
from web.console.forms import Refusal, done, form, load, run
from web.console.staff_people import participant_page

blp = Blueprint("corrections", __name__)


def _own_work(participant_id: UUID, work_id: UUID, refusal: Refusal | None) -> dict[str, Any]:
    """The artist's work; for anyone else's, the command's own refusal (the
    API's 403) when there was one, else not found."""
    work = system().read_models.work(str(work_id))
    if work is None or work["owner"]["participant_id"] != str(participant_id):
        if refusal is not None:
            raise ProblemError(refusal.status, refusal.detail, title=refusal.title)
        raise ProblemError(404, "This is not one of your works.", title="Not found")
    return work


def retract_page(participant_id: UUID, work_id: UUID, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("registry")
    return ui.page(
        "console/artist/retract.html",
        position=position,
        participant_id=participant_id,
        work=_own_work(participant_id, work_id, refusal),
        refusal=refusal,
    )


@blp.get("/artists/<uuid:participant_id>/works/<uuid:work_id>/retract")
@session.allow(Role.ARTIST)
@own
def confirm_retract(participant_id: UUID, work_id: UUID) -> str:
    return retract_page(participant_id, work_id)


@blp.post("/artists/<uuid:participant_id>/works/<uuid:work_id>/retract")
@session.allow(Role.ARTIST)
@own
@form("retract", retract_page)
def retract(participant_id: UUID, work_id: UUID) -> Response:
    written = run(c.RetractDeclaration(work_id, load(ReasonIn)["reason"]))
    return done(
        "console.artist.record", written.position, "retracted", participant_id=participant_id
    )


@blp.post("/staff/participants/<uuid:participant_id>/works/<uuid:work_id>/dispute")
@session.allow(Role.STAFF)
@form("dispute-{work_id}", participant_page)
def dispute(participant_id: UUID, work_id: UUID) -> Response:
    written = run(c.DisputeDeclaration(work_id, load(ReasonIn)["reason"]))
    return done(
        "console.staff_people.participant",
        written.position,
        "disputed",
        participant_id=participant_id,
    )
