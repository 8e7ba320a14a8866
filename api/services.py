"""The process's `System` as the HTTP layer reaches it: built on first use,
i.e. in the gunicorn worker after the fork, never in the master (connection
pools do not survive a fork)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager

from flask import Flask, current_app, g, request

from api.bootstrap import System, bootstrap
from api.conditional import etagged
from ledger.settings import Settings

_PAGE_TAGS = "labledger.page_tags"
_UNSHARED = ("/console/", "/static/", "/healthz", "/metrics")


class LazySystem:
    def __init__(self, settings: Settings, system: System | None = None) -> None:
        self.settings = settings
        self._system = system
        self._lock = threading.Lock()

    def get(self) -> System:
        if self._system is None:
            with self._lock:
                if self._system is None:
                    self._system = bootstrap(self.settings)
        return self._system


def system() -> System:
    """The System of the app handling this request."""
    return current_app.extensions["labledger"].get()


# The site's pages answer like the API's reads: `@public_read` under the
# route, then `tag_public_read(...)` before the first view row.
public_read = etagged


def register_page_tags(app: Flask, tagger: Callable[..., None]) -> None:
    """The composition root hands over how a page tags itself
    (`api.page_tags.tag_page`): it needs the API's reads, which need this module."""
    app.extensions[_PAGE_TAGS] = tagger


def tag_public_read(*views: str, also: tuple[object, ...] = ()) -> None:
    """Tag a public page (under `@public_read`) as the API tags its reads:
    each view caught up, then the tag from the views' generations and
    positions, the log head, what the page shows that no event changes
    (`also`: a checkpoint's size) and its URL root. Before any view row, so
    a 304 or the worker's remembered body answers without reading one or
    rendering."""
    current_app.extensions[_PAGE_TAGS](*views, also=also)


def register_shared_reads(app: Flask) -> None:
    """Each read (GET, HEAD) of the API and the public site runs its token
    lookup, freshness check, positions and view rows in one transaction on
    one connection (`ledger.database.Database.sharing`), not one each. Not
    the console's pages (each request there keeps its session alive: a
    write), nor what reads no view (static files, health, metrics)."""

    lazy: LazySystem = app.extensions["labledger"]

    @app.before_request
    def _share() -> None:
        req = request._get_current_object()  # type: ignore[attr-defined]
        if req.method in ("GET", "HEAD") and not req.path.startswith(_UNSHARED):
            scope = lazy.get().db.sharing()
            scope.__enter__()
            g.shared_read = scope

    @app.teardown_request
    def _end(error: BaseException | None) -> None:
        scope: AbstractContextManager[None] | None = g.pop("shared_read", None)
        if scope is not None:
            try:
                scope.__exit__(None, None, None)
            except Exception:  # a broken connection: the response is already made
                logging.getLogger("labledger.api").exception("ending a read's transaction")
