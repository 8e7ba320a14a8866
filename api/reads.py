"""Reads: roster, ownership registry, audit report and the event feed.

Every read accepts `min_position` and waits (at most `settings.read_wait`)
for its view to reach it, else 503 with Retry-After: a client always reads
its own writes. Without it, a read still catches the view up when no
follower process is doing so (e.g. `create_app` alone).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, validates

from api import read_responses as r
from api.auth import current_actor, require
from api.conditional import etagged, tag_read, valid_until
from api.errors import ProblemError
from api.exports import attachment, format_field, roster_csv, wants_csv
from api.freshness import behind, refuse_beyond_head, refuse_stuck
from api.openapi import Blueprint
from api.people import roster_entries, with_personal
from api.read_state import forget_read_state, read_state
from api.schemas import (
    MAX_POSITION,
    cursor_field,
    limit_field,
    min_position_field,
    parse_instant,
    sha256_in,
    slug,
    text,
)
from api.services import system
from ledger.actors import Role
from ledger.events import PUBLIC_TYPES, redacted
from ledger.personal import person_of
from projections.audit import as_csv
from projections.feed import feed
from projections.service import ReadModels

blp = Blueprint("reads", __name__, description="Roster, registry, audit report, event feed")


def read_models() -> ReadModels:
    return system().read_models


def fresh(name: str, min_position: int | None) -> None:
    """Wait for `min_position` (503 after `read_wait`), or catch up when no
    follower process keeps the view; free when the read's first statement
    (`api.read_state`) shows the view there, or kept."""
    state = read_state()
    view = state.views.get(name)
    if view is not None:
        if min_position is None:
            holder = read_models().followers[name].lease.holder
            if view.position >= state.head or view.followed_elsewhere(holder):
                return
        elif min_position <= view.position:
            return
    _catch_up(name, min_position)
    forget_read_state()  # it applied events or waited: the state it read is old


def _catch_up(name: str, min_position: int | None) -> None:
    settings = system().settings
    models = read_models()
    if min_position is None:
        models.refresh(name, budget=settings.read_wait)
        return
    refuse_beyond_head(min_position)
    stuck = models.stuck(name) if models.position(name) < min_position else None
    if stuck is not None and not stuck.due():  # waiting cannot help before the next attempt
        refuse_stuck(f"{name} view", stuck, min_position)
    if not models.ensure(name, min_position, settings.read_wait):
        refuse_stuck(f"{name} view", models.stuck(name), min_position)
        raise behind(f"{name} view", models.position(name), min_position)


def tag_views(*names: str, also: tuple[object, ...] = ()) -> None:
    """Tag the read by each view's generation and position (a rebuild serves
    new rows at the same position) and the log head (personal data changes
    only with an event), read before any view row, so its body is at least
    as new as its tag; 304 when the client holds it (`api.conditional`)."""
    state = read_state()
    if not all(name in state.views for name in names):
        tag_read(state.head, read_models().serving(*names), *also)
        return
    views = tuple((state.views[name].gen, state.views[name].position) for name in names)
    # Views at the head, nothing `also`: the tag is a function of the positions alone.
    at_head = not also and all(position >= state.head for _, position in views)
    tag_read(state.head, views, *also, remember=state if at_head else None)


def next_expiry(grants: Any) -> str | None:
    """The first instant at which one of these active grants stops being
    active: the body changes then, with no event."""
    return min((g["expires_at"] for g in grants if g["expires_at"] is not None), default=None)


# ---- roster ---------------------------------------------------------------------


class RosterQuery(Schema):
    as_of = text(
        64, metadata={"description": "an RFC 3339 instant (with offset) or a log position"}
    )
    format = format_field()
    min_position = min_position_field()

    @validates("as_of")
    def _check_as_of(self, value: str, **_: object) -> None:
        parse_as_of(value)


def parse_as_of(value: str) -> int | datetime:
    if value.isascii() and value.isdigit():
        position = int(value) if len(value) <= 20 else MAX_POSITION + 1
        if position > MAX_POSITION:
            raise ValidationError(f"a log position is at most {MAX_POSITION}")
        return position
    try:
        return parse_instant(value)
    except ValidationError as error:
        raise ValidationError(
            ["must be a log position or an RFC 3339 instant", *error.messages]
        ) from None


@blp.get("/v1/programs/<slug>/roster")
@require(Role.STAFF, Role.AUDITOR)
@etagged
@blp.arguments(RosterQuery, location="query")
@blp.response(200, r.Roster)
@blp.alt_response(200, response=r.ROSTER_CSV, success=True)
def get_roster(query: dict[str, Any], slug: str) -> Any:
    """The program's roster, now or `as_of` a past instant or log position (JSON or text/csv)"""
    as_of = parse_as_of(query["as_of"]) if "as_of" in query else None
    target = query.get("min_position")
    if isinstance(as_of, int):
        head = system().log.head()
        if as_of > head:
            raise ProblemError(
                422,
                f"as_of position {as_of} lies beyond the log head {head}",
                errors={"as_of": [f"must be at most {head}"]},
            )
        target = max(target or 0, as_of)
    fresh("roster", target)
    tag_views("roster")
    body = read_models().roster(
        slug,
        as_of_position=as_of if isinstance(as_of, int) else None,
        as_of_instant=as_of if isinstance(as_of, datetime) else None,
    )
    if body is None:
        when = f" as of {query['as_of']}" if as_of is not None else ""
        raise ProblemError(404, f"program {slug!r} not found{when}", title="Not Found")
    entries = body["applications"]
    if as_of is None:
        valid_until(next_expiry(g for entry in entries for g in entry["active_grants"]))
    roster_entries(current_actor(), entries, system().people.many(e["id"] for e in entries))
    if wants_csv(query):
        when = f"-as-of-{body['as_of']['position']}" if body["as_of"] else ""
        return attachment(roster_csv(body), f"roster-{slug}{when}.csv")
    return body


