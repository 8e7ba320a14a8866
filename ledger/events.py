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
    "Application.DisplayNameChanged": "participant.display_name_changed",
    "Application.PersonalDataErased": "participant.personal_data_erased",
    "Generation.GenerationRecorded": "generation.recorded",
    "Work.OwnershipDeclared": "work.ownership_declared",
    "Work.WorkExhibited": "work.exhibited",
    "Work.OwnershipRetracted": "work.ownership_retracted",
    "Work.OwnershipDisputed": "work.ownership_disputed",
    "Exhibition.ExhibitionScheduled": "exhibition.scheduled",
}
PUBLIC_TYPES = frozenset(EVENT_TYPES.values())
# The type of a stored event that cannot be decoded (`unreadable_envelope`).
UNREADABLE = "ledger.unreadable"

# Events hold no personal data: a person is an opaque id, and each personal
# value a salted commitment `<field>_commitment` (see `ledger.personal`).
COMMITMENT = "_commitment"
_META_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor_id",
        "actor_role",
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
    """The envelope every reader sees: public as it is (no personal data)."""
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
    return env


def unreadable_envelope(
    position: int, aggregate_id: Any, aggregate_version: int, topic: str, state: bytes
) -> dict[str, Any]:
    """The envelope of a stored event that cannot be decoded (see `ledger.log`).

    It keeps the event's place in every reader and commits to its exact
    stored bytes; it holds no personal data (no event does).
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


def committed_fields(data: dict[str, Any]) -> list[str]:
    """The personal fields an event's data commits to (`<field>_commitment`)."""
    return [k[: -len(COMMITMENT)] for k in data if k.endswith(COMMITMENT)]


def redacted(env: dict[str, Any]) -> dict[str, Any]:
    """The envelope as everyone may see it. Events hold no personal data; only
    why an unreadable one could not be read is cut to the error's name (the
    decoder's message could quote the stored bytes)."""
    out = dict(env)
    if "unreadable" in env:
        out["unreadable"] = {"error": env["unreadable"]["error"]}
    return out


def commitment(salt_hex: str, field: str, value: str) -> str:
    """Salted SHA-256 commitment to one personal value.

    SHA-256(salt || field || 0x00 || value); the salt (32 bytes) is derived
    per value from the person's secret (`ledger.personal.salt`), never in a leaf.
    """
    digest = hashlib.sha256()
    digest.update(bytes.fromhex(salt_hex))
    digest.update(field.encode("utf-8") + b"\x00")
    digest.update(value.encode("utf-8"))
    return digest.hexdigest()


def leaf_form(env: dict[str, Any]) -> dict[str, Any]:
    """The envelope as it enters the transparency log: everything verbatim
    except why an event could not be read (that depends on the reader, not
    the event)."""
    out = dict(env)
    out.pop("unreadable", None)
    return out
