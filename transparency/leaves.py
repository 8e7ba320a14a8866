"""What a leaf is: the committed envelope as RFC 8785 canonical JSON."""

from __future__ import annotations

from typing import Any

import rfc8785

from ledger.events import committed
from transparency.store import LeafRecord


def leaf_bytes(env: dict[str, Any]) -> bytes:
    """Personal fields appear only as salted commitments, so every leaf is public."""
    return rfc8785.dumps(committed(env))


def leaf_record(env: dict[str, Any]) -> LeafRecord:
    return LeafRecord(
        position=env["position"],
        aggregate_id=env["aggregate_id"],
        aggregate_version=env["aggregate_version"],
        type=env["type"],
        leaf=leaf_bytes(env),
    )