class FreshQuery(Schema):
    min_position = min_position_field()


# ---- registry -------------------------------------------------------------------


class WorksQuery(Schema):
    sha256 = sha256_in()
    owner = text(200, metadata={"description": "participant id or display name"})
    program = slug()
    after = cursor_field()
    limit = limit_field()
    min_position = min_position_field()


@blp.get("/v1/works")
@etagged
@blp.arguments(WorksQuery, location="query")
@blp.response(200, r.WorkPage)
def search_works(query: dict[str, Any]) -> dict[str, Any]:
    """Search the ownership registry (public; names: owners' display names and credits)"""
    fresh("registry", query.pop("min_position", None))
    tag_views("registry")
    items, cursor, position = read_models().works(**query)
    return {"items": items, "next": cursor, "position": position}


@blp.get("/v1/works/<uuid:work_id>")
@etagged
@blp.arguments(FreshQuery, location="query")
@blp.response(200, r.Work)
def get_work(query: dict[str, Any], work_id: Any) -> dict[str, Any]:
    """A work's registry entry: owner, title, hash, tools with disclosures, exhibitions"""
    fresh("registry", query.get("min_position"))
    tag_views("registry")
    entry = read_models().work(str(work_id))
    if entry is None:
        raise ProblemError(404, f"no declared work {work_id}", title="Not Found")
    return entry


# ---- audit report ----------------------------------------------------------------


class AuditQuery(FreshQuery):
    format = format_field()


@blp.get("/v1/programs/<slug>/audit-report")
@require(Role.AUDITOR, Role.STAFF)
@etagged
@blp.arguments(AuditQuery, location="query")
@blp.response(200, r.AuditReport)
@blp.alt_response(200, response=r.CSV, success=True)
def get_audit_report(query: dict[str, Any], slug: str) -> Any:
    """Counts by event type and tool, and every invariant re-checked (JSON or text/csv)"""
    fresh("audit", query.get("min_position"))
    checkpoint = _latest_checkpoint()  # cosignatures change it with no event
    tag_views("audit", also=(checkpoint,))
    report = read_models().audit_report(slug)
    if report is None:
        raise ProblemError(404, f"program {slug!r} not found", title="Not Found")
    report["checkpoint"] = checkpoint
    if wants_csv(query):
        return attachment(as_csv(report), f"audit-{slug}-{report['position']}.csv")
    return report


def _latest_checkpoint() -> dict[str, Any] | None:
    """The latest signed checkpoint of the transparency log, when it is there
    (the report never fails for want of one)."""
    try:
        signed = system().transparency.checkpoint()
        return {"tree_size": signed.head.size, "note": signed.note}
    except Exception:  # optional: an absent or broken tree leaves it null
        return None


# ---- event feed ----------------------------------------------------------------------


class EventsQuery(Schema):
    after = cursor_field()
    limit = limit_field()
    type = text(
        2000,
        metadata={"description": "event type(s), comma-separated, e.g. work.ownership_declared"},
    )
    min_position = min_position_field()

    @validates("type")
    def _check_type(self, value: str, **_: object) -> None:
        unknown = sorted(set(_types(value)) - PUBLIC_TYPES)
        if unknown:
            raise ValidationError(f"unknown event type(s): {', '.join(unknown)}")


def _types(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


@blp.get("/v1/events")
@require(Role.AUDITOR, Role.STAFF, Role.PARTNER)
@etagged
@blp.arguments(EventsQuery, location="query")
@blp.response(200, r.EventPage)
def get_events(query: dict[str, Any]) -> dict[str, Any]:
    """The ordered event log (staff: with the personal values its commitments commit to)"""
    log = system().log
    target = query.get("min_position")
    if target is not None:  # the feed is the log: it holds every position up to its head
        refuse_beyond_head(target)
    types = frozenset(_types(query["type"])) if "type" in query else None
    tag_read(read_state().head, remember=read_state())  # the feed: the log up to its head
    items, cursor = feed(log, query["after"], query["limit"], types)
    if current_actor().role != Role.STAFF:
        return {"items": [redacted(env) for env in items], "next": cursor}
    with_personal(items, system().people.many(person_of(env) for env in items))
    return {"items": items, "next": cursor}
