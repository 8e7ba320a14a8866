"""A keyed JSON-document table per projection generation.

Projections keep the small per-entity state they need (a program's tools, a
generation's tool, a participant's grants) as rows `(gen, kind, id) -> doc`,
so state is read and written per entity: memory stays flat as the log grows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from ledger.database import Cursor
from ledger.tables import Table, integer, text


def dumps(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def loads(value: str | None) -> Any:
    return json.loads(value) if value else None


def docs_table(name: str) -> Table:
    return Table(
        name,
        (integer("gen"), text("kind"), text("id"), text("doc")),
        primary_key=("gen", "kind", "id"),
    )


class Docs:
    def __init__(self, cur: Cursor, table: str, gen: int) -> None:
        self.cur = cur
        self.table = table
        self.gen = gen

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        slot = (self.table, self.gen, kind, key)
        if slot in self.cur.cache:
            return copy.deepcopy(self.cur.cache[slot])
        row = self.cur.one(
            f"SELECT doc FROM {{t}}{self.table} WHERE gen = ? AND kind = ? AND id = ?",
            (self.gen, kind, key),
        )
        doc = loads(row["doc"]) if row else None
        self.cur.cache[slot] = copy.deepcopy(doc)
        return doc

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        self.cur.cache[(self.table, self.gen, kind, key)] = copy.deepcopy(doc)
        self.cur.execute(
            f"INSERT INTO {{t}}{self.table} (gen, kind, id, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (gen, kind, id) DO UPDATE SET doc = excluded.doc",
            (self.gen, kind, key, dumps(doc)),
        )

    def many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        if not keys:
            return {}
        marks = ", ".join("?" for _ in keys)
        rows = self.cur.all(
            f"SELECT id, doc FROM {{t}}{self.table} WHERE gen = ? AND kind = ? AND id IN ({marks})",
            (self.gen, kind, *keys),
        )
        return {r["id"]: loads(r["doc"]) for r in rows}


Handler = Callable[[Cursor, int, dict[str, Any], Docs], None]


class DocsProjection:
    """A view whose handlers, chosen by event type, keep per-entity documents
    in its own table (`docs_name`); each such view knows the programs' slugs
    from `program.opened`."""

    docs_name: str
    handlers: dict[str, Handler]

    def apply(self, cur: Cursor, gen: int, env: dict[str, Any]) -> None:
        handler = self.handlers.get(env["type"])
        if handler is not None:
            handler(cur, gen, env, Docs(cur, self.docs_name, gen))

    def _opened(self, cur: Cursor, gen: int, env: dict[str, Any], docs: Docs) -> None:
        docs.put("program", env["aggregate_id"], {"slug": env["data"]["slug"]})
