"""What every console page shares: the log position it shows (after a write,
at least that write's), the one-line notice of what was just done, and the
state of each form on the page (what was typed, what was refused)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import g, render_template, request

from api.errors import ProblemError
from api.reads import fresh
from api.services import system
from web.console.forms import Refusal

# What a redirect after a write says (`?notice=`): fixed words, so a link
# cannot make the console say anything else.
NOTICES = {
    "opened": "Program opened.",
    "closed": "Program closed: no more applications, admissions or tools.",
    "tool": "Tool registered with its disclosure.",
    "disclosure": "Disclosure updated: a new version, the earlier ones stay on record.",
    "recorded": "Application recorded.",
    "admitted": "Applicant admitted: a seat is taken.",
    "declined": "Application declined.",
    "withdrawn": "Withdrawal recorded: the seat is free again.",
    "granted": "Tool access granted.",
    "revoked": "Tool access revoked.",
    "named": "Display name changed.",
    "erased": "Personal data erased. The log and its proofs are unchanged.",
    "scheduled": "Exhibition scheduled.",
    "hung": "Work hung; the exhibition credits its declared owner.",
    "generation": "Generation recorded.",
    "declared": "Ownership declared.",
    "retracted": "Declaration retracted: the registry and the certificate say so; the file's "
    "fingerprint is free to be declared again.",
    "disputed": "Declaration marked disputed: the registry, the certificate and the audit say so.",
    "updated": "Endpoint updated.",
    "paused": "Endpoint paused: nothing is sent until you resume it.",
    "resumed": "Endpoint resumed: delivery continues where it stopped.",
    "deleted": "Endpoint deleted, with its delivery log.",
    "test": "Test event queued.",
    "replay": "Replay queued.",
    "resent": "Message queued to be sent again.",
}
MAX_POSITION_DIGITS = 18


class FormState:
    """One form of a page: its id and, if it was just refused, why and what
    was typed (refilled, so nothing has to be typed twice)."""

    def __init__(self, name: str, refusal: Refusal | None) -> None:
        self.name = name
        self.refusal = refusal if refusal is not None and refusal.form == name else None
        self.form_id = secrets.token_urlsafe(18)

    def value(self, key: str, default: Any = "") -> Any:
        if self.refusal is None:
            return default
        return self.refusal.values.get(key, "")

    def chosen(self, key: str, option: str, default: bool = False) -> bool:
        """Whether a checkbox or option is selected (as typed, after a refusal)."""
        if self.refusal is None:
            return default
        value = self.refusal.values.get(key, [])
        return option in (value if isinstance(value, list) else [value])

    def errors(self, key: str) -> list[str]:
        return self.refusal.errors(key) if self.refusal is not None else []


def cursor(name: str) -> int | None:
    """A number from the query string (a page's cursor, a position); anything
    else is as if it were not there."""
    value = request.args.get(name, "")
    if value.isascii() and value.isdigit() and len(value) <= MAX_POSITION_DIGITS:
        return int(value)
    return None


def requested_position() -> int | None:
    return cursor("at")


def caught_up(*views: str) -> int:
    """Each view at least at the requested position (a write just made), or
    caught up now; the position the page shows (the least of them). A view
    still behind after the wait is shown all the same, and the page says so."""
    target = requested_position()
    head = system().log.head()
    if target is not None and target > head:
        target = None  # not a position of this log: show the latest instead
    for name in views:
        try:
            fresh(name, target)
        except ProblemError as error:
            if error.status != 503:
                raise
            g.behind = target  # shown as it is, saying the change is not on it yet
    models = system().read_models
    return min((models.position(name) for name in views), default=head)


def page(template: str, *, position: int | None = None, **context: Any) -> str:
    """A console page; `position` is the log position its records are read at."""
    refusal = context.pop("refusal", None)
    return render_template(
        template,
        position=position,
        head=system().log.head(),
        notice=NOTICES.get(request.args.get("notice", "")),
        behind=g.get("behind"),
        refusal=refusal,
        form_state=lambda name: FormState(name, refusal),
        **context,
    )
