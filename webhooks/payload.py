"""What a partner receives: `{type, timestamp, data}`, never personal data
beyond the public names, and those resolved when the message is sent.

A message is stored without any name (`payload`); each attempt adds the
names everyone may see, read from the personal-data store at that moment
(`named`): so an erasure takes effect on every later attempt, and no name
sits in the message table.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.events import redacted
from ledger.personal_store import PersonalData

# The aggregate's id under the name a partner knows it by (the API
# contract's payload carries `work_id` for a work's events, docs/webhooks.md),
# by the first part of the type.
ID_NAMES = {
    "program": "program_id",
    "application": "application_id",
    "participant": "participant_id",
    "generation": "generation_id",
    "work": "work_id",
    "exhibition": "exhibition_id",
}


def payload(envelope: dict[str, Any], sequence: int) -> dict[str, Any]:
    """The redacted event; `data` also carries its log `position`, `event_id` and
    this endpoint's gapless `sequence`, so a partner can spot a gap and fill it
    from `/v1/events`, and the aggregate's id both as `aggregate_id` and by its
    own name (`ID_NAMES`: `work_id` for a work's events)."""
    public = redacted(envelope)
    named_id = ID_NAMES.get(public["type"].partition(".")[0])
    own = {named_id: public["aggregate_id"]} if named_id and named_id not in public["data"] else {}
    data = {
        **public["data"],
        **own,
        "aggregate_id": public["aggregate_id"],
        "aggregate_version": public["aggregate_version"],
        "actor": public["actor"],
        "position": public["position"],
        "event_id": public["event_id"],
        "sequence": sequence,
    }
    return {"type": public["type"], "timestamp": public["timestamp"], "data": data}


def _display_name(data: dict[str, Any], people: PersonalData) -> dict[str, Any]:
    person = people.get(data["aggregate_id"])
    return {"display_name": person.public_name if person else None}


def _credit(artist_field: str) -> Any:
    def names(data: dict[str, Any], people: PersonalData) -> dict[str, Any]:
        credit = people.credit(data[artist_field], data["aggregate_id"])
        return {"credit_name": credit["name"] if credit else None}

    return names


# The public names a message of each type carries: a participant's display
# name (while admitted), a work's credited name; null once erased.
NAMES = {
    "application.admitted": _display_name,
    "participant.display_name_changed": _display_name,
    "work.ownership_declared": _credit("artist"),
    "work.exhibited": _credit("credited_artist"),
}


def named(body: str, people: PersonalData) -> str:
    """The stored message `body` with its public names as they are now."""
    message = json.loads(body)
    names = NAMES.get(message.get("type"))
    if names is None:
        return body
    message["data"] |= names(message["data"], people)
    return json.dumps(message, separators=(",", ":"))
