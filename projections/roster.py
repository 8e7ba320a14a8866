"""Roster: per program, every application with its status, active grants and
counts of generations and works; seats used and left — at any past moment.

The view is its own history: each event that changes an entity (the program
or one application) appends a new version of that entity's document at the
event's position. "Now" is the latest version of each entity; `as_of` a
position P is the latest version at or below P, and `as_of` an instant is the
program's last position at or before that instant. Both are indexed lookups,
no replay (see docs/projections.md for the measurements).
"""

from __future__ import annotations

from typing import Any

from projections.sql import ViewCursor, dumps, loads

NAME = "roster"
TABLE = "proj_roster_versions"
STATUSES = ("applied", "admitted", "declined", "withdrawn")
END_OF_LOG = 2**62

_STATUS_BY_TYPE = {
    "application.admitted": "admitted",
    "application.declined": "declined",
    "application.withdrawn": "withdrawn",
}


class Roster:
    name = NAME
    tables = (TABLE,)

    def create_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {{t}}{TABLE} ("
            "gen INTEGER NOT NULL, entity TEXT NOT NULL, position BIGINT NOT NULL, "
            "program TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL, "
            "PRIMARY KEY (gen, entity, position))",
            f"CREATE INDEX IF NOT EXISTS proj_roster_by_program ON {{t}}{TABLE} "
            "(gen, program, position)",
        ]

    def apply(self, cur: ViewCursor, gen: int, env: dict[str, Any]) -> None:
        kind, data, entity = env["type"], env["data"], env["aggregate_id"]
        if kind == "program.opened":
            doc = {
                key: data[key]
                for key in ("slug", "name", "city", "starts_on", "ends_on", "capacity")
            }
            self._put(
                cur,
                gen,
                env,
                entity,
                data["slug"],
                "program",
                doc | {"seats_used": 0, "closed": False},
            )
            return
        if kind == "application.submitted":
            doc = {
                "id": entity,
                "artist_name": data["artist_name"],
                "email": data["email"],
                "portfolio_url": data["portfolio_url"],
                "status": "applied",
                "submitted_at": env["timestamp"],
                "submitted_position": env["position"],
                "grants": [],
                "generations": 0,
                "works": 0,
            }
            self._put(cur, gen, env, entity, data["program"], "application", doc)
            return
        if kind == "generation.recorded":
            entity = data["participant"]
        elif kind == "work.ownership_declared":
            entity = data["artist"]
        elif not kind.startswith(("program.", "application.", "participant.")):
            return
        latest = _latest(cur, gen, entity)
        if latest is None:
            return  # an event about an entity the log never opened: nothing to show
        program, doc = latest
        _change(doc, kind, data)
        self._put(
            cur, gen, env, entity, program, "program" if "slug" in doc else "application", doc
        )

    def _put(
        self,
        cur: ViewCursor,
        gen: int,
        env: dict[str, Any],
        entity: str,
        program: str,
        kind: str,
        doc: dict[str, Any],
    ) -> None:
        cur.execute(
            f"INSERT INTO {{t}}{TABLE} (gen, entity, position, program, kind, at, doc) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (gen, entity, env["position"], program, kind, env["timestamp"], dumps(doc)),
        )


def _latest(cur: ViewCursor, gen: int, entity: str) -> tuple[str, dict[str, Any]] | None:
    row = cur.one(
        f"SELECT program, doc FROM {{t}}{TABLE} WHERE gen = ? AND entity = ? "
        "ORDER BY position DESC LIMIT 1",
        (gen, entity),
    )
    return (row["program"], loads(row["doc"])) if row else None


def _change(doc: dict[str, Any], kind: str, data: dict[str, Any]) -> None:
    # A count, not the list of seats: each version row stays small.
    if kind == "program.seat_allocated":
        doc["seats_used"] += 1
    elif kind == "program.seat_released":
        doc["seats_used"] -= 1
    elif kind == "program.closed":
        doc["closed"] = True
    elif kind in _STATUS_BY_TYPE:
        doc["status"] = _STATUS_BY_TYPE[kind]
    elif kind == "participant.tool_access_granted":
        doc["grants"].append(
            {
                "tool": data["tool"],
                "granted_at": data["granted_at"],
                "expires_at": data["expires_at"],
                "revoked_at": None,
            }
        )
    elif kind == "participant.tool_access_revoked":
        for grant in doc["grants"]:
            if grant["tool"] == data["tool"] and grant["revoked_at"] is None:
                grant["revoked_at"] = data["revoked_at"]
    elif kind == "generation.recorded":
        doc["generations"] += 1
    elif kind == "work.ownership_declared":
        doc["works"] += 1


def position_at(cur: ViewCursor, gen: int, slug: str, instant: str) -> int | None:
    """The program's last log position at or before `instant` (RFC 3339, Z)."""
    row = cur.one(
        f"SELECT MAX(position) AS position FROM {{t}}{TABLE} "
        "WHERE gen = ? AND program = ? AND at <= ?",
        (gen, slug, instant),
    )
    return int(row["position"]) if row and row["position"] is not None else None


def instant_at(cur: ViewCursor, gen: int, slug: str, position: int) -> str | None:
    """The time of the program's last event at or below `position`."""
    row = cur.one(
        f"SELECT MAX(at) AS at FROM {{t}}{TABLE} WHERE gen = ? AND program = ? AND position <= ?",
        (gen, slug, position),
    )
    return row["at"] if row else None


def roster(
    cur: ViewCursor, gen: int, slug: str, *, upto: int = END_OF_LOG, now: str
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


def _entry(doc: dict[str, Any], now: str) -> dict[str, Any]:
    active = [
        {"tool": g["tool"], "granted_at": g["granted_at"], "expires_at": g["expires_at"]}
        for g in doc["grants"]
        if g["granted_at"] <= now
        and (g["expires_at"] is None or now < g["expires_at"])
        and (g["revoked_at"] is None or now < g["revoked_at"])
        and doc["status"] == "admitted"
    ]
    return {
        "id": doc["id"],
        "artist_name": doc["artist_name"],
        "email": doc["email"],
        "portfolio_url": doc["portfolio_url"],
        "status": doc["status"],
        "submitted_at": doc["submitted_at"],
        "active_grants": active,
        "generations": doc["generations"],
        "works": doc["works"],
    }
