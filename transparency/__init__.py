"""The transparency log (stub)."""

from __future__ import annotations

from typing import Any


def create_tables(db: Any) -> None:
    """Create this package's tables (run once by `labledger db init`)."""


def workers(ledger: Any, settings: Any) -> list[Any]:
    """The tree builder."""
    return []
