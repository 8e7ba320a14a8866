"""Reads of one person: an application, a participant's record and their
generations. Each is built from the read models (the roster's document of
the application, the generations view, the registry), never by replaying
aggregates, with the personal fields its reader may see (`api.people`).

Who reads what: an application, staff and the artist themself; a
participant and their generations, staff, auditors and the artist themself.
An artist asking for someone else's record is 403, whether it exists or not.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import Schema

from api import participant_responses as r
from api.auth import current_actor, require
from api.conditional import etagged, valid_until
from api.errors import ProblemError
from api.openapi import Blueprint
from api.people import shown
from api.reads import fresh, next_expiry, read_models, tag_views
from api.schemas import cursor_field, limit_field, min_position_field
from api.services import system
from ledger.actors import Actor, Role

blp = Blueprint("participants", __name__, url_prefix="/v1", description="People's records")

# How many generations and works a participant's record embeds; the rest are
# paged (`generations_next`: /v1/participants/{id}/generations?after=...,
# `works_next`: /v1/works?owner={id}&after=...).
EMBEDDED = 100
# The views a participant's record reads.
RECORD_VIEWS = ("roster", "generations", "registry")


class FreshQuery(Schema):
    min_position = min_position_field()


class PageQuery(Schema):
    after = cursor_field()
    limit = limit_field()
    min_position = min_position_field()


def _allowed(person_id: UUID) -> Actor:
    """The request's actor; an artist reads only their own (403 before
    anything is looked up)."""
    actor = current_actor()
    if actor.role == Role.ARTIST:
        actor.check_acts_for(person_id)
    return actor


def _fresh(views: tuple[str, ...], min_position: int | None) -> None:
    """Each view fresh enough, then the read tagged by them (304 when held)."""
    for name in views:
        fresh(name, min_position)
    tag_views(*views)


def _entry(actor: Actor, person_id: UUID) -> dict[str, Any]:
    """The application's roster document (404 if there is none), with the
    personal fields `actor` may see."""
    entry = read_models().application(str(person_id))
    if entry is None:
        raise ProblemError(404, f"application {person_id} not found", title="Not Found")
    person = system().people.get(entry["id"])
    return entry | shown(actor, entry["id"], person, entry["status"])


def _expiring(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry whose grants show `active`: its tag ends when one expires."""
    valid_until(next_expiry(g for g in entry["grants"] if g["active"]))
    return entry


@blp.get("/applications/<uuid:application_id>")
@require(Role.STAFF, Role.ARTIST)
@etagged
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.Application)
def get_application(query: dict[str, Any], application_id: UUID) -> dict[str, Any]:
    """An application: status, grants, and its personal fields (staff, or the artist themself)"""
    actor = _allowed(application_id)
    _fresh(("roster",), query["min_position"])
    return _expiring(_entry(actor, application_id))


@blp.get("/participants/<uuid:participant_id>")
@require(Role.STAFF, Role.AUDITOR, Role.ARTIST)
@etagged
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.Participant)
def get_participant(query: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """A participant: status, grants with expiry, generations, works (personal: staff, self)"""
    actor = _allowed(participant_id)
    _fresh(RECORD_VIEWS, query["min_position"])
    entry = _expiring(_entry(actor, participant_id))
    pid = str(participant_id)
    models = read_models()
    generations, generations_next, total, _ = models.generations(pid, limit=EMBEDDED)
    works, works_next, _ = models.works(owner=pid, limit=EMBEDDED)
    return entry | {
        "generation_count": total,
        "generations": generations,
        "generations_next": generations_next,
        "works": [_summary(work) for work in works],
        "works_next": works_next,
        # Complete up to here: the least advanced of the three views it reads.
        "position": min(models.positions(*RECORD_VIEWS)),
    }


def _summary(work: dict[str, Any]) -> dict[str, Any]:
    fields = ("id", "title", "content_sha256", "declared_at", "status", "retracted_at")
    return {f: work[f] for f in (*fields, "disputed_at", "credited_name")}


@blp.get("/participants/<uuid:participant_id>/generations")
@require(Role.STAFF, Role.AUDITOR, Role.ARTIST)
@etagged
@blp.arguments(PageQuery, location="query")
@blp.response(200, r.GenerationPage)
def get_generations(query: dict[str, Any], participant_id: UUID) -> dict[str, Any]:
    """A participant's generations, oldest first, each with its tool version's disclosure"""
    actor = _allowed(participant_id)
    _fresh(("roster", "generations"), query["min_position"])
    _entry(actor, participant_id)
    items, cursor, total, position = read_models().generations(
        str(participant_id), after=query["after"], limit=query["limit"]
    )
    return {"items": items, "next": cursor, "total": total, "position": position}
