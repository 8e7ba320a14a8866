"""Ownership registry: who owns which work, made with which tools.

One row per declared work (searchable by content hash, owner and program)
plus the documents it is resolved against when read: the program's tool
registrations with every disclosure ever made, the generations it was made
from (each naming the disclosure in force for its tool version when it was
recorded, which is what the work shows), and the exhibitions it hangs in. No personal
data enters this view: the owner is a participant id, and the names a read
shows (the owner's display name, the work's credit) come from the
personal-data store at read time (`named`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from ledger.database import Cursor
from ledger.personal import Person, PersonalData
from ledger.tables import Index, Table, bigint, integer, text
from projections.docs import Docs, docs_table, dumps, loads
from projections.standing import marked, standing

NAME = "registry"
WORKS = "proj_registry_works"
DOCS = "proj_registry_docs"

WORKS_TABLE = Table(
    WORKS,
    (
        integer("gen"),
        text("work_id"),
        bigint("position"),
        text("content_sha256"),
        text("program"),
        text("owner_id"),
        text("doc"),
    ),
    primary_key=("gen", "work_id"),
    indexes=(
        Index("proj_registry_by_position", "gen, position"),
        Index("proj_registry_by_hash", "gen, content_sha256"),
    ),
)
Handler = Callable[[Cursor, int, dict[str, Any], Docs], None]


class Registry:
    name = NAME
    tables = (WORKS_TABLE, docs_table(DOCS))

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {
            "program.opened": self._opened,
            "program.tool_registered": self._tool_disclosed,
            "program.tool_disclosure_updated": self._tool_disclosed,
            "generation.recorded": self._generated,
            "exhibition.scheduled": self._scheduled,
            "work.ownership_declared": self._declared,
            "work.exhibited": self._exhibited,
            "work.ownership_retracted": marked(WORKS, "retracted_at"),
            "work.ownership_disputed": marked(WORKS, "disputed_at"),
        }

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        handler = self.handlers.get(env["type"])
        if handler is not None:
            handler(cur, gen, env, Docs(cur, DOCS, gen))

    def _opened(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        docs.put("program", env["aggregate_id"], {"slug": env["data"]["slug"]})

    def _tool_disclosed(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        data = env["data"]
        program = docs.get("program", env["aggregate_id"])
        if program is None:
            return
        key = f"{program['slug']}:{data['tool']}"
        tool = docs.get("tool", key) or {"tool": data["tool"], "versions": []}
        for field in ("name", "provider", "version", "capabilities", "limitations"):
            if field in data:
                tool[field] = data[field]
        if data["version"] not in tool["versions"]:
            tool["versions"].append(data["version"])
        tool.setdefault("disclosures", []).append(
            {
                "version": data["version"],
                "capabilities": data["capabilities"],
                "limitations": data["limitations"],
                "disclosed_at": env["timestamp"],
            }
        )
        docs.put("tool", key, tool)

    def _generated(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        data = env["data"]
        tool = docs.get("tool", f"{data['program']}:{data['tool']}") or {}
        docs.put(
            "generation",
            env["aggregate_id"],
            {
                "tool": data["tool"],
                "tool_version": data["tool_version"],
                "disclosure": in_force(tool.get("disclosures", []), data["tool_version"]),
            },
        )

    def _scheduled(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        aid, data = env["aggregate_id"], env["data"]
        fields = ("program", "title", "venue", "opens_on", "closes_on", "partner")
        docs.put("exhibition", aid, {"id": aid} | {f: data[f] for f in fields})

    def _exhibited(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        aid, data = env["aggregate_id"], env["data"]
        row = cur.one(f"SELECT doc FROM {{t}}{WORKS} WHERE gen = ? AND work_id = ?", (gen, aid))
        if row is None:
            return
        doc = loads(row["doc"])
        doc["exhibitions"].append(
            {
                "id": data["exhibition"],
                "credited_artist": data["credited_artist"],
                "hung_at": env["timestamp"],
            }
        )
        cur.execute(
            f"UPDATE {{t}}{WORKS} SET doc = ? WHERE gen = ? AND work_id = ?",
            (dumps(doc), gen, aid),
        )

    def _declared(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        data = env["data"]
        generations = docs.many("generation", list(data["generations"]))
        used: list[dict[str, str]] = []
        for gid in data["generations"]:
            ref = generations.get(gid)
            if ref is not None and ref not in used:
                used.append(ref)
        doc = {
            "id": env["aggregate_id"],
            "title": data["title"],
            "content_sha256": data["content_sha256"],
            "program": data["program"],
            "owner": {"participant_id": data["artist"]},
            "declared_at": env["timestamp"],
            "position": env["position"],
            "generations": list(data["generations"]),
            "tools_used": used,
            "exhibitions": [],
        }
        cur.execute(
            f"INSERT INTO {{t}}{WORKS} (gen, work_id, position, content_sha256, program, owner_id, "
            "doc) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                gen,
                env["aggregate_id"],
                env["position"],
                data["content_sha256"],
                data["program"],
                data["artist"],
                dumps(doc),
            ),
        )


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


def in_force(disclosures: list[dict[str, Any]], version: str) -> int | None:
    """The index of the latest disclosure of `version` so far, if any."""
    found = [n for n, d in enumerate(disclosures) if d["version"] == version]
    return found[-1] if found else None


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
