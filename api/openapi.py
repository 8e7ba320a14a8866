"""The OpenAPI document tells the truth, from the places that decide it:

- security: `api.auth.require` records the bearer scheme and its 401/403 on
  the view (`secured`); every other operation says `security: []` (public);
- success bodies: `Blueprint.response(status, Schema)` documents the schema
  and sends the view's body as the view built it (the schemas live in
  `api.responses`; tests/api/test_openapi.py holds the two together with
  schemathesis' conformance checks);
- errors: every error is `application/problem+json` with the `Problem`
  schema, listed per operation by the rules the code follows (`_Boundary`):
  the request guards of `api.boundary` (400, 413, 415, 422 on every /v1
  path), path parameters (404), writes that run a command (404, 409),
  `min_position` (503), plus what a view declares itself (`problems`).
"""

from __future__ import annotations

import functools
import http
import threading
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

import flask_smorest
from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow.common import resolve_schema_instance
from flask import request
from flask_smorest.etag import IF_NONE_MATCH_HEADER
from flask_smorest.utils import deepupdate, prepare_response
from marshmallow import INCLUDE, Schema, ValidationError, fields
from werkzeug.routing import PathConverter, UnicodeConverter

from api.locations import Location
from api.query_parser import QueryParser

F = TypeVar("F", bound=Callable[..., Any])

PROBLEM_JSON = "application/problem+json"
BEARER = [{"bearer": []}]
_WRITES = frozenset({"post", "put", "patch", "delete"})
_BODY_WRITES = frozenset({"post", "put", "patch"})


class Problem(Schema):
    """RFC 9457 problem details; extension members (e.g. `position`, `head`,
    `tree_size`) may follow."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"description": "a URI naming the problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "validation errors: field (or parameter) -> messages"},
    )


def _name(status: int) -> str:
    return http.HTTPStatus(status).name


def _document(view: Any, doc: dict[str, Any]) -> None:
    """Merge `doc` into the operation's manual doc (as `@blp.doc` does)."""
    view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    view._apidoc["manual_doc"] = deepupdate(view._apidoc.get("manual_doc", {}), deepcopy(doc))


def secured(view: Any, *, forbidden: bool) -> None:
    """The operation needs a bearer token: 401 without one, 403 for a role
    (or participant) it does not serve."""
    responses = {"401": _name(401)} | ({"403": _name(403)} if forbidden else {})
    _document(view, {"security": BEARER, "responses": responses})


def problems(*statuses: int) -> Callable[[F], F]:
    """Declare statuses a view answers that no general rule implies."""

    def decorator(view: F) -> F:
        _document(view, {"responses": {str(s): _name(s) for s in statuses}})
        return view

    return decorator


IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "a retry with the same key and body gets the original response",
}


RETRY_AFTER = {
    "description": "seconds to wait before asking again",
    "schema": {"type": "integer", "minimum": 0},
}


def idempotent_write(view: Any) -> None:
    """The write takes `Idempotency-Key` (and runs a command that can refuse)."""
    _document(view, {"parameters": [IDEMPOTENCY_KEY], "x-idempotent": True})


def _empty_query(schema: Schema) -> dict[str, Any] | None:
    """What `schema` loads from no query parameters, when that is the same
    on every request (no required field, no default computed per load)."""
    if any(callable(field.load_default) for field in schema.fields.values()):
        return None
    try:
        return schema.load({})
    except ValidationError:
        return None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = QueryParser()  # a repeated query string is parsed once per worker

    def arguments(self, schema: Any, *args: Any, **kwargs: Any) -> Callable[[F], F]:
        """As flask-smorest's, with one schema instance per view instead of a
        new one per request (webargs builds one from a class each time, deep
        copying every field: a sixth of a small read). Loading keeps no state
        on the instance, so the threads of a worker share it."""
        if isinstance(schema, type):
            schema = schema()
        parse = super().arguments(schema, *args, **kwargs)
        empty = _empty_query(schema) if kwargs.get("location") == "query" else None
        if empty is None:
            return parse

        def decorator(view: F) -> F:
            parsed = parse(view)
            documented = parsed.__wrapped__  # type: ignore[attr-defined]

            @functools.wraps(parsed)
            def wrapper(*f_args: Any, **f_kwargs: Any) -> Any:
                # Most reads have no query: their arguments are the defaults,
                # known before any request (webargs would load them each time).
                if request.args:
                    return parsed(*f_args, **f_kwargs)
                return documented(*f_args, dict(empty), **f_kwargs)

            return wrapper  # type: ignore[return-value]

        return decorator

    def response(
        self,
        status_code: int,
        schema: Any = None,
        *,
        content_type: str | None = None,
        location: Location | None = None,
        **kwargs: Any,
    ) -> Callable[[F], F]:
        """Document `schema` for `status_code`; the body is sent as the view
        built it, never re-serialised, so no field is dropped or reshaped on
        the way out (its agreement with the schema is tested instead). A
        `location` is sent and documented as the `Location` header."""
        documented = (
            schema
            if schema is None or isinstance(schema, dict)
            else resolve_schema_instance(schema)
        )
        if location is not None:
            kwargs["headers"] = {"Location": location.header()} | kwargs.get("headers", {})
        plain = super().response(status_code, content_type=content_type, **kwargs)

        def decorator(view: F) -> F:
            wrapper = plain(view if location is None else location.sent_by(view))
            if documented is not None:
                doc = wrapper._apidoc["response"]["responses"][status_code][-1]  # type: ignore[attr-defined]
                doc["schema"] = (
                    documented
                    if isinstance(documented, dict)
                    else self._make_doc_response_schema(documented)
                )
            return wrapper

        return decorator


