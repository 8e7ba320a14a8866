"""The per-process resources the HTTP layer uses, built lazily after fork."""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app

from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.settings import Settings
from ledger.tokens import TokenStore


class Services:
    """One Ledger per process: built on first use, i.e. in the gunicorn worker
    after the fork, never in the master (connection pools do not survive a fork)."""

    def __init__(self, settings: Settings, ledger: Ledger | None = None) -> None:
        self.settings = settings
        self._ledger = ledger
        self._lock = threading.RLock()  # a factory may build the ledger on first use
        # Other areas keep their per-process objects here (e.g. read-model stores).
        self.extras: dict[str, Any] = {}

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            with self._lock:
                if self._ledger is None:
                    self._ledger = open_ledger(self.settings)
        return self._ledger

    @property
    def tokens(self) -> TokenStore:
        return TokenStore(self.ledger.db)

    def extra(self, name: str, factory: Any) -> Any:
        """A lazily built, per-process object shared by requests (`factory(self)`)."""
        value = self.extras.get(name)
        if value is None:
            with self._lock:
                value = self.extras.get(name)
                if value is None:
                    value = self.extras[name] = factory(self)
        return value


def services() -> Services:
    return current_app.extensions["labledger"]
