"""The process's `System` as the HTTP layer reaches it: built on first use,
i.e. in the gunicorn worker after the fork, never in the master (connection
pools do not survive a fork)."""

from __future__ import annotations

import threading

from flask import current_app

from api.bootstrap import System, bootstrap
from ledger.settings import Settings


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
