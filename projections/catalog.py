"""The public catalog: programs and exhibitions, as everyone may read them.

One row per program (by slug) and per exhibition, each a JSON document in
declaration order: a program's dates, capacity and seats, whether it is
closed, its tools with every disclosure ever made (dated: a disclosure is
never replaced, only followed), the participants holding a seat, and its
exhibitions; an exhibition's details and the works hung in it, each with the
participant it credits. No personal data enters it: a participant is an id,
and the names a read shows come from the personal-data store at read time
(`projections.service.ReadModels`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.database import Cursor
from ledger.tables import Index, Table, bigint, integer, text
from projections.docs import dumps, loads

NAME = "catalog"
TABLE = "proj_catalog"
PROGRAM, EXHIBITION, PROGRAM_SLUG = "program", "exhibition", "program_slug"

ROWS = Table(
    TABLE,
    (integer("gen"), text("kind"), text("id"), text("program"), bigint("position"), text("doc")),
    primary_key=("gen", "kind", "id"),
    indexes=(
        Index("proj_catalog_by_position", "gen, kind, position"),
        Index("proj_catalog_by_program", "gen, kind, program, position"),
    ),
)
Change = Callable[[dict[str, Any], dict[str, Any]], None]


def _tool_registered(doc: dict[str, Any], env: dict[str, Any]) -> None:
    data = env["data"]
    fields = {key: data[key] for key in ("tool", "name", "provider")}
    doc["tools"].append(fields | {"disclosures": []})
    _disclosed(doc, env)


def _disclosed(doc: dict[str, Any], env: dict[str, Any]) -> None:
    data = env["data"]
    for tool in doc["tools"]:
        if tool["tool"] == data["tool"]:
            tool["disclosures"].append(
                {
                    "version": data["version"],
                    "capabilities": data["capabilities"],
                    "limitations": data["limitations"],
                    "disclosed_at": env["timestamp"],
                }
            )


def _seat_allocated(doc: dict[str, Any], env: dict[str, Any]) -> None:
    doc["seats"].append(env["data"]["application_id"])


def _seat_released(doc: dict[str, Any], env: dict[str, Any]) -> None:
    seat = env["data"]["application_id"]
    if seat in doc["seats"]:
        doc["seats"].remove(seat)


def _closed(doc: dict[str, Any], env: dict[str, Any]) -> None:
    doc["closed"] = True


PROGRAM_CHANGES: dict[str, Change] = {
    "program.tool_registered": _tool_registered,
    "program.tool_disclosure_updated": _disclosed,
    "program.seat_allocated": _seat_allocated,
    "program.seat_released": _seat_released,
    "program.closed": _closed,
}


class Catalog:
    name = NAME
    tables = (ROWS,)

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Cursor, int, dict[str, Any]], None]] = {
            "program.opened": self._opened,
            "exhibition.scheduled": self._scheduled,
            "work.exhibited": self._exhibited,
        } | dict.fromkeys(PROGRAM_CHANGES, self._program_changed)

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        handler = self.handlers.get(env["type"])
        if handler is not None:
            handler(cur, gen, env)

    def _opened(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        data, position = env["data"], env["position"]
        doc = {key: data[key] for key in ("slug", "name", "city", "starts_on", "ends_on")}
        doc |= {
            "id": env["aggregate_id"],
            "capacity": data["capacity"],
            "opened_at": env["timestamp"],
            "closed": False,
            "tools": [],
            "seats": [],
            "exhibitions": [],
        }
        _put(cur, gen, PROGRAM, data["slug"], position, doc, data["slug"])
        ref = {"slug": data["slug"]}
        _put(cur, gen, PROGRAM_SLUG, env["aggregate_id"], position, ref, data["slug"])

    def _program_changed(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        ref = _get(cur, gen, PROGRAM_SLUG, env["aggregate_id"])
        found = _get(cur, gen, PROGRAM, ref[1]["slug"]) if ref else None
        if found is None:
            return  # an event of a program the log never opened: nothing to show
        position, doc = found
        PROGRAM_CHANGES[env["type"]](doc, env)
        _put(cur, gen, PROGRAM, doc["slug"], position, doc, doc["slug"])

    def _scheduled(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        data, aid = env["data"], env["aggregate_id"]
        fields = ("program", "title", "venue", "opens_on", "closes_on", "partner")
        doc = {"id": aid, "scheduled_at": env["timestamp"], "works": []}
        doc |= {f: data[f] for f in fields}
        _put(cur, gen, EXHIBITION, aid, env["position"], doc, data["program"])
        found = _get(cur, gen, PROGRAM, data["program"])
        if found is not None:
            position, program = found
            program["exhibitions"].append(aid)
            _put(cur, gen, PROGRAM, data["program"], position, program, data["program"])

    def _exhibited(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        data = env["data"]
        found = _get(cur, gen, EXHIBITION, data["exhibition"])
        if found is None:
            return
        position, doc = found
        doc["works"].append(
            {
                "work_id": env["aggregate_id"],
                "credited_artist": data["credited_artist"],
                "hung_at": env["timestamp"],
            }
        )
        _put(cur, gen, EXHIBITION, data["exhibition"], position, doc, doc["program"])


def _get(cur: Cursor, gen: int, kind: str, key: str) -> tuple[int, dict[str, Any]] | None:
    row = cur.one(
        f"SELECT position, doc FROM {{t}}{TABLE} WHERE gen = ? AND kind = ? AND id = ?",
        (gen, kind, key),
    )
    return (int(row["position"]), loads(row["doc"])) if row else None


def _put(
    cur: Cursor, gen: int, kind: str, key: str, position: int, doc: dict[str, Any], program: str
) -> None:
    """Write a document; `position` stays the one it was first written at
    (lists are in the order programs were opened and exhibitions scheduled)."""
    cur.execute(
        f"INSERT INTO {{t}}{TABLE} (gen, kind, id, program, position, doc) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (gen, kind, id) DO UPDATE SET doc = excluded.doc",
        (gen, kind, key, program, position, dumps(doc)),
    )


def one(cur: Cursor, gen: int, kind: str, key: str) -> dict[str, Any] | None:
    found = _get(cur, gen, kind, key)
    return found[1] | {"position": found[0]} if found else None


def many(cur: Cursor, gen: int, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
    if not keys:
        return {}
    marks = ", ".join("?" * len(keys))
    rows = cur.all(
        f"SELECT id, position, doc FROM {{t}}{TABLE} WHERE gen = ? AND kind = ? "
        f"AND id IN ({marks})",
        (gen, kind, *keys),
    )
    return {r["id"]: loads(r["doc"]) | {"position": int(r["position"])} for r in rows}


def page(
    cur: Cursor,
    gen: int,
    kind: str,
    *,
    after: int = 0,
    limit: int = 100,
    program: str | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Documents of `kind` in the order they were first written, after the
    cursor (a log position); (items, next cursor)."""
    where, params = "gen = ? AND kind = ? AND position > ?", [gen, kind, after]
    if program is not None:
        where += " AND program = ?"
        params.append(program)
    rows = cur.all(
        f"SELECT position, doc FROM {{t}}{TABLE} WHERE {where} ORDER BY position LIMIT ?",
        (*params, limit + 1),
    )
    docs = [loads(r["doc"]) | {"position": int(r["position"])} for r in rows[:limit]]
    return docs, (docs[-1]["position"] if len(rows) > limit else None)
