"""Console forms run the API's own rules: the view's input schema, then its
command through the command bus. A refusal of either comes back as a
`Refusal` the page shows in plain words: a schema's messages beside their
fields, a domain error (its title and detail) at the top of the form.

A form field carries the schema field's name. What HTML cannot send as JSON
is spelled here, never checked here: a number typed as text becomes a number
when it is one, a list comes from checkboxes or from a textarea's lines, a
`datetime-local` value (no offset) is read as UTC, a hash is taken from the
line `sha256sum` printed. The schema then says yes or no exactly as it
would to the API.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import g, redirect, request, url_for
from marshmallow import Schema, ValidationError, fields
from werkzeug.wrappers import Response

from api.errors import ProblemError, status_for
from api.metrics import count_events
from api.schemas import Instant, Sha256
from api.services import system
from ledger.commands import Command
from ledger.errors import LedgerError
from ledger.idempotency import DuplicateRequest, IdempotencyKey
from web import fingerprints
from web.console.session import CSRF_FIELD, PAGE_FIELD, actor
from web.console.wording import beside_field

F = TypeVar("F", bound=Callable[..., Any])
FORM_ID = "form_id"  # one per form shown: a second submission of it writes nothing
NOT_TYPED = (CSRF_FIELD, FORM_ID, PAGE_FIELD)  # what every form carries besides its fields
_FORM_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_INTEGER = re.compile(r"[+-]?\d{1,20}")
_LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
# Marshmallow's generic words, said plainly; every other message is the API's own.
PLAIN = {
    "Missing data for required field.": "Fill this in.",
    "Not a valid integer.": "Enter a whole number.",
    "Not a valid UUID.": "Choose one from the list.",
}


@dataclass
class Refusal:
    """Why a form was refused: `form` names which form of the page."""

    form: str
    status: int
    title: str
    detail: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    # What the refusal points at, as the API's problem body gives it (`work_id`).
    context: dict[str, Any] = field(default_factory=dict)

    def errors(self, name: str) -> list[str]:
        return self.fields.get(name, [])


@dataclass(frozen=True)
class Done:
    """A command written: its response body and the log position of its last event."""

    body: dict[str, Any]
    position: int


class Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.title)
        self.refusal = refusal


def _messages(messages: Any) -> dict[str, list[str]]:
    if not isinstance(messages, dict):
        return {
            "_schema": [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        }
    out: dict[str, list[str]] = {}
    for name, found in messages.items():
        if isinstance(found, dict):  # a list's items: {index: [messages]}
            found = [
                m for item in found.values() for m in (item if isinstance(item, list) else [item])
            ]
        out[str(name)] = [PLAIN.get(str(m), str(m)) for m in found]
    return out


def _value(schema_field: fields.Field, raw: str) -> Any:
    value = raw.strip()
    if isinstance(schema_field, fields.Integer) and _INTEGER.fullmatch(value):
        return int(value)
    if isinstance(schema_field, Instant) and _LOCAL_TIME.fullmatch(value):
        return value + (":00" if value.count(":") == 1 else "") + "Z"  # the form says UTC
    if isinstance(schema_field, fields.Boolean) and value in ("true", "false"):
        return value == "true"
    if isinstance(schema_field, Sha256):  # the line `sha256sum FILE` printed, as the hint says
        return fingerprints.pasted(value) or raw
    return raw


def data_for(schema: Schema, *, keep_empty: tuple[str, ...] = ()) -> dict[str, Any]:
    """The request's form as the JSON body the API would get for `schema`."""
    data: dict[str, Any] = {}
    for name, schema_field in schema.fields.items():
        if name not in request.form:
            continue
        raw = request.form.getlist(name)
        if isinstance(schema_field, fields.List):
            data[name] = [line.strip() for v in raw for line in v.splitlines() if line.strip()]
        elif raw[-1].strip() or name in keep_empty:
            data[name] = _value(schema_field, raw[-1])
    return data


def load(schema: type[Schema], **extra: Any) -> dict[str, Any]:
    """The form, loaded by the API's schema; a refusal names each field."""
    try:
        return schema().load(data_for(schema(), **extra))
    except ValidationError as error:
        raise Refused(
            Refusal(
                g.form_name,
                422,
                "Please check the form",
                "Some fields need another look; each says why.",
                fields=_messages(error.messages),
            )
        ) from None


def idempotency_key(status: int) -> IdempotencyKey | None:
    """The key of this form's submission (its `form_id`), scoped to the actor."""
    form_id = request.form.get(FORM_ID, "")
    if not _FORM_ID.fullmatch(form_id):
        return None
    items = sorted((k, v) for k, vs in request.form.lists() for v in vs if k not in NOT_TYPED)
    material = f"{request.method} {request.path}\n{items!r}"
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return IdempotencyKey(actor().id, f"console:{form_id}", digest, status)


def _id_of(result: Any) -> dict[str, Any]:
    found = getattr(result, "id", None)
    return {"id": str(found)} if found is not None else {}


def run(command: Command, respond: Callable[[Any], dict[str, Any]] = _id_of) -> Done:
    """Run `command` for the signed-in actor through the command bus, as the
    API's `execute` does; a form sent twice writes once."""
    try:
        written = system().bus.handle(command, actor(), idempotency_key(200), respond=respond)
    except DuplicateRequest as duplicate:
        return Done(duplicate.stored.body, duplicate.stored.position)
    count_events(written.types)
    return Done(written.body or {}, written.position)


def refusal_of(error: LedgerError | ProblemError) -> Refusal:
    """A domain error or an API problem as the form shows it: a rule about
    one field of the form beside that field, in the form's words."""
    found = beside_field(error, set(request.form)) if isinstance(error, LedgerError) else None
    if found is not None:
        name, message = found
        return Refusal(
            g.form_name,
            status_for(error),
            "Please check the form",
            "Some fields need another look; each says why.",
            fields={name: [message]},
        )
    if isinstance(error, LedgerError):
        context = {k: v for k, v in error.context.items() if isinstance(v, (str, int, float))}
        return Refusal(g.form_name, status_for(error), error.title, error.detail, context=context)
    problem_fields = error.extra.get("errors")
    return Refusal(
        g.form_name,
        error.status,
        error.title or "Refused",
        error.detail,
        fields=_messages(problem_fields) if isinstance(problem_fields, dict) else {},
        context={k: v for k, v in error.extra.items() if isinstance(v, (str, int, float))},
    )


def form(name: str, page: Callable[..., Any]) -> Callable[[F], F]:
    """The view handles form `name` (formatted with the view's arguments: one
    form per row is `"decline-{application_id}"`); on a refusal the page is
    shown again by `page(...)`, given the view's arguments it takes and the
    refusal, with what was typed, at the refusal's status (the API's)."""
    takes = set(inspect.signature(page).parameters)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            g.form_name = name.format(**kwargs)
            try:
                return view(**kwargs)
            except Refused as error:
                refusal = error.refusal
            except (LedgerError, ProblemError) as error:
                refusal = refusal_of(error)
            refusal.values = {
                k: request.form.getlist(k) if len(request.form.getlist(k)) > 1 else v
                for k, v in request.form.items()
                if k not in NOT_TYPED
            }
            shown = {k: v for k, v in kwargs.items() if k in takes}
            return page(**shown, refusal=refusal), refusal.status

        return wrapper  # type: ignore[return-value]

    return decorator


def done(endpoint: str, position: int, notice: str, **values: Any) -> Response:
    """After a write: the page that shows it, once its view has reached `position`."""
    return redirect(url_for(endpoint, at=position, notice=notice, **values), code=303)
