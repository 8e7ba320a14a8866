"""`Idempotency-Key` on writes, durable across processes.

The key's record is written in the same transaction as the command's events
(see `ledger.persistence`), so "written once" holds even for concurrent
retries: the loser's transaction fails on the key and it answers with the
winner's stored response.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, g, request

from api.auth import current_actor
from api.errors import ProblemError
from api.metrics import count_events
from api.schemas import unsafe_character
from api.services import services
from ledger.application import DuplicateRequest, StoredResponse, Written
from ledger.persistence import IdempotencyRecord

F = TypeVar("F", bound=Callable[..., Any])
MAX_KEY_LENGTH = 255


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    material = f"{request.method} {request.path}\n{canonical}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _replay(stored: StoredResponse, request_hash: str) -> Response:
    if stored.request_hash != request_hash:
        raise ProblemError(
            422,
            "this Idempotency-Key was already used with a different request",
            title="Idempotency-Key reused",
        )
    body = {**stored.body, "position": stored.position}
    response = Response(json.dumps(body), status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(
    status: int, lookup: Callable[[str, str], StoredResponse | None] | None = None
) -> Callable[[F], F]:
    """Make a write view honour `Idempotency-Key`; the view passes
    `g.idempotency` to its command and returns `written(...)`. A write that is
    not a ledger command (a webhook endpoint) brings the `lookup` of its own
    key store, and raises `DuplicateRequest` when a concurrent twin won."""

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
            actor = current_actor()
            request_hash = _request_hash()
            ledger = services().ledger
            stored = (lookup or ledger.lookup_idempotent)(actor.id, key)
            if stored is not None:
                return _replay(stored, request_hash)
            g.idempotency = IdempotencyRecord(actor.id, key, request_hash, status, {})
            try:
                return view(*args, **kwargs)
            except DuplicateRequest as duplicate:
                return _replay(duplicate.stored, request_hash)

        return wrapper  # type: ignore[return-value]

    return decorator


def written(result: Written) -> dict[str, Any]:
    """The body of every write response: the command's result and its position."""
    count_events(result.types)
    return {**result.body, "position": result.position}