class Api(flask_smorest.Api):
    """flask-smorest's, documenting the blueprints' operations when the
    document is first read (`spec`: /openapi.json, `flask openapi`): that
    (apispec's paths, marshmallow's schemas, deep copies) was half of
    `create_app`, and most apps, a test's, never serve the document."""

    ERROR_SCHEMA = Problem
    # No catch-all "default": each operation lists the statuses it can answer.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def __init__(self, app: Any = None, **kwargs: Any) -> None:
        # Before flask-smorest's __init__, which assigns and reads `spec`.
        self._doc_lock = threading.Lock()
        self._undocumented: list[Callable[[], None]] = []
        spec_kwargs = {"extra_plugins": [_Boundary()]} | kwargs.pop("spec_kwargs", {})
        super().__init__(app, spec_kwargs=spec_kwargs, **kwargs)

    @property
    def spec(self) -> APISpec:
        self.complete_doc()
        return self._spec

    @spec.setter
    def spec(self, spec: APISpec) -> None:
        self._spec = spec

    def complete_doc(self) -> None:
        """Document the blueprints not yet documented, in the order registered,
        once: threads asking at once wait on the lock for the first, and a
        step leaves the queue only when done (empty means whole)."""
        if not self._undocumented:
            return
        with self._doc_lock:
            while self._undocumented:
                self._undocumented[0]()
                del self._undocumented[0]

    def register_blueprint(self, blp: Any, *, parameters: Any = None, **options: Any) -> None:
        """As flask-smorest 0.47's: the blueprint serves at once; its
        operations join the document when the document is next read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document() -> None:  # `_spec`: `spec` would wait on the lock held
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        with self._doc_lock:
            self._undocumented.append(document)

    def _register_responses(self) -> None:
        """Every error status, described as the problem+json we send."""
        self.spec.components.schema("Problem", schema=Problem)
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = "Problem"
            if status == 503:  # api/errors.py, api/freshness.py: every 503 says when
                response["headers"] = {"Retry-After": RETRY_AFTER}
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)


class _Boundary(BasePlugin):
    """The statuses every operation of a kind can answer, from the rules that
    answer them (api/boundary.py, the route converters, api/freshness.py)."""

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        rule = kwargs.get("rule")
        converters = getattr(rule, "_converters", {})
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})

            def add(*statuses: int, responses: dict[str, Any] = responses) -> None:
                for status in statuses:
                    responses.setdefault(str(status), _name(status))

            operation.setdefault("security", [])  # public unless `require` said otherwise
            if path and path.startswith("/v1/"):
                add(422)  # unknown query parameters; a bad Idempotency-Key
                add(503)  # the store unreachable or busy (api/errors.py)
            if method in _BODY_WRITES:
                add(400, 413, 415)
            if converters:
                add(404)
            if any(isinstance(c, UnicodeConverter | PathConverter) for c in converters.values()):
                add(400)  # a control character in a path segment
            if operation.pop("x-idempotent", False) and method in _WRITES:
                add(404, 409)  # the command's named errors (api/errors.py)
            query = {p.get("name") for p in operation.get("parameters", []) if "name" in p}
            if "min_position" in query:
                add(503)
            if method == "get":
                _conditional(operation, add)


def _conditional(operation: dict[str, Any], add: Callable[..., None]) -> None:
    """Every GET's 200 carries an `ETag` and honours `If-None-Match`, not only
    the views tagged by their positions (`@etagged`): `api.conditional` tags
    the rest (the transparency log, the webhook lists) by their bodies' hash."""
    responses = operation["responses"]
    ok = responses.get(200, responses.get("200"))
    if not isinstance(ok, dict):
        return
    ok.setdefault("headers", {}).setdefault("ETag", "ETAG")
    if not ({304, "304"} & set(responses)):
        add(304)
        # Written out, as the tagged views' `$ref` resolves to: a reader of
        # one operation's parameters finds each by its name.
        operation.setdefault("parameters", []).append(deepcopy(IF_NONE_MATCH_HEADER))
