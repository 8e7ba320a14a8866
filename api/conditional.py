"""Conditional reads: a read's 200 carries an `ETag` (a hash of its body), and
a request whose `If-None-Match` names it is answered `304 Not Modified` with
no body, so a client polling a view downloads it again only once it changed.

`register_conditional_reads` does it for every successful GET, pages and API
alike. `@etagged`, under a view's `@blp.response(...)`, does the same for
that view and documents it: the OpenAPI document then lists `If-None-Match`,
the `ETag` header and the 304, through flask-smorest's own ETag documentation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request

F = TypeVar("F", bound=Callable[..., Any])
_READS = frozenset({"GET", "HEAD"})


def _conditional(response: Response) -> Response:
    response.add_etag()  # SHA-1 of the body: the same body, the same tag
    return response.make_conditional(request)  # If-None-Match matched: 304, no body


def register_conditional_reads(app: Flask) -> None:
    @app.after_request
    def _etag(response: Response) -> Response:
        if (
            request.method not in _READS
            or response.status_code != 200
            or response.direct_passthrough  # files: werkzeug sets their own validators
            or response.is_streamed
            or "ETag" in response.headers
        ):
            return response
        return _conditional(response)


def etagged(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        if isinstance(response, Response) and response.status_code == 200:
            response = _conditional(response)
        return response

    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
    wrapper._apidoc["etag"] = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
