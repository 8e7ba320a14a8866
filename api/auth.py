"""Bearer-token authentication and role checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, request

from api.errors import ProblemError
from api.openapi import secured
from api.read_state import actor_of_token, bearer_token, is_read, read_state
from ledger.actors import Actor, Role

F = TypeVar("F", bound=Callable[..., Any])


def current_actor() -> Actor:
    """The request's actor from its bearer token; 401 when missing or unknown."""
    actor: Actor | None = g.get("actor")
    if actor is not None:
        return actor
    if not request.environ.get("HTTP_AUTHORIZATION"):
        raise ProblemError(
            401,
            "a bearer token is required: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": 'Bearer realm="labledger"'},
        )
    actor = _authenticate(bearer_token())
    if actor is None:
        raise ProblemError(
            401,
            "the bearer token is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="labledger", error="invalid_token"'},
        )
    g.actor = actor
    return actor


def _authenticate(token: str | None) -> Actor | None:
    """A read looks its token up in its first statement (`api.read_state`);
    a write, on its own (on SQLite, from the worker's memory while nothing
    was committed since: a revocation is a commit)."""
    if token is None:
        return None
    return read_state().actor if is_read() else actor_of_token(token)


def require(*roles: Role, why: str | None = None) -> Callable[[F], F]:
    """Allow only these roles (401 without a valid token, 403 for others);
    the operation's OpenAPI doc says so (`api.openapi.secured`)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if roles and actor.role not in roles:
                needed = " or ".join(roles)
                raise ProblemError(
                    403,
                    why or f"this needs a token with role {needed}; yours has role {actor.role}",
                    role=actor.role,
                )
            return view(*args, **kwargs)

        secured(wrapper, forbidden=bool(roles))
        return wrapper  # type: ignore[return-value]

    return decorator
