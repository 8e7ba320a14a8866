"""Personal data: one row per person beside the events, never inside them.

A person is an application's id (the same id is the participant's). Their row
holds a random 32-byte secret, every personal value an event introduced (by
the label of its commitment), the current display name, and whether that name
is public (the person is an admitted participant). An event carries only the
person's id and, per value, `<field>_commitment` = SHA-256(salt ‖ field ‖ 0x00
‖ value) (`ledger.events.commitment`); the value is written here by a side
write in the same transaction as the event (`Sealed`). Erasure deletes the row
in the transaction of the erasure event (`Erasure`): every commitment stays in
the log, and nobody can open one any more.

Each commitment has its own salt, HMAC-SHA256(secret, "<aggregate id>/<aggregate
version>/<field>"), never the secret itself: a certificate reveals the salt of
its credit, and a salt shared by all of a person's commitments would let
anyone holding a certificate test guesses of that person's e-mail address
against the public log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger.database import Cursor
from ledger.events import COMMITMENT, commitment
from ledger.tables import Index, Table, integer, text


def name_key(name: str) -> str:
    """A display name as search compares it: caseless, and the same in every
    canonically equivalent spelling (Unicode's canonical caseless match,
    recomposed): Hangul typed composed finds the name a Mac sent decomposed."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


TABLE = Table(
    "ledger_personal",
    (
        text("person"),
        text("secret"),
        text("data"),  # JSON: {label: value} (see `label`) and the current "display_name"
        text("name_key"),  # the display name as search reads it (`name_key`)
        integer("public"),  # 1 while the person is an admitted participant
    ),
    primary_key=("person",),
    indexes=(Index("ledger_personal_by_name", "name_key"),),
)
# The key of the current display name in `data` (a label always holds a "/").
DISPLAY_NAME = "display_name"
# The fields of the application every view of a person shows (staff, the artist).
PROFILE = ("artist_name", "email", "portfolio_url", "statement")


def label(aggregate_id: UUID | str, version: int, field: str) -> str:
    """What one personal value is filed under: the event that introduced it
    and the field. Unique per value, so each commitment has its own salt."""
    return f"{aggregate_id}/{version}/{field}"


def salt(secret: str, value_label: str) -> str:
    return hmac.new(bytes.fromhex(secret), value_label.encode("utf-8"), hashlib.sha256).hexdigest()


def person_of(env: Mapping[str, Any]) -> str | None:
    """Whose personal values an event's commitments are: an application's
    and a participant's events are the person's own; a declaration, its
    retraction and a dispute of it are its artist's."""
    kind = env["type"]
    if kind.startswith(("application.", "participant.")):
        return str(env["aggregate_id"])
    if kind in WORK_EVENTS_OF_ARTIST:
        return str(env["data"]["artist"])
    return None


WORK_EVENTS_OF_ARTIST = frozenset(
    {"work.ownership_declared", "work.ownership_retracted", "work.ownership_disputed"}
)


@dataclass(frozen=True)
class Person:
    id: str
    secret: str
    values: Mapping[str, str] = field(default_factory=dict)
    display_name: str | None = None
    public: bool = False

    @classmethod
    def new(cls, person_id: UUID) -> Person:
        return cls(str(person_id), secrets.token_hex(32))

    def value(self, aggregate_id: UUID | str, version: int, field: str) -> str | None:
        return self.values.get(label(aggregate_id, version, field))

    def opening(self, aggregate_id: UUID | str, version: int, field: str) -> dict[str, str] | None:
        """`{value, salt}`: what opens the commitment to one value."""
        value = self.value(aggregate_id, version, field)
        if value is None:
            return None
        return {"value": value, "salt": salt(self.secret, label(aggregate_id, version, field))}

    @property
    def public_name(self) -> str | None:
        """The display name, when everyone may see it."""
        return self.display_name if self.public else None

    def profile(self) -> dict[str, Any]:
        """What staff and the person see: the application's values and the
        display name."""
        submitted = {f: self.value(self.id, 1, f) for f in PROFILE}
        return submitted | {"display_name": self.display_name, "erased": False}

    def seal(
        self, aggregate_id: UUID | str, version: int, *, create: bool = False, **values: str
    ) -> Sealed:
        """The commitments to `values` for the event (`aggregate_id`,
        `version`), and the side write that files the values with it."""
        labelled = {label(aggregate_id, version, f): v for f, v in values.items()}
        commitments = {
            f"{f}{COMMITMENT}": commitment(salt(self.secret, label(aggregate_id, version, f)), f, v)
            for f, v in values.items()
        }
        return Sealed(self, (str(aggregate_id), version), labelled, commitments, create)


