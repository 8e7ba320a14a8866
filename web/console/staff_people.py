"""Staff: applications (record, admit, decline, withdraw) and participants
(grants, revocations, display names, invites, erasure).

Lists come from the roster view with the personal fields staff may see
(`api.people`), as `GET /v1/programs/{slug}/roster` answers staff; one
participant from `ReadModels.application`, as `GET /v1/participants/{id}`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from api.applications import ApplicationIn, DisplayNameIn, GrantIn, ReasonIn
from api.errors import ProblemError
from api.people import roster_entries, shown
from api.services import system
from ledger import commands as c
from ledger.actors import Role
from web.console import session, ui
from web.console.forms import Refusal, done, form, load, run

blp = Blueprint("staff_people", __name__, url_prefix="/staff")
PER_PAGE = 50
# The filters as staff call them; the roster calls a pending application "applied".
FILTERS = {
    "pending": "applied",
    "admitted": "admitted",
    "declined": "declined",
    "withdrawn": "withdrawn",
}


def staff_roster(slug: str, **as_of: Any) -> dict[str, Any] | None:
    """The roster (now, or `as_of_position`/`as_of_instant`) with the
    personal fields staff see, as the API's roster answers staff."""
    body = system().read_models.roster(slug, **as_of)
    if body is not None:
        entries = body["applications"]
        roster_entries(session.actor(), entries, system().people.many(e["id"] for e in entries))
    return body


def roster_or_404(slug: str) -> dict[str, Any]:
    body = staff_roster(slug)
    if body is None:
        raise ProblemError(404, f"There is no program {slug!r}.", title="No such program")
    return body


def seats(body: dict[str, Any]) -> dict[str, Any]:
    """What the program's header shows, from the same roster as the list."""
    return {
        "slug": body["program"],
        "name": body["name"],
        "capacity": body["capacity"],
        "seats_left": body["seats_left"],
        "closed": body["closed"],
    }


