"""One error shape for every failure: RFC 9457 `application/problem+json`.

Views never catch domain errors; the handlers here map each `LedgerError`
class to one status. Anything unexpected is logged and answered 500 with no
internals, but client input must never get there.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any

from eventsourcing import persistence
from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException

from ledger import errors

log = logging.getLogger(__name__)

PROBLEM_BASE = "https://labledger.local/problems/"
VALIDATION_DETAIL = "the request failed validation; see errors"

STATUS_BY_ERROR: list[tuple[type[errors.LedgerError], int]] = [
    (errors.NotFound, 404),
    (errors.Forbidden, 403),
    (errors.IdempotencyKeyReused, 422),
    (errors.InvalidCommand, 422),
    (errors.Conflict, 409),
]


# The store unreachable, restarting, busy or locked: nothing the request did
# wrong, and nothing a retry a moment later will meet again as a rule. (Reads
# on PostgreSQL ask a statement again on a fresh connection first:
# `ledger.database.Cursor`.)
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    persistence.OperationalError,
    persistence.InterfaceError,
    sqlite3.OperationalError,
)


def psycopg_unavailable(error: Exception) -> bool:
    """`error` is psycopg's unreachable or broken connection, the rest of
    STORE_UNAVAILABLE. Looked up only once psycopg was imported (by a
    PostgreSQL store: `ledger.postgres_recorder`), as none of its errors can
    be raised before, so a process on SQLite never imports it."""
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(
        error, (psycopg.OperationalError, psycopg.InterfaceError)
    )


STORE_RETRY_AFTER = "1"

_RESERVED = frozenset({"type", "title", "status", "detail", "errors", "headers", "type_"})


class ProblemError(Exception):
    """Raise from anywhere in the HTTP layer to answer with a problem."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.type_ = type_
        self.headers = headers or {}
        self.extra = extra


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def problem_type(title: str) -> str:
    """A problem's `type`: the title's slug under `PROBLEM_BASE`."""
    return PROBLEM_BASE + _slug(title)


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": type_ or problem_type(title),
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_for(error: errors.LedgerError) -> int:
    """The HTTP status of a domain error (the console shows the same)."""
    for cls, status in STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 409


# RFC 9110's names where werkzeug keeps the older ones, so that every 422
# (a schema's, a domain rule's, the boundary's) and every 413 has one title
# and one problem type.
RFC9110_TITLES = {
    413: "Content Too Large",
    414: "URI Too Long",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
}


def http_title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return RFC9110_TITLES.get(status) or HTTP_STATUS_CODES.get(status, "Error")


def http_problem(error: HTTPException) -> Response:
    """The problem+json answer to an HTTP error (a 404, a 405 with its `Allow`,
    a validation error with its `errors`)."""
    status = error.code or 500
    extra: dict[str, Any] = {}
    detail = error.description or http_title(status)
    # flask-smorest / webargs validation errors carry per-field messages.
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages == {"json": ["Invalid JSON body."]}:
        return problem(400, "Bad Request", "the request body is not valid JSON")
    if messages:
        extra["errors"] = _flatten_messages(messages)
        detail = VALIDATION_DETAIL
        status = 422 if status in (400, 422) else status
    if status == 413:
        detail = too_large(current_app)
    headers = {}
    allowed = getattr(error, "valid_methods", None)  # set on 405 (MethodNotAllowed)
    if status == 405 and allowed:
        headers["Allow"] = ", ".join(sorted(allowed))
    return problem(status, http_title(status), detail, headers=headers, **extra)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(errors.LedgerError)
    def ledger_error(error: errors.LedgerError) -> Response:
        if isinstance(error, errors.InvalidField):  # answered as a schema would answer it
            return problem(
                422,
                http_title(422),
                VALIDATION_DETAIL,
                errors={error.field: [error.message]},
            )
        extra = {
            k: v
            for k, v in error.context.items()
            if isinstance(v, (str, int, float)) and k not in _RESERVED
        }
        return problem(status_for(error), error.title, error.detail, **extra)

    @app.errorhandler(ProblemError)
    def problem_error(error: ProblemError) -> Response:
        return problem(
            error.status,
            error.title or http_title(error.status),
            error.detail,
            type_=error.type_,
            headers=error.headers,
            **error.extra,
        )

    app.register_error_handler(HTTPException, http_problem)

    def store_unavailable(error: Exception) -> Response:
        log.warning("the store failed: %s: %s", type(error).__name__, error)
        return problem(
            503,
            "Service Unavailable",
            "the store could not be reached or was busy; retry (a write with the same "
            "Idempotency-Key is carried out at most once)",
            headers={"Retry-After": STORE_RETRY_AFTER},
        )

    for kind in STORE_UNAVAILABLE:
        app.register_error_handler(kind, store_unavailable)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        if psycopg_unavailable(error):  # not registered above: see its docstring
            return store_unavailable(error)
        log.exception("unhandled error")
        return problem(500, "Internal Server Error", "an unexpected error occurred; it was logged")


_LOCATIONS = {"json", "query", "querystring", "headers", "form", "files", "path", "view_args"}


def too_large(app: Flask) -> str:
    limit = app.config["MAX_CONTENT_LENGTH"]
    return f"the request body is larger than the {limit // 1024} KiB limit"


def _flatten_messages(messages: Any) -> dict[str, Any]:
    """webargs nests messages by location (`json`, `query`); clients want fields."""
    if isinstance(messages, dict) and set(messages) <= _LOCATIONS:
        flat: dict[str, Any] = {}
        for location_messages in messages.values():
            if isinstance(location_messages, dict):
                flat.update(location_messages)
            else:
                flat.setdefault("_schema", []).extend(location_messages)
        return flat
    return messages if isinstance(messages, dict) else {"_schema": messages}
