"""Audit report: per program, counts by event type and by tool, and every
invariant (I1-I6) re-checked over the whole history (`invariants.py`),
with each violation and the events involved."""

from __future__ import annotations

import csv
import io
from typing import Any

from ledger.database import Cursor
from ledger.tables import Table, bigint, integer, text
from projections import docs
from projections.docs import Docs, docs_table, dumps, loads
from projections.invariant_checks import CHECKS
from projections.invariants import INVARIANTS, Check

NAME = "audit"
DOCS = "proj_audit_docs"
COUNTS = "proj_audit_counts"
VIOLATIONS = "proj_audit_violations"
UNATTRIBUTED = ""  # events the checker could not tie to a program

_TOOL_COUNTS = {
    "participant.tool_access_granted": "grants",
    "participant.tool_access_revoked": "revocations",
    "generation.recorded": "generations",
}


COUNTS_TABLE = Table(
    COUNTS,
    (integer("gen"), text("program"), text("dimension"), text("key"), bigint("n")),
    primary_key=("gen", "program", "dimension", "key"),
)
VIOLATIONS_TABLE = Table(
    VIOLATIONS,
    (
        integer("gen"),
        text("program"),
        bigint("position"),
        integer("seq"),
        text("invariant"),
        text("detail"),
        text("events"),
    ),
    primary_key=("gen", "program", "position", "seq"),
)

VIOLATION_COLUMNS = tuple(column.name for column in VIOLATIONS_TABLE.columns)
COUNT_COLUMNS = tuple(column.name for column in COUNTS_TABLE.columns)


class Audit:
    name = NAME
    tables = (docs_table(DOCS), COUNTS_TABLE, VIOLATIONS_TABLE)

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        check = Check(Docs(cur, DOCS, gen), env, CHECKS)
        check.run()
        program = check.program or UNATTRIBUTED
        self._count(cur, gen, program, "type", env["type"])
        if env["type"] in _TOOL_COUNTS:
            self._count(
                cur, gen, program, "tool", f"{env['data']['tool']}|{_TOOL_COUNTS[env['type']]}"
            )
        for seq, (invariant, detail, events) in enumerate(check.violations):
            row = (gen, program, env["position"], seq, invariant, detail, dumps(events))
            docs.insert(cur, VIOLATIONS, VIOLATION_COLUMNS, row)

    def _count(self, cur: Cursor, gen: int, program: str, dimension: str, key: str) -> None:
        if docs.is_deferred(cur) or docs.is_batched(cur):
            docs.add(cur, COUNTS, COUNT_COLUMNS, (gen, program, dimension, key))
            return
        cur.execute(
            f"INSERT INTO {{t}}{COUNTS} AS c (gen, program, dimension, key, n) "
            "VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT (gen, program, dimension, key) DO UPDATE SET n = c.n + 1",
            (gen, program, dimension, key),
        )


def report(cur: Cursor, gen: int, slug: str, position: int) -> dict[str, Any] | None:
    counts = cur.all(
        f"SELECT dimension, key, n FROM {{t}}{COUNTS} WHERE gen = ? AND program = ? ORDER BY key",
        (gen, slug),
    )
    if not any(r["dimension"] == "type" and r["key"] == "program.opened" for r in counts):
        return None
    by_type = {r["key"]: int(r["n"]) for r in counts if r["dimension"] == "type"}
    by_tool: dict[str, dict[str, int]] = {}
    for r in counts:
        if r["dimension"] == "tool":
            tool, what = r["key"].split("|", 1)
            by_tool.setdefault(tool, {"grants": 0, "revocations": 0, "generations": 0})[what] = int(
                r["n"]
            )
    violations = [
        {
            "invariant": r["invariant"],
            "rule": INVARIANTS[r["invariant"]],
            "detail": r["detail"],
            "position": int(r["position"]),
            "events": loads(r["events"]),
        }
        for r in cur.all(
            f"SELECT position, invariant, detail, events FROM {{t}}{VIOLATIONS} "
            "WHERE gen = ? AND program = ? ORDER BY position, seq",
            (gen, slug),
        )
    ]
    docs = Docs(cur, DOCS, gen)
    return {
        "program": slug,
        "position": position,
        "events": sum(by_type.values()),
        "counts": {"by_type": by_type, "by_tool": by_tool},
        "invariants": [{"id": k, "rule": v} for k, v in INVARIANTS.items()],
        "violations": violations,
        "ok": not violations,
        # Corrections, not violations: each a new event (see ownership_checks.note).
        "retractions": (docs.get("retractions", slug) or {"items": []})["items"],
        "disputes": (docs.get("disputes", slug) or {"items": []})["items"],
    }


def as_csv(report: dict[str, Any]) -> str:
    """One table: `section,key,value,detail,events` (events as `position:type` list).
    The checkpoint, when the report has one, is its tree size and its signed
    note (one multi-line, quoted cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value", "detail", "events"])
    writer.writerow(["report", "program", report["program"], "", ""])
    writer.writerow(["report", "position", report["position"], "", ""])
    writer.writerow(["report", "violations", len(report["violations"]), "", ""])
    checkpoint = report.get("checkpoint")
    if checkpoint is not None:
        writer.writerow(["checkpoint", "tree_size", checkpoint["tree_size"], "", ""])
        writer.writerow(["checkpoint", "note", checkpoint["note"], "", ""])
    for key, n in sorted(report["counts"]["by_type"].items()):
        writer.writerow(["count_by_type", key, n, "", ""])
    for tool, counts in sorted(report["counts"]["by_tool"].items()):
        for what, n in sorted(counts.items()):
            writer.writerow(["count_by_tool", f"{tool}.{what}", n, "", ""])
    for item in report["violations"]:
        events = " ".join(f"{e['position']}:{e['type']}" for e in item["events"])
        writer.writerow(["violation", item["invariant"], item["position"], item["detail"], events])
    for section in ("retractions", "disputes"):
        for item in report.get(section, []):
            event = f"{item['position']}:{item['type']}"
            writer.writerow([section[:-1], item["work_id"], item["position"], "", event])
    return out.getvalue()
