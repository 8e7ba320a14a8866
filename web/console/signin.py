"""Signing in (a token pasted once, or a one-time invite link) and out.

A pasted token is checked like a bearer token (`TokenStore.authenticate`)
and never kept by the console: the session row names the token's id. An
invite issues the artist their own token, shown once on the page that
follows the link, then never again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, make_response, redirect, render_template, request, url_for

from api.services import system
from ledger.actors import Role
from ledger.errors import LedgerError
from ledger.sessions import Invite
from web.console import session

blp = Blueprint("signin", __name__)

# Why an invite link no longer signs anyone in, and the status that says so.
INVITE_STATES = {
    "used": (
        410,
        "This invite link was already used",
        "Each link signs in once. Ask the "
        "program's staff for a new one, or sign in with your token.",
    ),
    "expired": (
        410,
        "This invite link has expired",
        "Invite links work for 72 hours. Ask the program's staff for a new one.",
    ),
    "unknown": (
        404,
        "This invite link is not valid",
        "Check that the whole link was copied, or ask the program's staff for a new one.",
    ),
}


def _next_page(value: str | None) -> str:
    """Where to go after signing in: a console page of this site, nothing else."""
    return value if value and session.console_path(value) else url_for("console.home")


@blp.get("/sign-in")
@session.open_view
def sign_in() -> Any:
    if session.current_or_none() is not None:
        return redirect(_next_page(request.args.get("next")))
    return render_template(
        "console/sign_in.html",
        next=request.args.get("next", ""),
        ended=bool(request.args.get("ended")),
    )


@blp.post("/sign-in")
@session.open_view
def sign_in_with_token() -> Any:
    token = request.form.get("token", "").strip()
    actor = system().tokens.authenticate(token) if token else None
    if actor is None:
        problem = (
            "Paste the whole token (it starts with llt_)."
            if not token
            else "That token is unknown or was revoked. Check that it was copied whole."
        )
        return render_template(
            "console/sign_in.html", next=request.form.get("next", ""), problem=problem
        ), 401
    session_id, _ = session.sessions().open(actor.id)
    return session.start(redirect(_next_page(request.form.get("next")), code=303), session_id)


@blp.post("/sign-out")
def sign_out() -> Response:
    session_id = request.cookies.get(session.COOKIE)
    if session_id:
        session.sessions().close(session_id)
    return session.end(redirect(url_for("console.signin.sign_in", signed_out=1), code=303))


def _invite_page(secret: str, state: str, status: int = 200, **context: Any) -> tuple[str, int]:
    status_code, title, detail = INVITE_STATES.get(state, (status, "", ""))
    return (
        render_template(
            "console/invite.html", secret=secret, state=state, title=title, detail=detail, **context
        ),
        status_code if state in INVITE_STATES else status,
    )


def _admitted_program(participant_id: Any) -> str:
    """The program of an admitted participant (NotAdmitted, a domain error, otherwise)."""
    ledger = system().store.ledger
    application = ledger.get_application(participant_id)
    application.check_admitted()
    return ledger.program_of(application).slug


def _usable(secret: str) -> tuple[Invite, str | None, tuple[str, int] | None]:
    """The invite, its participant's program, or the page saying why it cannot sign in."""
    found = session.invites().peek(secret)
    if found.state != "open":
        return found, None, _invite_page(secret, found.state)
    try:
        return found, _admitted_program(found.participant_id), None
    except LedgerError as error:
        return found, None, _invite_page(secret, "refused", 409, problem=error)


@blp.get("/invite/<secret>")
@session.open_view
def invite(secret: str) -> tuple[str, int]:
    found, program, refused = _usable(secret)
    if refused is not None:
        return refused
    return _invite_page(secret, "open", program=program, expires_at=found.expires_at)


@blp.post("/invite/<secret>")
@session.open_view
def accept_invite(secret: str) -> Any:
    _, program, refused = _usable(secret)
    if refused is not None:
        return refused
    used = session.invites().use(secret)
    if used.state != "open":  # another browser used it a moment ago
        return _invite_page(secret, used.state)
    issued = system().tokens.create(Role.ARTIST, used.participant_id, name="invited artist")
    session.invites().issued(secret, issued.id)
    session_id, signed_in = session.sessions().open(issued.id)
    g.console = signed_in  # the page that follows is already signed in
    body = render_template(
        "console/welcome.html",
        token=issued.token,
        program=program,
        participant_id=str(used.participant_id),
    )
    return session.start(make_response(body, 201), session_id)
