"""Composition helpers shared by the HTTP app, the CLI and the workers."""

from __future__ import annotations

import threading
from typing import Protocol

from ledger.application import Ledger
from ledger.persistence import store_env
from ledger.settings import Settings


class Worker(Protocol):
    """A long-running loop (a projection follower, the tree builder, the
    webhook dispatcher). `run` returns soon after `stop` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


def open_ledger(settings: Settings, *, create_table: bool = False) -> Ledger:
    """One Ledger per process, built after any fork (never in a gunicorn master)."""
    return Ledger(env=store_env(settings.database_url, create_table=create_table))
