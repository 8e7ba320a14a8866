"""Fixtures of the in-memory command tests: the Ledger on eventsourcing's
in-memory store, its side tables in an in-memory SQLite database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger import store
from ledger.schema import Schema

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def memory() -> store.Store:
    """A store in memory whose clock stands at NOW (10 March 2026, noon UTC)."""
    opened = store.Store.memory()
    Schema(store.TABLES).init(opened.db)
    opened.ledger.clock = lambda: NOW
    return opened
