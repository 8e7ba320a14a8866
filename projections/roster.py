"""Roster: per program, every application with its status, active grants and
counts of generations and works; seats used and left — at any past moment.

The view is its own history: each event that changes an entity (the program
or one application) appends a new version of that entity's document at the
event's position. "Now" is the latest version of each entity; `as_of` a
position P is the latest version at or below P, and `as_of` an instant is the
program's last position at or before that instant. Both are indexed lookups,
no replay (see docs/projections.md for the measurements).

No personal data enters it: an application is its id, and who may see which
name or address is decided at read time, from the personal-data store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.database import Cursor
from ledger.rules import grant_active
from ledger.tables import Index, Table, bigint, integer, text
from projections import docs
from projections.docs import dumps, loads

NAME = "roster"
TABLE = "proj_roster_versions"
STATUSES = ("applied", "admitted", "declined", "withdrawn")
END_OF_LOG = 2**62

VERSIONS = Table(
    TABLE,
    (
        integer("gen"),
        text("entity"),
        bigint("position"),
        text("program"),
        text("kind"),
        text("at"),
        text("doc"),
    ),
    primary_key=("gen", "entity", "position"),
    indexes=(Index("proj_roster_by_program", "gen, program, position"),),
)

COLUMNS = tuple(column.name for column in VERSIONS.columns)
Change = Callable[[dict[str, Any], dict[str, Any]], None]


def _seat_allocated(doc: dict[str, Any], data: dict[str, Any]) -> None:
    doc["seats_used"] += 1  # a count, not the list of seats: each version row stays small


def _seat_released(doc: dict[str, Any], data: dict[str, Any]) -> None:
    doc["seats_used"] -= 1


def _closed(doc: dict[str, Any], data: dict[str, Any]) -> None:
    doc["closed"] = True


def _status(status: str) -> Change:
    def change(doc: dict[str, Any], data: dict[str, Any]) -> None:
        doc["status"] = status

    return change


def _granted(doc: dict[str, Any], data: dict[str, Any]) -> None:
    doc["grants"].append(
        {
            "tool": data["tool"],
            "granted_at": data["granted_at"],
            "expires_at": data["expires_at"],
            "revoked_at": None,
        }
    )


def _revoked(doc: dict[str, Any], data: dict[str, Any]) -> None:
    for grant in doc["grants"]:
        if grant["tool"] == data["tool"] and grant["revoked_at"] is None:
            grant["revoked_at"] = data["revoked_at"]


def _count(key: str, by: int = 1) -> Change:
    def change(doc: dict[str, Any], data: dict[str, Any]) -> None:
        doc[key] += by

    return change


def _unchanged(doc: dict[str, Any], data: dict[str, Any]) -> None:
    """A version row all the same: `as_of` counts every event of the program."""


# Every later event of a program or an application: how it changes the
# entity's document, which gets a new version row at the event's position.
CHANGES: dict[str, Change] = {
    "program.tool_registered": _unchanged,
    "program.tool_disclosure_updated": _unchanged,
    "program.seat_allocated": _seat_allocated,
    "program.seat_released": _seat_released,
    "program.closed": _closed,
    "application.admitted": _status("admitted"),
    "application.declined": _status("declined"),
    "application.withdrawn": _status("withdrawn"),
    "participant.tool_access_granted": _granted,
    "participant.tool_access_revoked": _revoked,
    "generation.recorded": _count("generations"),
    "work.ownership_declared": _count("works"),
    "work.ownership_retracted": _count("works", -1),  # `works` counts standing declarations
    "work.ownership_disputed": _unchanged,
    "participant.display_name_changed": _unchanged,
    "participant.personal_data_erased": _unchanged,
}
# The entity an event changes, when it is not the event's own aggregate.
ENTITY_FIELD = {
    "generation.recorded": "participant",
    "work.ownership_declared": "artist",
    "work.ownership_retracted": "artist",
    "work.ownership_disputed": "artist",
}


class Roster:
    name = NAME
    tables = (VERSIONS,)

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Cursor, int, dict[str, Any]], None]] = {
            "program.opened": self._opened,
            "application.submitted": self._submitted,
        } | dict.fromkeys(CHANGES, self._changed)

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        handler = self.handlers.get(env["type"])
        if handler is not None:
            handler(cur, gen, env)

    def _opened(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        data = env["data"]
        doc = {
            key: data[key] for key in ("slug", "name", "city", "starts_on", "ends_on", "capacity")
        }
        doc |= {"seats_used": 0, "closed": False}
        self._put(cur, gen, env, env["aggregate_id"], data["slug"], "program", doc)

    def _submitted(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        data, entity = env["data"], env["aggregate_id"]
        doc = {
            "id": entity,
            "status": "applied",
            "submitted_at": env["timestamp"],
            "submitted_position": env["position"],
            "grants": [],
            "generations": 0,
            "works": 0,
        }
        self._put(cur, gen, env, entity, data["program"], "application", doc)

    def _changed(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        kind, data = env["type"], env["data"]
        field = ENTITY_FIELD.get(kind)
        entity = data[field] if field else env["aggregate_id"]
        latest = _latest(cur, gen, entity)
        if latest is None:
            return  # an event about an entity the log never opened: nothing to show
        program, doc = latest
        CHANGES[kind](doc, data)
        kind_of = "program" if "slug" in doc else "application"
        self._put(cur, gen, env, entity, program, kind_of, doc)

    def _put(
        self,
        cur: Cursor,
        gen: int,
        env: dict[str, Any],
        entity: str,
        program: str,
        kind: str,
        doc: dict[str, Any],
    ) -> None:
        row = (gen, entity, env["position"], program, kind, env["timestamp"], dumps(doc))
        docs.insert(cur, TABLE, COLUMNS, row)
        cur.cache[("roster", gen, entity)] = (program, doc)  # the latest, as `_latest` reads it


def _latest(cur: Cursor, gen: int, entity: str) -> tuple[str, dict[str, Any]] | None:
    """The entity's latest version: remembered when this transaction wrote
    or read it (positions only grow), else read (none, when deferring). The
    document is the transaction's own: change it only to `_put` it again."""
    slot = ("roster", gen, entity)
    if slot not in cur.cache:
        row = None
        if not docs.is_deferred(cur):
            row = cur.one(
                f"SELECT program, doc FROM {{t}}{TABLE} WHERE gen = ? AND entity = ? "
                "ORDER BY position DESC LIMIT 1",
                (gen, entity),
            )
        cur.cache[slot] = (row["program"], loads(row["doc"])) if row else None
    return cur.cache[slot]


