"""A keyed JSON-document table per projection generation.

Projections keep the small per-entity state they need (a program's tools, a
generation's tool, a participant's grants) as rows `(gen, kind, id) -> doc`,
so state is read and written per entity: memory stays flat as the log grows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ledger.database import Cursor
from ledger.tables import Table, integer, text

# One encoder for every document: `json.dumps` with options builds a new one per call.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def dumps(doc: Any) -> str:
    return _ENCODER.encode(doc)


def loads(value: str | None) -> Any:
    return json.loads(value) if value else None


def docs_table(name: str) -> Table:
    return Table(
        name,
        (integer("gen"), text("kind"), text("id"), text("doc")),
        primary_key=("gen", "kind", "id"),
    )


# `cur.cache` keys: on a deferring cursor the views' writes wait in its cache,
# to be written in bulk (`projections.bulk`); on a batching one they wait for
# the `flush` that ends a follower's batch; DIRTY: the documents put since the
# last `flush`.
DEFERRED, BATCHED, DIRTY = "docs:deferred", "docs:batched", "docs:dirty"
Rows = dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]]


def defer(cur: Cursor) -> None:
    """From now on `Docs.put`, `insert` and `add` on `cur` keep what they
    write in its cache: `flush` writes the documents on `cur` (they are read
    back), `take` hands over the rest."""
    cur.cache[DEFERRED] = True


def batch(cur: Cursor) -> None:
    """From now on `Docs.put` on `cur` keeps the document in its cache, read
    back from there, until `flush` writes it: a document put for each event
    of a batch (a participant's, a program's) is written once a batch. The
    rows `insert` and the counts `add` keep (no handler reads them back while
    applying) wait for `flush` too, which writes each table's in one
    `executemany`. Everything else is written and read as without it."""
    cur.cache[BATCHED] = True


def is_deferred(cur: Cursor) -> bool:
    return bool(cur.cache.get(DEFERRED))


def is_batched(cur: Cursor) -> bool:
    """A follower's batch (`batch`), not a bulk pass (`defer`)."""
    return bool(cur.cache.get(BATCHED)) and not is_deferred(cur)


def insert_sql(table: str, columns: tuple[str, ...], alias: str = "") -> str:
    """The INSERT of one row of `columns` into `table` (named `alias` in it)."""
    names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
    named = f" AS {alias}" if alias else ""
    return f"INSERT INTO {{t}}{table}{named} ({names}) VALUES ({marks})"


def insert(cur: Cursor, table: str, columns: tuple[str, ...], row: tuple[Any, ...]) -> None:
    """A row no handler reads back while applying: deferred, kept for the
    batch's `flush`, or inserted now."""
    if is_deferred(cur) or is_batched(cur):
        cur.cache.setdefault(("rows", table, columns), []).append(row)
        return
    cur.execute(insert_sql(table, columns), row)


def add(cur: Cursor, table: str, columns: tuple[str, ...], key: tuple[Any, ...]) -> None:
    """Add one to the count (the last column) of the row `key` (the others),
    in `table`; only on a deferring or batching cursor (the views say how
    otherwise)."""
    counts = cur.cache.setdefault(("counts", table, columns), {})
    counts[key] = counts.get(key, 0) + 1


def flush(cur: Cursor) -> None:
    """Write the documents put since the last flush on a deferring or
    batching `cur` and
    forget every document it remembers, so memory stays flat: the next read
    of one is a read of its row."""
    dirty = cur.cache.pop(DIRTY, set())
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for slot in sorted(dirty):
        _, table, gen, kind, key = slot
        rows.setdefault(table, []).append((gen, kind, key, cur.cache[slot]))
    for table, values in rows.items():
        cur.executemany(
            f"INSERT INTO {{t}}{table} (gen, kind, id, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (gen, kind, id) DO UPDATE SET doc = excluded.doc",
            values,
        )
    if is_batched(cur):
        _write_batch(cur)
    for slot in [s for s in cur.cache if isinstance(s, tuple) and s[0] in ("docs", "parsed")]:
        del cur.cache[slot]


