"""The public shape of a stored event: its envelope, type name and redaction.

Every reader of the log (feed, projections, transparency leaves, webhooks)
sees events through `envelope()`, so a field is named and formatted once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

_EVENT_NS = uuid5(NAMESPACE_URL, "https://labledger.local/events")

# Stable, public event type names (webhooks, the feed, leaves). Never rename.
EVENT_TYPES: dict[str, str] = {
    "Program.ProgramOpened": "program.opened",
    "Program.ToolRegistered": "program.tool_registered",
    "Program.ToolDisclosureUpdated": "program.tool_disclosure_updated",
    "Program.SeatAllocated": "program.seat_allocated",
    "Program.SeatReleased": "program.seat_released",
    "Program.ProgramClosed": "program.closed",
    "Application.ApplicationSubmitted": "application.submitted",
    "Application.ApplicantAdmitted": "application.admitted",
    "Application.ApplicationDeclined": "application.declined",
    "Application.ParticipantWithdrew": "application.withdrawn",
    "Application.ToolAccessGranted": "participant.tool_access_granted",
    "Application.ToolAccessRevoked": "participant.tool_access_revoked",
    "Generation.GenerationRecorded": "generation.recorded",
    "Work.OwnershipDeclared": "work.ownership_declared",
    "Work.WorkExhibited": "work.exhibited",
    "Exhibition.ExhibitionScheduled": "exhibition.scheduled",
}
PUBLIC_TYPES = frozenset(EVENT_TYPES.values())
# The type of a stored event that cannot be decoded (`unreadable_envelope`).
UNREADABLE = "ledger.unreadable"

# Personal data: never public, never in a leaf (only as salted commitments).
PERSONAL_FIELDS = ("email", "statement")
_SALT_FIELD = "personal_salt"
_META_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
        _SALT_FIELD,
    }
)


def rfc3339(value: datetime) -> str:
    """UTC, microseconds, `Z` suffix: one spelling for every timestamp.

    Total: an instant whose UTC falls outside the years 1-9999 (e.g.
    9999-12-31T23:59:59-14:00) cannot be converted, so it keeps its own
    offset instead of stopping every reader of the event. As text it still
    compares as later (or earlier) than any instant of this century.
    """
    try:
        # Never change this spelling: leaves were built with it (note that
        # glibc's %Y does not zero-pad years below 1000).
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except OverflowError:
        return value.isoformat(timespec="microseconds")


def event_id(aggregate_id: UUID, aggregate_version: int) -> UUID:
    return uuid5(_EVENT_NS, f"{aggregate_id}:{aggregate_version}")


def public_type(domain_event: Any) -> str:
    return EVENT_TYPES[type(domain_event).__qualname__]


def _plain(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def envelope(position: int, domain_event: Any) -> dict[str, Any]:
    """The full envelope, personal data included (staff only).

    The salt for personal commitments travels as `_salt` so that leaf building
    can commit to the values; every public form drops it.
    """
    attrs = domain_event.__dict__
    data = {k: _plain(v) for k, v in attrs.items() if k not in _META_FIELDS}
    env: dict[str, Any] = {
        "position": position,
        "event_id": str(event_id(domain_event.originator_id, domain_event.originator_version)),
        "aggregate_id": str(domain_event.originator_id),
        "aggregate_version": domain_event.originator_version,
        "type": public_type(domain_event),
        "timestamp": rfc3339(domain_event.timestamp),
        "actor": {"id": attrs.get("actor_id"), "role": attrs.get("actor_role")},
        "data": data,
    }
    if _SALT_FIELD in attrs:
        env["_salt"] = attrs[_SALT_FIELD]
    return env


def unreadable_envelope(
    position: int, aggregate_id: Any, aggregate_version: int, topic: str, state: bytes
) -> dict[str, Any]:
    """The envelope of a stored event that cannot be decoded (see `ledger.log`).

    It keeps the event's place in every reader and commits to its exact
    stored bytes; it holds no personal data (only a digest of the state,
    which includes the event's random salt).
    """
    return {
        "position": position,
        "event_id": str(event_id(aggregate_id, aggregate_version)),
        "aggregate_id": str(aggregate_id),
        "aggregate_version": aggregate_version,
        "type": UNREADABLE,
        "timestamp": None,
        "actor": {"id": None, "role": None},
        "data": {"topic": topic, "state_sha256": hashlib.sha256(state).hexdigest()},
    }


def is_unreadable(env: dict[str, Any]) -> bool:
    return env["type"] == UNREADABLE


def has_personal_data(env: dict[str, Any]) -> bool:
    return any(f in env["data"] for f in PERSONAL_FIELDS)


def redacted(env: dict[str, Any]) -> dict[str, Any]:
    """The envelope without personal fields (auditors, partners, the public)."""
    out = {k: v for k, v in env.items() if k != "_salt"}
    out["data"] = {k: v for k, v in env["data"].items() if k not in PERSONAL_FIELDS}
    if "unreadable" in env:  # the decoder's message could quote a stored value
        out["unreadable"] = {"error": env["unreadable"]["error"]}
    return out


def staff_view(env: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in env.items() if k != "_salt"}


def commitment(salt_hex: str, field: str, value: str) -> str:
    """Salted SHA-256 commitment to one personal value.

    SHA-256(salt || field || 0x00 || value); the salt is 32 random bytes kept
    beside the value (in the stored event), never in a leaf.
    """
    digest = hashlib.sha256()
    digest.update(bytes.fromhex(salt_hex))
    digest.update(field.encode("utf-8") + b"\x00")
    digest.update(value.encode("utf-8"))
    return digest.hexdigest()


def committed(env: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it enters the transparency log: personal fields replaced
    by `<field>_commitment`, everything else verbatim. Why an event could not
    be read is no part of it (that depends on the reader, not the event)."""
    out = redacted(env)
    out.pop("unreadable", None)
    salt = env.get("_salt")
    for field in PERSONAL_FIELDS:
        if field in env["data"]:
            if salt is None:  # every event with personal data carries a salt
                raise ValueError(f"event at {env['position']} has {field} but no salt")
            out["data"][f"{field}_commitment"] = commitment(salt, field, env["data"][field])
    return out
