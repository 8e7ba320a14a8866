"""Conditional reads: a read's 200 carries an `ETag`, and a request whose
`If-None-Match` names it is answered `304 Not Modified` with no body, so a
client polling a view downloads it again only once it changed.

A read of the API tags itself by what its body is derived from (`tag_read`):
the positions of the views it reads, the log head (personal data changes only
in the transaction of an event: a display name, an erasure), and the
representation asked for (path, query, `Accept`, and who asks: roles see
different fields). It does so before it reads a view row, so a 304 costs the
token and the positions, nothing else. The tag is strong: one tag names one
representation's exact bytes (JSON and CSV differ by `Accept` or `format`).
A body that changes with time alone (a grant expiring) names the instant in
its tag (`valid_until`), after which the tag no longer matches.

A tag names its body's bytes, so a worker answers a tag it already answered
from memory (`api.body_cache`), at the same point: after the token and the
positions, before a view row.

`register_conditional_reads` tags every other successful GET (the pages, the
transparency log) by a hash of its body. `@etagged`, under a view's
`@blp.response(...)`, documents it: the OpenAPI document then lists
`If-None-Match`, the `ETag` header and the 304, through flask-smorest's own
ETag documentation.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, Request, Response, current_app, g, request
from werkzeug.http import http_date, quote_etag

from api import tag_memo
from api.body_cache import EXTENSION, BodyCache, Entry, entry_of
from ledger.actors import Actor
from ledger.events import rfc3339

F = TypeVar("F", bound=Callable[..., Any])
_READS = frozenset({"GET", "HEAD"})
UNTIL = "~"  # between a tag and the instant it stops being valid
# Query parameters that change when a read answers, never what it answers.
_NOT_REPRESENTATION = frozenset({"min_position"})


class NotModified(Exception):
    """The client holds the current representation: answer 304."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


class Cached(Exception):
    """This worker answered this tag before: answer the same bytes."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry


def _representation(req: Request, actor: Actor | None) -> str:
    query = (
        sorted((k, v) for k, v in req.args.items(multi=True) if k not in _NOT_REPRESENTATION)
        if req.environ.get("QUERY_STRING")
        else []
    )
    asker = f"{actor.role}:{actor.participant_id}" if actor is not None else "-"
    return f"{req.path}?{query}|{req.environ.get('HTTP_ACCEPT', '')}|{asker}"


def _now() -> str:
    return rfc3339(datetime.now(UTC))


def tag_read(*state: object, remember: Any = None) -> None:
    """Tag this read by the `state` its body derives from (and the
    representation asked for); raise NotModified when the client holds it.
    `remember`: the read state the tag is a function of alone, when every
    view the read names is at its head (an `api.read_state.ReadState`:
    `api.tag_memo`)."""
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    ctx_g = g._get_current_object()  # type: ignore[attr-defined]
    ctx_g.memo_state = remember
    representation = _representation(req, ctx_g.get("actor"))
    digest = hashlib.sha256(f"{state!r}|{representation}".encode()).hexdigest()[:32]
    ctx_g.etag = digest
    if "HTTP_IF_NONE_MATCH" in req.environ:
        held = req.if_none_match
        if held:
            _check_held(held, digest)
    cache: BodyCache | None = ctx_g.get("body_cache")
    entry = cache.get(digest, _now) if cache is not None else None
    if entry is not None:
        raise Cached(entry)
    # The view's rows come next. A read whose state was remembered
    # (`api.read_state`) reads it again with them; if it moved on meanwhile,
    # the rows are newer than the tag, and the answer goes untagged.
    before_rows = ctx_g.pop("before_rows", None)
    if before_rows is not None and not before_rows():
        del ctx_g.etag


def _check_held(held: Any, digest: str) -> None:
    """NotModified when the client's `If-None-Match` names this tag, still valid."""
    if held.star_tag:
        raise NotModified(digest)
    for candidate in held.as_set(include_weak=True):
        if not candidate:  # werkzeug's reading of `""`
            continue
        tag, _, until = candidate.partition(UNTIL)
        if tag == digest and (not until or _now() < until):
            raise NotModified(candidate)