ERASED_PROFILE: dict[str, Any] = dict.fromkeys((*PROFILE, "display_name")) | {"erased": True}


def profile(person: Person | None) -> dict[str, Any]:
    """A person's values as staff see them; all null once erased."""
    return person.profile() if person is not None else dict(ERASED_PROFILE)


# ---- side writes: with the events, or not at all ----------------------------------


def _check_saved(event: tuple[str, int], events: Sequence[StoredEvent]) -> None:
    """Values are filed under the event that commits to them: that event must
    be in this save, or their labels (and salts) would name another."""
    aggregate_id, version = event
    if not any(
        str(e.originator_id) == aggregate_id and e.originator_version == version for e in events
    ):
        raise ValueError(f"personal values sealed for event {aggregate_id}/{version}, not saved")


def _updated(cur: Cursor, person: str) -> None:
    """After an UPDATE or DELETE ... RETURNING person (a row count is not
    known yet inside PostgreSQL's pipeline; a fetched row is)."""
    if cur.fetchone() is None:
        # Erased since the command read the row: the bus runs the command
        # again, which then finds the person erased.
        raise IntegrityError(f"no personal data for {person}: erased meanwhile")


def _merged(cur: Cursor, person: str, values: Mapping[str, str]) -> tuple[str, str]:
    """How to set the row's `data` to itself with `values` added: (SQL, its
    parameter). Two declarations by one artist may save at once, and neither
    may lose the other's values, so the merge reads nothing stale: SQLite
    merges in the UPDATE itself (a write transaction must begin with its
    write there), PostgreSQL locks the row first (jsonb, which could merge in
    the UPDATE, refuses the NUL that JSON text keeps)."""
    if cur.dialect == "sqlite":
        return "data = json_patch(data, ?)", json.dumps(dict(values), ensure_ascii=False)
    row = cur.one("SELECT data FROM {t}ledger_personal WHERE person = ? FOR UPDATE", (person,))
    merged = (json.loads(row["data"]) if row else {}) | dict(values)  # no row: no UPDATE either
    return "data = ?", json.dumps(merged, ensure_ascii=False)


@dataclass(frozen=True)
class Sealed:
    """Personal values and their commitments; as a side write, files the
    values with the event (a new row for a new person)."""

    person: Person
    event: tuple[str, int]
    values: Mapping[str, str]
    commitments: Mapping[str, str]
    create: bool = False
    display_name: str | None = None  # when the event sets the display name
    public: bool | None = None  # when the event changes whether it is public

    def commitment(self, field: str) -> str:
        return self.commitments[f"{field}{COMMITMENT}"]

    def naming(self, display_name: str) -> Sealed:
        return replace(self, display_name=display_name)

    def publishing(self, public: bool) -> Sealed:
        return replace(self, public=public)

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        _check_saved(self.event, events)
        values = dict(self.values)
        if self.display_name is not None:
            values[DISPLAY_NAME] = self.display_name  # JSON keeps it exact, NUL and all
        if self.create:
            data = json.dumps(values, ensure_ascii=False)
            name, public = self.display_name or "", int(bool(self.public))
            cur.execute(
                "INSERT INTO {t}ledger_personal (person, secret, data, name_key, public) "
                "VALUES (?, ?, ?, ?, ?)",
                (self.person.id, self.person.secret, data, name_key(name), public),
            )
            return
        merge, merged = _merged(cur, self.person.id, values)
        sets, params = [merge], [merged]
        if self.display_name is not None:
            sets.append("name_key = ?")
            params.append(name_key(self.display_name))
        if self.public is not None:
            sets.append("public = ?")
            params.append(int(self.public))
        cur.execute(
            f"UPDATE {{t}}ledger_personal SET {', '.join(sets)} WHERE person = ? RETURNING person",
            (*params, self.person.id),
        )
        _updated(cur, self.person.id)


@dataclass(frozen=True)
class Published:
    """Whether a person's display name is public (admitted: yes; withdrawn: no).
    A person erased already has nothing to publish."""

    person: str
    public: bool

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        cur.execute(
            "UPDATE {t}ledger_personal SET public = ? WHERE person = ?",
            (int(self.public), self.person),
        )


@dataclass(frozen=True)
class Erasure:
    """Deletes the person's row with the erasure event."""

    person: str

    def write(self, cur: Cursor, events: Sequence[StoredEvent]) -> None:
        cur.execute(
            "DELETE FROM {t}ledger_personal WHERE person = ? RETURNING person", (self.person,)
        )
        _updated(cur, self.person)