def position_at(cur: Cursor, gen: int, slug: str, instant: str) -> int | None:
    """The program's last log position at or before `instant` (RFC 3339, Z)."""
    row = cur.one(
        f"SELECT MAX(position) AS position FROM {{t}}{TABLE} "
        "WHERE gen = ? AND program = ? AND at <= ?",
        (gen, slug, instant),
    )
    return int(row["position"]) if row and row["position"] is not None else None


def instant_at(cur: Cursor, gen: int, slug: str, position: int) -> str | None:
    """The time of the program's last event at or below `position`."""
    row = cur.one(
        f"SELECT MAX(at) AS at FROM {{t}}{TABLE} WHERE gen = ? AND program = ? AND position <= ?",
        (gen, slug, position),
    )
    return row["at"] if row else None


def roster(
    cur: Cursor, gen: int, slug: str, *, upto: int = END_OF_LOG, now: str
) -> dict[str, Any] | None:
    """The roster from every entity's latest version at or below `upto`;
    grants count as active at `now` (the as_of instant, or the present)."""
    rows = cur.all(
        f"SELECT v.kind, v.doc, v.position, v.at FROM {{t}}{TABLE} v "
        "WHERE v.gen = ? AND v.program = ? AND v.position = ("
        f"SELECT MAX(w.position) FROM {{t}}{TABLE} w "
        "WHERE w.gen = v.gen AND w.entity = v.entity AND w.position <= ?)",
        (gen, slug, upto),
    )
    programs = [loads(r["doc"]) for r in rows if r["kind"] == "program"]
    if not programs:
        return None
    program = programs[0]
    applications = sorted(
        (loads(r["doc"]) for r in rows if r["kind"] == "application"),
        key=lambda doc: doc["submitted_position"],
    )
    counts = dict.fromkeys(STATUSES, 0)
    for doc in applications:
        counts[doc["status"]] += 1
    seats_used = program["seats_used"]
    return {
        "program": program["slug"],
        "name": program["name"],
        "city": program["city"],
        "starts_on": program["starts_on"],
        "ends_on": program["ends_on"],
        "capacity": program["capacity"],
        "closed": program["closed"],
        "seats_used": seats_used,
        "seats_left": max(program["capacity"] - seats_used, 0),
        "counts": counts,
        "last_event_position": max(r["position"] for r in rows),
        "applications": [_entry(doc, now) for doc in applications],
    }


def application(cur: Cursor, gen: int, entity: str, now: str) -> dict[str, Any] | None:
    """One application (the participant, once admitted) as it is now, with
    its program, and every grant it ever had."""
    latest = _latest(cur, gen, entity)
    if latest is None or "slug" in latest[1]:
        return None
    program, doc = latest
    grants = [
        g | {"active": doc["status"] == "admitted" and grant_active(g, now)} for g in doc["grants"]
    ]
    return {"program": program} | _entry(doc, now) | {"grants": grants}


def _entry(doc: dict[str, Any], now: str) -> dict[str, Any]:
    active = [
        {"tool": g["tool"], "granted_at": g["granted_at"], "expires_at": g["expires_at"]}
        for g in doc["grants"]
        if grant_active(g, now) and doc["status"] == "admitted"
    ]
    return {
        "id": doc["id"],
        "status": doc["status"],
        "submitted_at": doc["submitted_at"],
        "active_grants": active,
        "generations": doc["generations"],
        "works": doc["works"],
    }
