"""`Location` on a 201: where the created resource is read.

A write that creates something answers 201 with `Location`, a path on this
service: a relative reference (RFC 9110 §10.2.2), as no answer of the API
names the host it was asked of (a proxy in front may know it better). It is made
from the answer's body and the request's path arguments, never from state
of the moment, so an idempotent replay, which answers the first answer's
body, names the same URL. Declared on the view with
`@blp.response(201, Schema, location=...)` (api/openapi.py), which also
documents the header.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Response, current_app, request

F = TypeVar("F", bound=Callable[..., Any])

# What a client reads from a view must wait for it: said once, on each 201
# whose resource is read from a read model.
FROM_A_VIEW = (
    "; it is read from a read model: pass the answer's `position` as `min_position` "
    "to be sure to find it"
)


@dataclass(frozen=True)
class Location:
    """`url(body, path)`: the URL from the answer's body and the view's path
    arguments; `what`: the resource it names, for the document."""

    what: str
    url: Callable[[dict[str, Any], dict[str, Any]], str]

    def header(self) -> dict[str, Any]:
        return {
            "description": f"where it is read: {self.what}",
            "required": True,
            "schema": {"type": "string", "format": "uri-reference"},
        }

    def sent_by(self, view: F) -> F:
        """`view`, answering with the header (its body built by the view, or
        a replay's stored one)."""

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = view(*args, **kwargs)
            body = result.get_json() if isinstance(result, Response) else result
            return result, {"Location": self.url(body, kwargs)}

        return wrapper  # type: ignore[return-value]


_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def path_of(endpoint: str, **values: Any) -> str:
    """The path of the view `endpoint` with its URL arguments `values`, as this
    request reached the app: under the prefix it is mounted at, if any
    (`SCRIPT_NAME`). Its rule filled in as a template: `url_for` cost a write
    ~3% of its CPU."""
    (rule,) = current_app.url_map.iter_rules(endpoint)
    filled = {name: quote(str(value), safe="") for name, value in values.items()}
    return request.script_root + _ARGUMENT.sub(r"{\1}", rule.rule).format(**filled)


def read_at(endpoint: str, what: str, **arguments: str) -> Location:
    """The read view `endpoint`, each of its URL `arguments` taken from the
    body field (or else the path argument) named."""

    def url(body: dict[str, Any], path: dict[str, Any]) -> str:
        values = path | body
        return path_of(endpoint, **{name: values[field] for name, field in arguments.items()})

    return Location(what, url)
