"""A browser that follows a wrong address gets a page, not the API's JSON.

An address no route knows (a mistyped link, a work id cut short) or one that
only takes a form (`POST .../admit` opened from the address bar) answers a
page in the site's or the console's layout, with its 404 or 405, when the
client prefers HTML and the address is not under /v1/ (the API answers JSON
whatever `Accept` says). Anyone else gets the app's problem+json as before.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from werkzeug.exceptions import HTTPException

from api.errors import http_problem
from web.console import session

API_PREFIX = "/v1/"
WORDS = {
    404: (
        "Not found",
        "There is no page at this address. Check that the whole link was copied.",
    ),
    405: (
        "Nothing to show at this address",
        "This address takes a form sent from its page; it has nothing to show on its own.",
    ),
}


def wants_page() -> bool:
    if request.path.startswith(API_PREFIX):
        return False
    best = request.accept_mimetypes.best_match(["application/problem+json", "text/html"])
    return best == "text/html"


def install(blp: Blueprint) -> None:
    @blp.app_errorhandler(404)
    @blp.app_errorhandler(405)
    def _wrong_address(error: HTTPException) -> Any:
        if not wants_page():
            return http_problem(error)  # the API's own answer
        status = error.code or 404
        title, detail = WORDS[status]
        if request.path == "/console" or request.path.startswith("/console/"):
            # No console view ran, so no guard looked the session up: the header shows who.
            found = request.cookies.get(session.COOKIE)
            g.console = session.sessions().find(found) if found else None
            page = render_template("console/refused.html", title=title, detail=detail)
        else:
            page = render_template("missing.html", title=title, detail=detail)
        allowed = getattr(error, "valid_methods", None)
        headers = {"Allow": ", ".join(sorted(allowed))} if allowed else {}
        return page, status, headers
