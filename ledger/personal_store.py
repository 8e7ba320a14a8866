"""Reads of the personal-data rows (`ledger.personal` has the model and the
side writes): at read or send time, never copied into a view row or a message."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from ledger.database import Database
from ledger.events import committed_fields
from ledger.personal import DISPLAY_NAME, Person, name_key, person_of


def _person(row: Mapping[str, Any]) -> Person:
    values = json.loads(row["data"])
    name = values.pop(DISPLAY_NAME, None)
    return Person(row["person"], row["secret"], values, name, bool(row["public"]))


class PersonalData:
    """The rows, read at read or send time (nothing personal is ever copied
    into a view row or a message)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, person: UUID | str) -> Person | None:
        row = self.db.fetchone("SELECT * FROM {t}ledger_personal WHERE person = ?", (str(person),))
        return _person(row) if row else None

    def many(self, people: Iterable[UUID | str | None]) -> dict[str, Person]:
        wanted = sorted({str(p) for p in people if p is not None})
        found: dict[str, Person] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.db.fetchall(
                f"SELECT * FROM {{t}}ledger_personal WHERE person IN ({marks})", chunk
            ):
                found[row["person"]] = _person(row)
        return found

    def named(self, name: str) -> list[str]:
        """The people whose public display name is `name`, caseless and in
        any canonically equivalent spelling (`name_key`). A row keyed before
        that holds its name casefolded only, composed (NFC) as `name_key` is
        or decomposed (NFD): both spellings are looked up too."""
        decomposed = unicodedata.normalize("NFD", name).casefold()
        rows = self.db.fetchall(
            "SELECT person FROM {t}ledger_personal WHERE name_key IN (?, ?, ?) AND public = 1",
            (name_key(name), name.casefold(), decomposed),
        )
        return [row["person"] for row in rows]

    def credit(self, artist: UUID | str, work_id: UUID | str) -> dict[str, str] | None:
        """The opening of a work's credit (`{name, salt}`), while its artist's
        data exists."""
        person = self.get(artist)
        opening = person.opening(work_id, 1, "credit_name") if person else None
        return {"name": opening["value"], "salt": opening["salt"]} if opening else None


def openings(env: Mapping[str, Any], people: Mapping[str, Person]) -> dict[str, str | None]:
    """The values an event's commitments commit to (staff), null once erased."""
    person = people.get(person_of(env) or "")
    return {
        f: person.value(env["aggregate_id"], env["aggregate_version"], f) if person else None
        for f in committed_fields(env["data"])
    }
