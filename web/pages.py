"""The public site's pages, rendered on the server from the same read models
as the JSON API (`projections.service.ReadModels`, the transparency log), so
a page and `/v1/...` never disagree. Every page reads without JavaScript;
only the verification itself runs in the visitor's browser (static/js)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, render_template, request
from markupsafe import Markup

from api.services import public_read, system, tag_public_read
from web import errors, fingerprints

blp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
errors.install(blp)  # a wrong address answers a browser with a page

PROGRAMS_PER_PAGE = 20
WORKS_PER_PROGRAM = 100
CHECKPOINTS_PER_PAGE = 50
MAX_CURSOR = 2**62
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff]")


def _cursor(name: str) -> int | None:
    """A page's cursor; anything that is not one means the first page."""
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _missing(detail: str) -> tuple[str, int]:
    return render_template("missing.html", detail=detail), 404


@blp.app_template_filter("lang")
def lang(value: Any) -> Markup:
    """` lang="ko"` for text holding Hangul (screen readers switch voice,
    and the stylesheet keeps Korean words whole)."""
    return Markup(' lang="ko"') if isinstance(value, str) and _HANGUL.search(value) else Markup("")


@blp.app_template_filter("day")
def day(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%-d %B %Y")
    except (TypeError, ValueError):
        return str(value)


@blp.app_template_filter("when")
def when(value: str) -> str:
    try:
        return datetime.fromisoformat(value).strftime("%-d %B %Y, %H:%M UTC")
    except (TypeError, ValueError):
        return str(value)


@blp.get("/")
@public_read
def home() -> str:
    log = system().transparency
    # Signed once the tree grew (it grows with no event): its size is in the tag.
    size = log.checkpoint().head.size
    vkey = log.vkey
    tag_public_read("catalog", "registry", also=(size, vkey))
    models = system().read_models
    programs, more, _ = models.programs(after=_cursor("after") or 0, limit=PROGRAMS_PER_PAGE)
    for program in programs:
        slug = program["slug"]
        program["shows"] = models.exhibitions(program=slug, limit=1000)[0]
        program["works"], program["more_works"], _ = models.works(
            program=slug, limit=WORKS_PER_PROGRAM
        )
    current = log.history(before=size + 1, limit=1)
    return render_template(
        "home.html",
        programs=programs,
        next=more,
        checkpoint=current[0] if current else None,
        vkey=vkey,
        origin=log.signer.name,
    )


@blp.get("/works/<uuid:work_id>")
@public_read
def work(work_id: UUID) -> str | tuple[str, int]:
    tag_public_read("registry")
    entry = system().read_models.work(str(work_id))
    if entry is None:
        return _missing(f"No work {work_id} has been declared.")
    return render_template("work.html", work=entry)


@blp.get("/verify")
@public_read
def verify() -> str:
    typed = request.args.get("sha256", "").strip()
    given = fingerprints.pasted(typed)  # the hash alone, or sha256sum's whole line
    found, error = None, None
    if given:
        tag_public_read("registry")
        found = system().read_models.works(sha256=given, limit=10)[0]
    elif typed:
        error = "A SHA-256 fingerprint is 64 hexadecimal characters (0-9 and a-f)."
    return render_template("verify.html", given=given or typed, found=found, error=error)


def checkpoint_history(before: int | None) -> tuple[list[dict[str, Any]], int | None]:
    """A page of signed checkpoints, newest first, each with the one before it
    (`previous`) for the browser's consistency check; and the cursor of the
    next, older page. The console's auditors get the same page."""
    log = system().transparency
    size, _ = log.latest()
    before = min(before or MAX_CURSOR, size + 1)
    rows = log.history(before=before, limit=CHECKPOINTS_PER_PAGE + 1)
    shown = rows[:CHECKPOINTS_PER_PAGE]
    for newer, older in zip(shown, rows[1:], strict=False):
        newer["previous"] = {"size": older["size"]}
    if len(rows) > CHECKPOINTS_PER_PAGE:
        # The page's oldest checkpoint is checked against one the page does not show.
        shown[-1]["previous"] = {"size": rows[-1]["size"], "note": rows[-1]["note"]}
    return shown, shown[-1]["size"] if len(rows) > CHECKPOINTS_PER_PAGE else None


@blp.get("/transparency")
def transparency() -> str:
    shown, older = checkpoint_history(_cursor("before"))
    vkey = system().transparency.vkey
    return render_template("transparency.html", checkpoints=shown, older=older, vkey=vkey)