def applications_page(slug: str, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("roster")
    body = roster_or_404(slug)
    # After a refused form, the list it was sent from (its hidden `status`), not all of them.
    chosen = request.args.get("status", "") or request.form.get("status", "")
    status = FILTERS.get(chosen)
    rows = [e for e in body["applications"] if status is None or e["status"] == status]
    start = ui.cursor("from") or 0
    return ui.page(
        "console/staff/applications.html",
        position=position,
        program=seats(body),
        counts=body["counts"],
        chosen=chosen if status else "",
        filters=FILTERS,
        rows=rows[start : start + PER_PAGE],
        start=start,
        total=len(rows),
        per_page=PER_PAGE,
        refusal=refusal,
    )


@blp.get("/programs/<slug>/applications")
@session.allow(Role.STAFF)
def applications(slug: str) -> str:
    return applications_page(slug)


def _back(slug: str, position: int, notice: str) -> Response:
    """To the list the form was sent from (its filter kept)."""
    status = request.form.get("status", "")
    extra = {"status": status} if status in FILTERS else {}
    return done("console.staff_people.applications", position, notice, slug=slug, **extra)


@blp.post("/programs/<slug>/applications")
@session.allow(Role.STAFF)
@form("record", applications_page)
def record_application(slug: str) -> Response:
    written = run(c.SubmitApplication(program=slug, **load(ApplicationIn)))
    return _back(slug, written.position, "recorded")


@blp.post("/programs/<slug>/applications/<uuid:application_id>/admit")
@session.allow(Role.STAFF)
@form("admit-{application_id}", applications_page)
def admit(slug: str, application_id: UUID) -> Response:
    written = run(c.AdmitApplicant(application_id))
    return _back(slug, written.position, "admitted")


@blp.post("/programs/<slug>/applications/<uuid:application_id>/decline")
@session.allow(Role.STAFF)
@form("decline-{application_id}", applications_page)
def decline(slug: str, application_id: UUID) -> Response:
    written = run(c.DeclineApplication(application_id, load(ReasonIn)["reason"]))
    return _back(slug, written.position, "declined")


@blp.post("/programs/<slug>/applications/<uuid:application_id>/withdraw")
@session.allow(Role.STAFF)
@form("withdraw-{application_id}", applications_page)
def withdraw(slug: str, application_id: UUID) -> Response:
    written = run(c.WithdrawParticipant(application_id, load(ReasonIn)["reason"]))
    return _back(slug, written.position, "withdrawn")


@blp.get("/programs/<slug>/participants")
@session.allow(Role.STAFF)
def participants(slug: str) -> str:
    position = ui.caught_up("roster")
    body = roster_or_404(slug)
    rows = [e for e in body["applications"] if e["status"] == "admitted"]
    start = ui.cursor("from") or 0
    return ui.page(
        "console/staff/participants.html",
        position=position,
        program=seats(body),
        rows=rows[start : start + PER_PAGE],
        start=start,
        total=len(rows),
        per_page=PER_PAGE,
    )


def participant_page(participant_id: UUID, refusal: Refusal | None = None, **extra: Any) -> str:
    position = ui.caught_up("roster", "registry", "catalog")
    models = system().read_models
    entry = models.application(str(participant_id))
    if entry is None:
        raise ProblemError(404, f"There is no participant {participant_id}.", title="Not found")
    person = system().people.get(entry["id"])
    entry |= shown(session.actor(), entry["id"], person, entry["status"])
    program = models.program(entry["program"]) or {}
    works, _, _ = models.works(owner=str(participant_id), limit=100)
    active = {(g["tool"], g["granted_at"]) for g in entry["active_grants"]}
    for g in entry["grants"]:
        g["active"] = (g["tool"], g["granted_at"]) in active
    return ui.page(
        "console/staff/participant.html",
        position=position,
        participant=entry,
        program=program,
        tools=[(t["tool"], f"{t['name']} ({t['tool']})") for t in program.get("tools", [])],
        works=works,
        refusal=refusal,
        **extra,
    )


@blp.get("/participants/<uuid:participant_id>")
@session.allow(Role.STAFF)
def participant(participant_id: UUID) -> str:
    return participant_page(participant_id)


def _to_participant(participant_id: UUID, position: int, notice: str) -> Response:
    return done("console.staff_people.participant", position, notice, participant_id=participant_id)


@blp.post("/participants/<uuid:participant_id>/grants")
@session.allow(Role.STAFF)
@form("grant", participant_page)
def grant(participant_id: UUID) -> Response:
    written = run(c.GrantTool(participant_id, **load(GrantIn)))
    return _to_participant(participant_id, written.position, "granted")


@blp.post("/participants/<uuid:participant_id>/grants/<tool>/revoke")
@session.allow(Role.STAFF)
@form("revoke-{tool}", participant_page)
def revoke(participant_id: UUID, tool: str) -> Response:
    written = run(c.RevokeTool(participant_id, tool, load(ReasonIn)["reason"]))
    return _to_participant(participant_id, written.position, "revoked")


@blp.post("/participants/<uuid:participant_id>/display-name")
@session.allow(Role.STAFF)
@form("name", participant_page)
def display_name(participant_id: UUID) -> Response:
    written = run(c.ChangeDisplayName(participant_id, load(DisplayNameIn)["display_name"]))
    return _to_participant(participant_id, written.position, "named")


@blp.post("/participants/<uuid:participant_id>/invite")
@session.allow(Role.STAFF)
@form("invite", participant_page)
def invite(participant_id: UUID) -> tuple[str, int]:
    """A one-time link, shown on this page alone: only its hash is kept."""
    system().store.ledger.get_application(participant_id).check_admitted()
    secret, created = session.invites().create(participant_id, session.actor().id)
    link = url_for("console.signin.invite", secret=secret, _external=True)
    return participant_page(participant_id, invite_link=link, invite=created), 201


def erase_page(participant_id: UUID, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("roster")
    entry = system().read_models.application(str(participant_id))
    if entry is None:
        raise ProblemError(404, f"There is no participant {participant_id}.", title="Not found")
    person = system().people.get(entry["id"])
    return ui.page(
        "console/staff/erase.html",
        position=position,
        participant=entry | shown(session.actor(), entry["id"], person, entry["status"]),
        refusal=refusal,
    )


@blp.get("/participants/<uuid:participant_id>/erase")
@session.allow(Role.STAFF)
def confirm_erase(participant_id: UUID) -> str:
    return erase_page(participant_id)


@blp.post("/participants/<uuid:participant_id>/erase")
@session.allow(Role.STAFF)
@form("erase", erase_page)
def erase(participant_id: UUID) -> Response:
    written = run(c.ErasePersonalData(participant_id, load(ReasonIn)["reason"]))
    return _to_participant(participant_id, written.position, "erased")