def _write_batch(cur: Cursor) -> None:
    """The rows and counts a follower's batch kept: each table's in one
    `executemany` (one round trip on PostgreSQL), not a statement an event."""
    for (table, columns), values in take(cur).items():
        cur.executemany(insert_sql(table, columns), values)
    for (table, columns), values in take(cur, counts=True).items():
        keys, n = ", ".join(columns[:-1]), columns[-1]
        cur.executemany(
            f"{insert_sql(table, columns, alias='c')} "
            f"ON CONFLICT ({keys}) DO UPDATE SET {n} = c.{n} + excluded.{n}",
            values,
        )


def take(cur: Cursor, counts: bool = False) -> Rows:
    """The rows inserted on a deferring `cur` since the last `take` (and,
    with `counts`, the counts `add` kept), by (table, columns)."""
    rows: Rows = {}
    for slot in [s for s in cur.cache if isinstance(s, tuple) and s[0] == "rows"]:
        rows[(slot[1], slot[2])] = cur.cache.pop(slot)
    for slot in [s for s in cur.cache if counts and isinstance(s, tuple) and s[0] == "counts"]:
        rows[(slot[1], slot[2])] = [(*key, n) for key, n in cur.cache.pop(slot).items()]
    return rows


_UNPARSED = object()


class Docs:
    """Documents by (kind, id). Each read or written one is remembered for
    the transaction as its JSON text, so every `get` returns a fresh copy
    (a handler may change it) exactly as the database would give it back."""

    def __init__(self, cur: Cursor, table: str, gen: int) -> None:
        self.cur = cur
        self.table = table
        self.gen = gen
        self.deferred = bool(cur.cache.get(DEFERRED))
        self.waits = self.deferred or bool(cur.cache.get(BATCHED))  # puts wait for `flush`

    def _slot(self, kind: str, key: str) -> tuple[str, str, int, str, str]:
        return ("docs", self.table, self.gen, kind, key)

    def get(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document, a copy of its own to change and `put`."""
        return loads(self._text(kind, key))

    def peek(self, kind: str, key: str) -> dict[str, Any] | None:
        """The document, to read only: one parsed copy shared by every
        `peek` until the next `put` of it (never change it)."""
        slot = self._slot(kind, key)
        parsed = self.cur.cache.get(("parsed", slot), _UNPARSED)
        if parsed is _UNPARSED:
            parsed = self.cur.cache[("parsed", slot)] = loads(self._text(kind, key))
        return parsed

    def _text(self, kind: str, key: str) -> str | None:
        slot = self._slot(kind, key)
        if slot in self.cur.cache:
            return self.cur.cache[slot]
        row = self.cur.one(
            f"SELECT doc FROM {{t}}{self.table} WHERE gen = ? AND kind = ? AND id = ?",
            (self.gen, kind, key),
        )
        self.cur.cache[slot] = row["doc"] if row else None
        return self.cur.cache[slot]

    def put(self, kind: str, key: str, doc: dict[str, Any]) -> None:
        text = dumps(doc)
        slot = self._slot(kind, key)
        self.cur.cache[slot] = text
        self.cur.cache.pop(("parsed", slot), None)
        if self.waits:
            self.cur.cache.setdefault(DIRTY, set()).add(slot)
            return
        self.cur.execute(
            f"INSERT INTO {{t}}{self.table} (gen, kind, id, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (gen, kind, id) DO UPDATE SET doc = excluded.doc",
            (self.gen, kind, key, text),
        )

    def many(self, kind: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        if self.deferred:
            found = {key: self.get(kind, key) for key in keys}
            return {key: doc for key, doc in found.items() if doc is not None}
        found = {}
        if self.waits:  # those this transaction read or put, as it has them
            cache = self.cur.cache
            known = [key for key in keys if self._slot(kind, key) in cache]
            found = {key: self.get(kind, key) for key in known}
            found = {key: doc for key, doc in found.items() if doc is not None}
            keys = [key for key in keys if key not in set(known)]
        if not keys:
            return found
        marks = ", ".join("?" for _ in keys)
        rows = self.cur.all(
            f"SELECT id, doc FROM {{t}}{self.table} WHERE gen = ? AND kind = ? AND id IN ({marks})",
            (self.gen, kind, *keys),
        )
        return found | {r["id"]: loads(r["doc"]) for r in rows}


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
