"""Writes: `Idempotency-Key`, and the one way a view runs a command.

A write view is decorated `@idempotent(status)` and returns
`execute(command, body)`: the command bus runs the command, records the key
with the response `body(result)` in the same transaction as the events, and
replays the stored response for a retry (see `ledger.idempotency`). A write
that is not a ledger command (a webhook endpoint) brings the `lookup` of its
own key store, and raises `DuplicateRequest` when a concurrent twin won.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, request

from api.auth import current_actor
from api.errors import ProblemError
from api.metrics import count_events
from api.openapi import idempotent_write
from api.schemas import unsafe_character
from api.services import system
from ledger.commands import Command
from ledger.idempotency import DuplicateRequest, IdempotencyKey, StoredResponse

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_LENGTH = 255


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    material = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _replay(stored: StoredResponse) -> Response:
    # The stored body as it was recorded, and the position of its last event,
    # written as the first answer was (the same bytes: a client may sign or
    # hash what it received).
    body = {**stored.body, "position": stored.position}
    response = current_app.json.response(body)
    response.status_code = stored.status
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    status: int, lookup: Callable[[str, str], StoredResponse | None] | None = None
) -> Callable[[F], F]:
    """Make a write view honour `Idempotency-Key` (`g.idempotency`)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.idempotency = None
            key = request.headers.get("Idempotency-Key")
            if key is None:
                return view(*args, **kwargs)
            if not key or len(key) > MAX_KEY_LENGTH:
                raise ProblemError(
                    422,
                    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
                    errors={"Idempotency-Key": ["Length must be between 1 and 255."]},
                )
            unsafe = unsafe_character(key)
            if unsafe is not None:  # the key is stored: PostgreSQL refuses NUL in text
                raise ProblemError(
                    422, f"Idempotency-Key {unsafe}", errors={"Idempotency-Key": [unsafe]}
                )
            g.idempotency = IdempotencyKey(current_actor().id, key, _request_hash(), status)
            if lookup is not None:
                stored = lookup(g.idempotency.scope, key)
                if stored is not None:
                    return _replay(stored.for_request(g.idempotency.request_hash))
            try:
                return view(*args, **kwargs)
            except DuplicateRequest as duplicate:
                return _replay(duplicate.stored.for_request(g.idempotency.request_hash))

        idempotent_write(wrapper)
        return wrapper  # type: ignore[return-value]

    return decorator


def execute(command: Command, body: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Run `command` for the request's actor; the response is `body(result)`
    and the position of its last event."""
    written = system().bus.handle(command, g.actor, g.idempotency, respond=body)
    count_events(written.types)
    return {**(written.body or {}), "position": written.position}
