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

from typing import Any

from ledger.database import Cursor
from ledger.tables import Index, Table, bigint, integer, text
from projections.docs import Docs, DocsProjection, Handler, docs_table, dumps, loads
from projections.standing import marked

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


class Registry(DocsProjection):
    name = NAME
    docs_name = DOCS
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
        tool = docs.peek("tool", f"{data['program']}:{data['tool']}") or {}  # read only
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


def in_force(disclosures: list[dict[str, Any]], version: str) -> int | None:
    """The index of the latest disclosure of `version` so far, if any."""
    found = [n for n, d in enumerate(disclosures) if d["version"] == version]
    return found[-1] if found else None