def valid_until(instant: str | None) -> None:
    """The body changes at `instant` (RFC 3339 UTC) without any event."""
    if instant is not None and (g.get("etag_until") is None or instant < g.etag_until):
        g.etag_until = instant


# What makes a request conditional (or ranged) for werkzeug's `make_conditional`.
_CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)


def _conditional(response: Response) -> Response:
    response.add_etag()  # SHA-1 of the body: the same body, the same tag
    environ = request.environ
    if any(name in environ for name in _CONDITIONS):
        return response.make_conditional(request)  # If-None-Match matched: 304, no body
    # What `make_conditional` does to an unconditional GET, without its parsing.
    if "Date" not in response.headers:
        response.headers["Date"] = http_date()
    return response


def register_conditional_reads(app: Flask, read_state: Callable[[], Any] | None = None) -> None:
    """`read_state`: the request's token and positions (`api.read_state`),
    which a remembered tag is checked against (`api.tag_memo`); without it,
    no tag is remembered."""
    app.extensions[EXTENSION] = BodyCache()
    memo = tag_memo.TagMemo(read_state) if read_state is not None else None
    app.extensions[tag_memo.EXTENSION] = memo

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


def _keep(cache: BodyCache | None, tag: str, response: Response, until: str | None) -> None:
    """Remember a tagged 200 for the next read of its tag in this worker."""
    if cache is None:
        return
    entry = entry_of(response, until)
    if entry is not None:
        cache.put(tag, entry)


def _not_modified(tag: str) -> Response:
    response = Response(status=304)
    # What `set_etag` and `vary.add` would write, appended at once.
    response.headers._list += [("ETag", quote_etag(tag)), ("Vary", "Accept")]  # type: ignore[attr-defined]
    return response


def _remembered(app: Flask, memo: tag_memo.TagMemo, key: bytes, cache: BodyCache) -> Any:
    """The answer to a request this worker tagged before at the same
    positions (`api.tag_memo`): a 304, or its remembered body; None to run
    the view."""
    state = memo.read_state()
    tag = memo.get(key, memo.positions(state.head, state.views), _now)
    if tag is None:
        return None
    if "HTTP_IF_NONE_MATCH" in request.environ:
        held = request.if_none_match
        if held:
            try:
                _check_held(held, tag)
            except NotModified as hit:
                return _not_modified(hit.tag)
    entry = cache.get(tag, _now)
    return entry.response(app.response_class) if entry is not None else None


def _memorise(memo: tag_memo.TagMemo, key: bytes, tag: str, until: str | None) -> None:
    state = g.get("memo_state")
    if state is not None:
        memo.put(key, memo.positions(state.head, state.views), tag, until)


def etagged(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        ctx_g = g._get_current_object()  # type: ignore[attr-defined]
        cache = app.extensions.get(EXTENSION) if request.method in _READS else None
        ctx_g.body_cache = cache
        memo = app.extensions.get(tag_memo.EXTENSION) if cache is not None else None
        key = tag_memo.key_of(request.environ) if memo is not None else None
        if key is not None:
            answer = _remembered(app, memo, key, cache)  # type: ignore[arg-type]
            if answer is not None:
                return answer
        try:
            response = app.make_response(view(*args, **kwargs))
        except NotModified as held:
            if key is not None:  # a client that only ever polls with its tag
                _memorise(memo, key, ctx_g.etag, None)  # type: ignore[arg-type]
            return _not_modified(held.tag)
        except Cached as hit:
            if key is not None:
                _memorise(memo, key, ctx_g.etag, hit.entry.until)  # type: ignore[arg-type]
            return hit.entry.response(app.response_class)
        if isinstance(response, Response) and response.status_code == 200:
            tag = ctx_g.get("etag")
            if tag is None:
                return _conditional(response)
            until = ctx_g.get("etag_until")
            response.set_etag(f"{tag}{UNTIL}{until}" if until else tag)
            response.vary.add("Accept")
            _keep(cache, tag, response, until)
            if key is not None:
                _memorise(memo, key, tag, until)  # type: ignore[arg-type]
        return response

    wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
    wrapper._apidoc["etag"] = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
