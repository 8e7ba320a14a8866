"""Who is signed in to the console, and the guards every console request passes.

The session cookie holds a random id (the store keeps its SHA-256); it is
HttpOnly, SameSite=Strict, scoped to /console and Secure whenever the request
came over HTTPS (gunicorn takes `X-Forwarded-Proto: https` from a proxy it
trusts: FORWARDED_ALLOW_IPS). Every POST carries a CSRF token: the session's
secret once signed in; before that (signing in, following an invite) the
value of a short-lived cookie set with the form (double submit), which a
cross-site form cannot send because the cookie is SameSite=Strict.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.http import HTTP_STATUS_CODES

from api.errors import ProblemError, status_for
from api.services import system
from ledger.actors import Actor, Role
from ledger.errors import LedgerError
from ledger.sessions import IDLE, LIFETIME, InviteStore, Session, SessionStore

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "labledger_console"
FORM_COOKIE = "labledger_console_form"  # the CSRF value of the sign-in and invite forms
PATH = "/console"
CSRF_FIELD = "csrf"
PAGE_FIELD = "page"  # the page a form was sent from (a refusal is shown at the form's address)
ONE_OFF = ("at", "notice")  # what a redirect after a write adds to a page's address
OPEN = "console_open"  # a view's attribute: reachable without a session


def sessions() -> SessionStore:
    return SessionStore(system().db)


def invites() -> InviteStore:
    return InviteStore(system().db)


def current() -> Session:
    """The signed-in session (guarded views only)."""
    return g.console


def actor() -> Actor:
    return current().actor


def current_or_none() -> Session | None:
    return g.get("console")


def open_view(view: F) -> F:
    """Mark a view reachable without a session (sign-in, invites)."""
    setattr(view, OPEN, True)
    return view


def console_path(value: str | None) -> bool:
    """Whether `value` is the address of a console page of this site, nothing else."""
    if not value or value.startswith("//") or "\\" in value or not value.isprintable():
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/console/")


def this_page() -> str | None:
    """The console page being shown: on a GET its own address (without the
    one-off `at` and `notice`); after a form was sent, the page the form was
    on (its `page` field), as the refusal's page shows at the form's address,
    which only takes a POST."""
    if request.method != "POST":
        query = [(k, v) for k, v in request.args.items(multi=True) if k not in ONE_OFF]
        return request.path + (f"?{urlencode(query)}" if query else "")
    given = request.form.get(PAGE_FIELD, "")
    return given if console_path(given) else None


def refresh_address() -> str:
    """'Refresh to the latest': the page shown, with its filter, as a GET."""
    shown = this_page()
    if shown is None:
        return url_for("console.home")
    parts = urlsplit(shown)
    status = [(k, v) for k, v in parse_qsl(parts.query) if k == "status"]
    return parts.path + (f"?{urlencode(status)}" if status else "")


def refused(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("console/refused.html", title=title, detail=detail), status


def expired_form() -> tuple[str, int]:
    """A form that carried another session's CSRF token (the session ended and
    was signed in again, in another tab): nothing written, and a link back to
    the form's page, where drafts.js puts back what was typed (it keeps the
    draft for the page the link names, `data-form-page`)."""
    detail = (
        "The form did not carry this session's security token (it may have been opened "
        "before you signed in again, or sent from another site). Nothing was changed: "
        "open the form again and send it from there."
    )
    page = render_template(
        "console/refused.html", title="This form has expired", detail=detail, form_page=this_page()
    )
    return page, 403


def allow(*roles: Role) -> Callable[[F], F]:
    """Only these roles; anyone else signed in gets a 403 page saying whose it is."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            role = actor().role
            if role not in roles:
                needed = " or ".join(r.value for r in roles)
                return refused(
                    403,
                    "Not your page",
                    f"This page is for {needed}; you are signed in as {role.value}.",
                )
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def _same(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given or "", expected or "")


def form_token() -> str:
    """The CSRF value for a form shown before sign-in (set as a cookie too)."""
    if "form_token" not in g:
        g.form_token = request.cookies.get(FORM_COOKIE) or secrets.token_urlsafe(32)
    return g.form_token


def csrf_value() -> str:
    session = g.get("console")
    return session.csrf if session is not None else form_token()


def start(response: Response, session_id: str) -> Response:
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(LIFETIME.total_seconds()),
        path=PATH,
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )
    response.delete_cookie(FORM_COOKIE, path=PATH)
    return response


def end(response: Response) -> Response:
    response.delete_cookie(COOKIE, path=PATH, secure=request.is_secure, samesite="Strict")
    return response


def install(blp: Blueprint) -> None:
    """The guards of every console request and the headers of every answer."""

    @blp.before_request
    def _guard() -> Any:
        session_id = request.cookies.get(COOKIE)
        g.console = sessions().find(session_id) if session_id else None
        view = blp_view()
        if not getattr(view, OPEN, False) and g.console is None:
            if request.method == "GET":
                return redirect(url_for("console.signin.sign_in", next=request.full_path))
            # A form sent after the session ended: back to its page once signed in.
            back = this_page()
            return redirect(url_for("console.signin.sign_in", ended=1, next=back), code=303)
        if request.method == "POST":
            expected = g.console.csrf if g.console is not None else request.cookies.get(FORM_COOKIE)
            if not _same(request.form.get(CSRF_FIELD), expected):
                return expired_form()
        return None

    @blp.errorhandler(ProblemError)
    def _problem(error: ProblemError) -> tuple[str, int]:
        title = error.title or HTTP_STATUS_CODES.get(error.status, "Refused")
        return refused(error.status, title, error.detail)

    @blp.errorhandler(LedgerError)
    def _refused(error: LedgerError) -> tuple[str, int]:
        return refused(status_for(error), error.title, error.detail)

    @blp.after_request
    def _headers(response: Response) -> Response:
        # Pages hold personal data and one-time secrets: never kept by a cache.
        response.headers["Cache-Control"] = "no-store"
        if g.get("console") is None and "form_token" in g:
            response.set_cookie(
                FORM_COOKIE,
                g.form_token,
                max_age=int(IDLE.total_seconds()),
                path=PATH,
                secure=request.is_secure,
                httponly=True,
                samesite="Strict",
            )
        return response

    @blp.app_context_processor
    def _context() -> dict[str, Any]:
        return {
            "csrf_value": csrf_value,
            "signed_in": lambda: g.get("console"),
            "who": who,
            "draft_owner": draft_owner,
            "this_page": this_page,
            "refresh_address": refresh_address,
        }


def who(signed_in: Actor) -> str:
    """The name the header shows: an artist's own (display name, else the
    name they applied with; they may see it), not their token's label
    ("invited artist"); anyone else's token label."""
    if signed_in.role == Role.ARTIST and signed_in.participant_id is not None:
        pid = str(signed_in.participant_id)
        person = system().people.get(pid)
        if person is not None:
            return person.display_name or person.value(pid, 1, "artist_name") or signed_in.name
    return signed_in.name


def draft_owner(signed_in: Actor) -> str:
    """Whose typing a form's draft in the browser is (console.js restores a
    draft only to the account it was typed under): a digest, not the token's id."""
    return hashlib.sha256(f"console draft {signed_in.id}".encode()).hexdigest()[:16]


def blp_view() -> Callable[..., Any] | None:
    return current_app.view_functions.get(request.endpoint or "")
