"""Read models built from the log (stub: filled by the read-side work)."""

from __future__ import annotations

from typing import Any


def create_tables(db: Any) -> None:
    """Create this package's tables (run once by `labledger db init`)."""


def workers(ledger: Any, settings: Any) -> list[Any]:
    """The followers that keep the read models current."""
    return []
