"""Whether a declaration stands, for the registry: retracted by its artist
(the hash is free again) or disputed by staff (it still stands), and when.
The registry's rows keep the instants; a read shows `status`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.database import Cursor
from projections.docs import Docs, dumps, loads

Handler = Callable[[Cursor, int, dict[str, Any], Docs], None]


def marked(table: str, field: str) -> Handler:
    """A retraction or a dispute: when it happened, on the work's row of `table`."""

    def mark(cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        aid = env["aggregate_id"]
        row = cur.one(f"SELECT doc FROM {{t}}{table} WHERE gen = ? AND work_id = ?", (gen, aid))
        if row is None:
            return
        doc = loads(row["doc"])
        doc[field] = env["timestamp"]
        cur.execute(
            f"UPDATE {{t}}{table} SET doc = ? WHERE gen = ? AND work_id = ?",
            (dumps(doc), gen, aid),
        )

    return mark


def standing(doc: dict[str, Any]) -> dict[str, Any]:
    """`status`: declared, disputed (staff question it; it stands) or
    retracted (by its artist), with when each happened (null: not)."""
    retracted, disputed = doc.get("retracted_at"), doc.get("disputed_at")
    status = "retracted" if retracted else "disputed" if disputed else "declared"
    return {"status": status, "retracted_at": retracted, "disputed_at": disputed}
