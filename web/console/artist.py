"""Artists: my record (application, grants and when they expire, my
generations and works, my certificates), recording a generation, declaring a
work, my display name. An artist opens only their own pages: anyone else's
are 403 (`Actor.check_acts_for`, the rule the API applies).

Files never leave the browser: the page's script computes a chosen file's
SHA-256 with WebCrypto and fills the form's hash field (without JavaScript,
paste it from `sha256sum`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from flask import Blueprint
from werkzeug.wrappers import Response

from api.applications import DisplayNameIn, GenerationIn
from api.errors import ProblemError
from api.people import shown
from api.services import system
from api.works import WorkIn
from ledger import commands as c
from ledger.actors import Role
from web.console import session, ui
from web.console.forms import Refusal, done, form, load, run
from web.console.reads import generations_of

blp = Blueprint("artist", __name__, url_prefix="/artists/<uuid:participant_id>")
F = TypeVar("F", bound=Callable[..., Any])


def own(view: F) -> F:
    """The signed-in artist's own pages only."""

    @functools.wraps(view)
    def wrapper(participant_id: UUID, **kwargs: Any) -> Any:
        session.actor().check_acts_for(participant_id)
        return view(participant_id=participant_id, **kwargs)

    return wrapper  # type: ignore[return-value]


GENERATIONS_PER_PAGE = 50
DECLARABLE = 100  # the newest generations a work can be declared from here


def _generation_page(generations: list[dict[str, Any]]) -> dict[str, Any]:
    """Newest first, a page of the list; the declaration form offers the newest."""
    newest = generations[::-1]
    start = ui.cursor("from") or 0
    return {
        "generations": newest[start : start + GENERATIONS_PER_PAGE],
        "generations_total": len(newest),
        "generations_from": start,
        "per_page": GENERATIONS_PER_PAGE,
        "declarable": newest[:DECLARABLE],
    }


def record_page(participant_id: UUID, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("roster", "registry", "catalog")
    models = system().read_models
    pid = str(participant_id)
    entry = models.application(pid)
    if entry is None:
        raise ProblemError(404, "There is no record for you yet.", title="Not found")
    entry |= shown(session.actor(), pid, system().people.get(pid), entry["status"])
    program = models.program(entry["program"]) or {"tools": []}
    active = {g["tool"] for g in entry["active_grants"]}
    works, _, _ = models.works(owner=pid, limit=500)
    return ui.page(
        "console/artist/record.html",
        position=position,
        me=entry,
        program=program,
        # The newest version first: the one an artist most likely used.
        versions=[
            (v, f"{v} ({t['tool']})")
            for t in program["tools"]
            if t["tool"] in active
            for v in reversed(t["versions"])
        ],
        tools=[(t["tool"], t["name"]) for t in program["tools"] if t["tool"] in active],
        **_generation_page(generations_of(pid)),
        works=works,
        refusal=refusal,
    )


@blp.get("")
@session.allow(Role.ARTIST)
@own
def record(participant_id: UUID) -> str:
    return record_page(participant_id)


@blp.post("/generations")
@session.allow(Role.ARTIST)
@own
@form("generation", record_page)
def record_generation(participant_id: UUID) -> Response:
    written = run(c.RecordGeneration(participant_id, **load(GenerationIn)))
    return done(
        "console.artist.record", written.position, "generation", participant_id=participant_id
    )


@blp.post("/works")
@session.allow(Role.ARTIST)
@own
@form("work", record_page)
def declare(participant_id: UUID) -> Response:
    written = run(c.DeclareOwnership(**load(WorkIn)))
    return done(
        "console.artist.record", written.position, "declared", participant_id=participant_id
    )


@blp.post("/display-name")
@session.allow(Role.ARTIST)
@own
@form("name", record_page)
def display_name(participant_id: UUID) -> Response:
    written = run(c.ChangeDisplayName(participant_id, load(DisplayNameIn)["display_name"]))
    return done("console.artist.record", written.position, "named", participant_id=participant_id)
