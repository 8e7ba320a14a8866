"""The checks every request passes before any view runs, so no route can
forget them: a URL without control characters, and a write body that is JSON
of bounded size, depth, width and number length. The fields themselves are
checked by the schemas (`api.schemas`); this is what must hold before a
schema can safely look at a request at all."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, current_app, request
from werkzeug.routing import IntegerConverter

from api.errors import ProblemError, http_title, problem, too_large
from api.schemas import unsafe_character

# Deeper than any schema here (an object holding a list of strings is 2), far
# below the interpreter's recursion limit: parsing and validating never recurse
# more than this.
MAX_DEPTH = 32
# More values than any valid body holds (500 generation ids is the most), so a
# megabyte of tiny values costs one pass here, not a schema's work per value.
MAX_VALUES = 10_000
# A 64-bit integer has at most 20 characters with its sign; a longer literal is
# out of every range, and Python refuses to convert one past 4,300 digits.
MAX_INTEGER_CHARS = 20

_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_WRITES = frozenset({"POST", "PUT", "PATCH"})
API_PREFIX = "/v1/"  # the JSON API: every other path is a page, an asset or the log's tiles
FORMS_PREFIX = "/console/"  # the signed-in console posts HTML forms (web/console)
FORM = "application/x-www-form-urlencoded"


class _Oversized:
    """Stands in for an integer literal too long to be in any range."""


def _bad_body(detail: str) -> ProblemError:
    return ProblemError(400, detail, title="Bad Request")


def _too_deep(text: str) -> bool:
    depth = 0
    for token in _STRING_OR_BRACKET.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif bracket in ("]", "}"):
            depth -= 1
    return False


def _integer(literal: str) -> int | _Oversized:
    return int(literal) if len(literal) <= MAX_INTEGER_CHARS else _Oversized()


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


class _RepeatedMember(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object naming a member once. `{"slug": "a", "slug": "b"}` was
    program "b" here, while another parser on the way (a proxy, a signer, a
    log) may read "a": one body, one meaning."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _RepeatedMember(name)
            seen.add(name)
    return members


def parse_body(raw: bytes) -> Any:
    """The JSON body, or a 400/422 problem saying why it cannot be one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad_body("the request body is not valid UTF-8") from None
    if _too_deep(text):
        raise _bad_body(f"the request body nests deeper than {MAX_DEPTH} levels")
    try:
        body = json.loads(
            text, parse_int=_integer, parse_constant=_not_json, object_pairs_hook=_members
        )
    except _RepeatedMember as repeated:
        raise ProblemError(
            422,
            f"the request body names the member {repeated.name!r} more than once",
            title=http_title(422),
            errors={repeated.name: ["Given more than once."]},
        ) from None
    except ValueError:
        raise _bad_body("the request body is not valid JSON") from None
    _check_values(body)
    return body


def _check_values(body: Any) -> None:
    """Count the values and name the fields holding an oversized integer."""
    named = body.items() if isinstance(body, dict) else [("_schema", body)]
    count, oversized = 0, []
    for name, value in named:
        stack = [value]
        while stack:
            item = stack.pop()
            count += 1
            if isinstance(item, _Oversized) and name not in oversized:
                oversized.append(name)
            elif isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        if count > MAX_VALUES:
            raise _bad_body(f"the request body holds more than {MAX_VALUES} values")
    if oversized:
        message = f"an integer of more than {MAX_INTEGER_CHARS} characters is out of range"
        raise ProblemError(
            422,
            "the request failed validation; see errors",
            title=http_title(422),
            errors={name: [message] for name in oversized},
        )


def _check_url(req: Request) -> None:
    """Control characters in a path segment or query parameter never reach a
    view (PostgreSQL refuses NUL in text, and no id or slug has one). An API
    operation's query names only parameters it declares, each once (no
    parameter is a list: `?limit=1&limit=2` would leave one of them ignored).
    A path with no route, or a method it does not take, is Flask's 404 or
    405, whatever the query says."""
    if req.routing_exception is not None:
        return
    for name, value in (req.view_args or {}).items():
        reason = unsafe_character(value) if isinstance(value, str) else None
        if reason is not None:
            raise ProblemError(
                400,
                f"the path segment {name} {reason}",
                title="Bad Request",
                errors={name: [reason]},
            )
    if not req.environ.get("QUERY_STRING"):  # most requests: nothing more to check
        return
    args = req.args
    if not args:
        return
    errors: dict[str, list[str]] = {}
    for name, value in args.items(multi=True):
        reason = unsafe_character(name) or unsafe_character(value)
        if reason is not None:
            errors.setdefault(name, []).append(reason)
    if not errors and req.path.startswith(API_PREFIX):
        known = declared_query(req.endpoint)
        for name in args:
            if name not in known:
                errors[name] = ["Unknown field."]
            elif len(args.getlist(name)) > 1:
                errors[name] = ["Given more than once."]
    if errors:
        raise ProblemError(
            422,
            "the request failed validation; see errors",
            title=http_title(422),
            errors=errors,
        )


