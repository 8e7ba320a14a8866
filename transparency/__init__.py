"""The transparency log: an RFC 9162 Merkle tree over every event, signed
C2SP checkpoints, proofs and offline-verifiable ownership certificates."""

from __future__ import annotations

from typing import Any

from ledger.persistence import Database
from ledger.settings import Settings


def create_tables(db: Database) -> None:
    """Create this package's tables (run once by `labledger db init`)."""
    from transparency.store import create_tables as create

    create(db)


def workers(ledger: Any, settings: Settings) -> list[Any]:
    """The tree builder (one live instance across all hosts, by lease)."""
    from transparency.follower import TreeBuilder

    return [TreeBuilder(ledger, settings)]
