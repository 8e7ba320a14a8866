"""Who sees which personal data, decided at read time.

Views hold no personal data; a read resolves it from the personal-data store
(`ledger.personal`) for the reader's role: staff see everything, an artist
their own record, everyone else (the public, partners, auditors) only the
display name of an admitted participant and a work's credited name. Once a
person is erased every field is null and `erased` is true, for everyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.actors import Actor, Role
from ledger.events import committed_fields
from ledger.personal import Person, profile
from ledger.personal_store import openings


def sees_all_of(actor: Actor, person_id: str) -> bool:
    """Staff see everyone's personal data; an artist their own."""
    if actor.role == Role.STAFF:
        return True
    return actor.role == Role.ARTIST and str(actor.participant_id) == person_id


def public(person: Person | None, *, admitted: bool) -> dict[str, Any]:
    """What everyone may see of a person: an admitted participant's display name."""
    name = person.display_name if person is not None and admitted else None
    return {"display_name": name, "erased": person is None}


def shown(actor: Actor, person_id: str, person: Person | None, status: str) -> dict[str, Any]:
    """A person's fields as `actor` may see them; `status` is their application's."""
    if sees_all_of(actor, person_id):
        return profile(person)
    return public(person, admitted=status == "admitted")


def roster_entries(
    actor: Actor, entries: list[dict[str, Any]], people: Mapping[str, Person]
) -> None:
    """Each roster entry with the fields its reader may see (staff: the
    application's name, e-mail and portfolio; auditors: an admitted
    participant's display name, for anyone else the id and status only)."""
    for entry in entries:
        fields = shown(actor, entry["id"], people.get(entry["id"]), entry["status"])
        fields.pop("statement", None)  # long free text: the application's own page has it
        entry.update(fields)


def with_personal(envelopes: list[dict[str, Any]], people: Mapping[str, Person]) -> None:
    """Staff's feed: each event with the values its commitments commit to."""
    for env in envelopes:
        if committed_fields(env["data"]):
            env["personal"] = openings(env, people)
