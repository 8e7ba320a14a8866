"""What a partner receives: `{type, timestamp, data}`, never personal data."""

from __future__ import annotations

from typing import Any

from ledger.events import redacted


def payload(envelope: dict[str, Any], sequence: int) -> dict[str, Any]:
    """The redacted event; `data` also carries its log `position`, `event_id` and
    this endpoint's gapless `sequence`, so a partner can spot a gap and fill it
    from `/v1/events`."""
    public = redacted(envelope)
    data = {
        **public["data"],
        "aggregate_id": public["aggregate_id"],
        "aggregate_version": public["aggregate_version"],
        "actor": public["actor"],
        "position": public["position"],
        "event_id": public["event_id"],
        "sequence": sequence,
    }
    return {"type": public["type"], "timestamp": public["timestamp"], "data": data}
