"""Conditional reads: a read's 200 carries an `ETag` (a hash of its body), and
a request whose `If-None-Match` names it is answered `304 Not Modified` with
no body, so a client polling a view downloads it again only once it changed.

Decorate a view under its `@blp.response(...)` (it needs the built response):
the OpenAPI document then lists `If-None-Match`, the `ETag` header and the
304, through flask-smorest's own ETag documentation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar

from flask import Response, current_app, request

F = TypeVar("F", bound=Callable[..., Any])


def etagged(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response = current_app.make_response(view(*args, **kwargs))
        if isinstance(response, Response) and response.status_code == 200:
            response.add_etag()  # SHA-1 of the body: the same body, the same tag
            response.make_conditional(request)  # If-None-Match matched: 304, no body
        return response

    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
    wrapper._apidoc["etag"] = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
