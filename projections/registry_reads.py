"""Reads of the registry view (`projections.registry` writes it): a work by
id, works by id, search, and each entry resolved with its tools' disclosures
in force and its exhibitions, its names taken from the personal-data store at
read time."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.database import Cursor
from ledger.personal import Person
from ledger.personal_store import PersonalData
from projections.docs import Docs, loads
from projections.registry import DOCS, WORKS, in_force
from projections.standing import standing


def work(cur: Cursor, gen: int, work_id: str) -> dict[str, Any] | None:
    row = cur.one(f"SELECT doc FROM {{t}}{WORKS} WHERE gen = ? AND work_id = ?", (gen, work_id))
    return _resolved(cur, gen, [loads(row["doc"])])[0] if row else None


def by_id(cur: Cursor, gen: int, work_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The entries of these works (those declared), by id."""
    if not work_ids:
        return {}
    marks = ", ".join("?" * len(work_ids))
    rows = cur.all(
        f"SELECT doc FROM {{t}}{WORKS} WHERE gen = ? AND work_id IN ({marks})", (gen, *work_ids)
    )
    return {w["id"]: w for w in _resolved(cur, gen, [loads(r["doc"]) for r in rows])}


def search(
    cur: Cursor,
    gen: int,
    *,
    sha256: str | None = None,
    owners: list[str] | None = None,
    program: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int | None]:
    """Works in declaration order after the cursor, of any of `owners`
    (participant ids) when given. Returns (items, next cursor)."""
    where, params = ["gen = ?", "position > ?"], [gen, after]
    if sha256:
        where.append("content_sha256 = ?")
        params.append(sha256)
    if program:
        where.append("program = ?")
        params.append(program)
    if owners is not None:
        if not owners:
            return [], None
        where.append(f"owner_id IN ({', '.join('?' * len(owners))})")
        params.extend(owners)
    rows = cur.all(
        f"SELECT doc FROM {{t}}{WORKS} WHERE {' AND '.join(where)} ORDER BY position LIMIT ?",
        (*params, limit + 1),
    )
    docs = [loads(r["doc"]) for r in rows[:limit]]
    more = len(rows) > limit
    return _resolved(cur, gen, docs), (docs[-1]["position"] if more else None)


def owners(owner: str, people: PersonalData) -> list[str]:
    """The participants an `owner=` search means: a participant id, or
    everyone whose public display name it is (case-insensitive)."""
    try:
        return [str(UUID(owner))]
    except ValueError:
        return people.named(owner)


def named(works: list[dict[str, Any]], people: PersonalData) -> list[dict[str, Any]]:
    """The entries with the names everyone may see, read now: the owner's
    display name (while an admitted participant) and the work's credited
    name; null, with `erased`, once the owner's data is erased."""
    found = people.many(w["owner"]["participant_id"] for w in works)
    for work in works:
        person = found.get(work["owner"]["participant_id"])
        credit = _credit(person, work["id"])
        work["owner"] |= {
            "display_name": person.public_name if person else None,
            "erased": person is None,
        }
        work["credited_name"] = credit
        for hung in work["exhibitions"]:
            hung["credited_name"] = credit
    return works


def _credit(person: Person | None, work_id: str) -> str | None:
    return person.value(work_id, 1, "credit_name") if person else None


def _resolved(cur: Cursor, gen: int, works: list[dict[str, Any]]) -> list[dict[str, Any]]:
    docs = Docs(cur, DOCS, gen)
    tool_keys = sorted({f"{w['program']}:{t['tool']}" for w in works for t in w["tools_used"]})
    tools = docs.many("tool", tool_keys)
    exhibitions = docs.many(
        "exhibition", sorted({e["id"] for w in works for e in w["exhibitions"]})
    )
    return [_entry(w, tools, exhibitions) for w in works]


def _disclosure(tool: dict[str, Any], used: dict[str, Any]) -> dict[str, Any]:
    """The disclosure in force for the version a generation used, when it was
    recorded (never a later one: a work shows what its maker was told)."""
    disclosures = tool.get("disclosures", [])
    index = used.get("disclosure")
    if index is None or index >= len(disclosures):
        index = in_force(disclosures, used["tool_version"])
    if index is None:
        return {
            "version": used["tool_version"],
            "capabilities": [],
            "limitations": [],
            "disclosed_at": None,
        }
    return disclosures[index]


def _entry(
    doc: dict[str, Any], tools: dict[str, dict[str, Any]], exhibitions: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    by_tool: dict[str, dict[str, Any]] = {}
    for used in doc["tools_used"]:
        tool = tools.get(f"{doc['program']}:{used['tool']}", {})
        disclosure = _disclosure(tool, used)
        entry = by_tool.setdefault(
            used["tool"],
            {
                "tool": used["tool"],
                "versions_used": [],
                "name": tool.get("name"),
                "provider": tool.get("provider"),
                "current_version": tool.get("version"),
                "disclosures": [],
            },
        )
        if used["tool_version"] not in entry["versions_used"]:
            entry["versions_used"].append(used["tool_version"])
        if disclosure not in entry["disclosures"]:
            entry["disclosures"].append(disclosure)
        entry["disclosure"] = disclosure  # the one of the latest generation: one to show first
    shown = []
    for hung in doc["exhibitions"]:
        details = exhibitions.get(hung["id"], {"id": hung["id"]})
        shown.append(
            {k: v for k, v in details.items() if k != "program"}
            | {"credited_artist": hung["credited_artist"], "hung_at": hung["hung_at"]}
        )
    return {
        "id": doc["id"],
        "title": doc["title"],
        "content_sha256": doc["content_sha256"],
        "program": doc["program"],
        "owner": doc["owner"],
        "declared_at": doc["declared_at"],
        "position": doc["position"],
        "generation_count": len(doc["generations"]),
        "tools": list(by_tool.values()),
        "exhibitions": shown,
    } | standing(doc)
