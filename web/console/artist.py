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

blp = Blueprint("artist", __name__, url_prefix="/artists/<uuid:participant_id>")
F = TypeVar("F", bound=Callable[..., Any])


def own(view: F) -> F:
    """The signed-in artist's own pages only."""

    @functools.wraps(view)
    def wrapper(participant_id: UUID, **kwargs: Any) -> Any:
        session.actor().check_acts_for(participant_id)
        return view(participant_id=participant_id, **kwargs)

    return wrapper  # type: ignore[return-value]


# A page of generations is the API's default page
# (`GET /v1/participants/{id}/generations`), read from the same view.
GENERATIONS_PER_PAGE = 100


def _generation_page(participant_id: str) -> dict[str, Any]:
    """A page of the artist's generations, oldest first from the `after`
    cursor (a log position), as the API pages them; the declaration form
    offers the page's generations, newest first."""
    after = ui.cursor("after") or 0
    items, cursor, total, _ = system().read_models.generations(
        participant_id, after=after, limit=GENERATIONS_PER_PAGE
    )
    return {
        "generations": items,
        "generations_total": total,
        "generations_after": after,
        "generations_next": cursor,
        "declarable": items[::-1],
    }


def record_page(participant_id: UUID, refusal: Refusal | None = None) -> str:
    position = ui.caught_up("roster", "registry", "catalog", "generations")
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
        **_generation_page(pid),
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