@functools.cache
def _declared_query(view: Callable[..., Any]) -> frozenset[str]:
    names: set[str] = set()
    for parameter in getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", []):
        if parameter["in"] == "query":
            schema = parameter["schema"]
            schema = schema() if isinstance(schema, type) else schema
            names.update(field.data_key or name for name, field in schema.fields.items())
    return frozenset(names)


def declared_query(endpoint: str | None) -> frozenset[str]:
    """The query parameters an API operation declares (its `location="query"`
    schema): any other is refused like an unknown body field, so a misspelt
    filter (`/v1/works?titel=Tide`) is an error, never a silent "everything"."""
    view = current_app.view_functions.get(endpoint or "")
    return frozenset() if view is None else _declared_query(view)


class PlainInt(IntegerConverter):
    """`<int:...>` in its one spelling: ASCII digits without leading zeros.
    werkzeug's reads `\\d+`, so "/leaves/٣" (an Arabic-Indic 3) and "/leaves/03"
    were leaf 3 too."""

    regex = r"(?:0|[1-9][0-9]*)"


def strict_urls(app: Flask) -> None:
    """Before any route is added: one URL per resource. An empty path segment
    is no path of ours (werkzeug merged "//" and redirected
    /v1/programs//roster to /v1/programs/roster, another resource)."""
    app.url_map.merge_slashes = False
    app.url_map.converters["int"] = PlainInt


def register_request_guards(app: Flask) -> None:
    @app.before_request
    def _guard() -> Response | None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        _check_url(req)
        if req.environ.get("CONTENT_LENGTH"):  # no length (most GETs): nothing to bound
            limit = app.config.get("MAX_CONTENT_LENGTH")
            if limit and req.content_length and req.content_length > limit:
                return problem(413, http_title(413), too_large(app))
        if req.method not in _WRITES:
            return None
        if req.path.startswith(FORMS_PREFIX) and req.mimetype == FORM:
            return None  # the console's HTML forms: each field is checked by the API's schema
        raw = req.get_data(cache=True)  # bounded: werkzeug stops at the limit (413)
        if not raw:
            return None
        if not req.is_json:  # anything else would be silently ignored
            return problem(
                415, "Unsupported Media Type", "send the request body as application/json"
            )
        parse_body(raw)
        return None


# An API answers JSON and text only: nothing it sends is a page to render,
# frame or run scripts in. The Swagger UI at /docs is served from this origin
# (api/swagger.py), so it runs scripts from here only and talks to nothing
# else. The site's pages (web/) run only their own module scripts, never an
# inline one, fetch only this origin's API and submit forms only to it.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


CSP = "Content-Security-Policy"
_SECURITY_NAMES = frozenset(name.lower() for name in (*SECURITY_HEADERS, CSP))


def _csp(path: str, mimetype: str | None) -> str:
    if path == "/docs" or path.startswith("/docs/"):
        return DOCS_CSP
    return PAGE_CSP if mimetype == "text/html" else API_CSP


def _header_lists() -> dict[str, list[tuple[str, str]]]:
    return {csp: [*SECURITY_HEADERS.items(), (CSP, csp)] for csp in (API_CSP, PAGE_CSP, DOCS_CSP)}


def register_response_headers(app: Flask) -> None:
    every = _header_lists()  # one list per policy: appended whole to most responses

    @app.after_request
    def _headers(response: Response) -> Response:
        req = request._get_current_object()  # type: ignore[attr-defined]
        headers = response.headers
        # Each header unless the view set its own: one pass over what is
        # there, then appends (a setdefault each scans the list again).
        present = _SECURITY_NAMES.intersection(name.lower() for name in headers.keys())
        if not present:  # most responses: all of them, as they are (no check needed)
            headers._list.extend(every[_csp(req.path, response.mimetype)])  # type: ignore[attr-defined]
        else:
            for name, value in SECURITY_HEADERS.items():
                if name.lower() not in present:
                    headers.add(name, value)
            if CSP.lower() not in present:
                headers.add(CSP, _csp(req.path, response.mimetype))
        # What a token may read is personal to it (rosters, applications, the
        # staff feed, a webhook secret): no cache, private or shared, keeps it.
        if "HTTP_AUTHORIZATION" in req.environ:
            headers["Cache-Control"] = "no-store"
        return response
