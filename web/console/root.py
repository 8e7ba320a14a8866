"""The console's blueprint: every role's pages under /console/, the guards
(`session.install`), the navigation and the landing page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from ledger.actors import Actor, Role
from web.console import (
    artist,
    auditor,
    corrections,
    partner,
    session,
    signin,
    staff,
    staff_people,
    staff_shows,
)

blp = Blueprint("console", __name__, url_prefix="/console")
for child in (signin, staff, staff_people, staff_shows, artist, corrections, auditor, partner):
    blp.register_blueprint(child.blp)
session.install(blp)

# Each role's pages in the header, its main page first.
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.STAFF: [("console.staff.programs", "Programs")],
    Role.ARTIST: [("console.artist.record", "My record")],
    Role.AUDITOR: [
        ("console.auditor.reports", "Audit reports"),
        ("console.auditor.checkpoints", "Checkpoints"),
    ],
    Role.PARTNER: [
        ("console.partner.endpoints", "Endpoints"),
        ("console.partner.event_types", "Event types"),
    ],
}


def nav_for(actor: Actor) -> list[tuple[str, str, dict[str, Any]]]:
    args = {"participant_id": actor.participant_id} if actor.role == Role.ARTIST else {}
    return [(endpoint, label, args) for endpoint, label in NAV[actor.role]]


@blp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"nav_for": nav_for}


@blp.app_template_filter("left")
def left(value: str) -> str:
    """How long until an RFC 3339 instant, in hours and minutes."""
    try:
        then = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return ""
    minutes = max(int((then - datetime.now(UTC)).total_seconds()) // 60, 0)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@blp.get("/")
def home() -> Response:
    """Each role lands on its main page."""
    actor = session.actor()
    endpoint, _, args = nav_for(actor)[0]
    return redirect(url_for(endpoint, **args))
