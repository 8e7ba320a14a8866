"""Generations: each participant's generations in log order, each with the
disclosure of the tool version it was made with.

A row per generation (paged by participant and log position), and the
disclosures it is resolved against when read: every version a program's tool
ever disclosed keeps its own document (`<slug>:<tool>:<version>`; a version
disclosed again is the latest text published under it), so a generation made
with image 5.0 shows 5.0's capabilities and limitations after 5.1 is out.

No personal data enters it: a generation is hashes, a tool and times.
"""

from __future__ import annotations

from typing import Any

from ledger.database import Cursor
from ledger.tables import Index, Table, bigint, integer, text
from projections import docs as rows
from projections.docs import Docs, DocsProjection, Handler, docs_table, dumps, loads

NAME = "generations"
ROWS = "proj_generations"
DOCS = "proj_generations_docs"

ROWS_TABLE = Table(
    ROWS,
    (
        integer("gen"),
        text("participant"),
        bigint("position"),
        text("id"),
        text("program"),
        text("doc"),
    ),
    primary_key=("gen", "participant", "position"),
    indexes=(Index("proj_generations_by_id", "gen, id"),),
)
COLUMNS = tuple(column.name for column in ROWS_TABLE.columns)
DISCLOSED = ("name", "provider", "version", "capabilities", "limitations")


def disclosure_key(program: str, tool: str, version: str) -> str:
    return f"{program}:{tool}:{version}"


class Generations(DocsProjection):
    name = NAME
    docs_name = DOCS
    tables = (ROWS_TABLE, docs_table(DOCS))

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {
            "program.opened": self._opened,
            "program.tool_registered": self._disclosed,
            "program.tool_disclosure_updated": self._disclosed,
            "generation.recorded": self._generated,
        }

    def _disclosed(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        """A registration or an update: the tool's current fields, and the
        disclosure of the version it names (an update carries no name or
        provider: they stay the registration's)."""
        data = env["data"]
        program = docs.get("program", env["aggregate_id"])
        if program is None:
            return
        key = f"{program['slug']}:{data['tool']}"
        tool = docs.get("tool", key) or {"tool": data["tool"]}
        tool |= {field: data[field] for field in DISCLOSED if field in data}
        docs.put("tool", key, tool)
        disclosure = tool | {"disclosed_at": env["timestamp"], "position": env["position"]}
        docs.put(
            "disclosure", disclosure_key(program["slug"], data["tool"], data["version"]), disclosure
        )

    def _generated(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        data = env["data"]
        doc = {
            "id": env["aggregate_id"],
            "participant": data["participant"],
            "program": data["program"],
            "tool": data["tool"],
            "tool_version": data["tool_version"],
            "output_sha256": data["output_sha256"],
            "media_type": data["media_type"],
            "prompt_sha256": data["prompt_sha256"],
            "generated_at": data["generated_at"],
            "recorded_at": env["timestamp"],
            "position": env["position"],
        }
        row = (gen, data["participant"], env["position"], env["aggregate_id"], data["program"])
        rows.insert(cur, ROWS, COLUMNS, (*row, dumps(doc)))


def page(
    cur: Cursor, gen: int, participant: str, *, after: int = 0, limit: int = 100
) -> tuple[list[dict[str, Any]], int | None]:
    """A participant's generations after the cursor (a log position), oldest
    first, each with its disclosure. Returns (items, next cursor)."""
    rows = cur.all(
        f"SELECT doc FROM {{t}}{ROWS} WHERE gen = ? AND participant = ? AND position > ? "
        "ORDER BY position LIMIT ?",
        (gen, participant, after, limit + 1),
    )
    items = [loads(r["doc"]) for r in rows[:limit]]
    more = len(rows) > limit
    return disclosed(cur, gen, items), (items[-1]["position"] if more else None)


def count(cur: Cursor, gen: int, participant: str) -> int:
    row = cur.one(
        f"SELECT COUNT(*) AS n FROM {{t}}{ROWS} WHERE gen = ? AND participant = ?",
        (gen, participant),
    )
    return int(row["n"]) if row else 0


def disclosed(cur: Cursor, gen: int, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each generation with the disclosure of its tool version (null for a
    version the log never disclosed: the audit reports such a generation)."""
    keys = sorted({disclosure_key(g["program"], g["tool"], g["tool_version"]) for g in items})
    found = Docs(cur, DOCS, gen).many("disclosure", keys)
    for item in items:
        doc = found.get(disclosure_key(item["program"], item["tool"], item["tool_version"]))
        item["disclosure"] = (
            None if doc is None else {f: doc[f] for f in (*DISCLOSED, "disclosed_at")}
        )
    return items
