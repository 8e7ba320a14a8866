"""The process's `System` as the HTTP layer reaches it: built on first use,
i.e. in the gunicorn worker after the fork, never in the master (connection
pools do not survive a fork)."""

from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager

from flask import Flask, current_app, g, request

from api.bootstrap import System, bootstrap
from ledger.settings import Settings

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


def register_shared_reads(app: Flask) -> None:
    """Each read (GET, HEAD) of the API and the public site runs its token
    lookup, freshness check, positions and view rows in one transaction on
    one connection (`ledger.database.Database.sharing`), not one each. Not
    the console's pages (each request there keeps its session alive: a
    write), nor what reads no view (static files, health, metrics)."""

    @app.before_request
    def _share() -> None:
        if request.method in ("GET", "HEAD") and not request.path.startswith(_UNSHARED):
            scope = system().db.sharing()
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
