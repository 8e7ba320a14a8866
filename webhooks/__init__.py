"""Partner webhooks: Standard Webhooks deliveries driven from the event log."""

from __future__ import annotations

from typing import Any

from ledger.settings import Settings
from webhooks.schema import create_tables


def workers(ledger: Any, settings: Settings) -> list[Any]:
    """The delivery dispatcher (run by `labledger serve` or `labledger webhooks run`)."""
    from webhooks.dispatcher import Dispatcher

    return [Dispatcher(ledger, settings)]


__all__ = ["create_tables", "workers"]
