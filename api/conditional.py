"""Conditional reads: every successful GET carries an ETag (a hash of its
body), and a client that sends it back in `If-None-Match` gets a bodiless
304 Not Modified instead of the same bytes again (pages and API alike)."""

from __future__ import annotations

from flask import Flask, Response, request

_READS = frozenset({"GET", "HEAD"})


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
        response.add_etag()
        return response.make_conditional(request)
