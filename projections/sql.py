"""The cursor every projection writes through, in either dialect.

Projections write SQL once, with `?` placeholders and `{t}` before table
names (the `ledger.persistence.Database` convention); `ViewCursor` adapts it
to the raw cursor of the transaction the follower opened, so view rows and
the tracking row share that transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ledger.persistence import storable_text

Translate = Callable[[str], str]


class ViewCursor:
    def __init__(self, raw: Any, translate: Translate, dialect: str) -> None:
        self._raw = raw
        self._translate = translate
        self.dialect = dialect
        # Documents read or written in this transaction (see projections.docs);
        # it lives and dies with the transaction, so it can never go stale.
        self.cache: dict[tuple[str, int, str, str], Any] = {}

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        # Text from events may hold NUL, which PostgreSQL text refuses (JSON
        # documents are safe: `dumps` escapes it). Writes and lookups map it
        # alike, so a search still finds what was written.
        self._raw.execute(
            self._translate(statement),
            tuple(storable_text(p) if isinstance(p, str) else p for p in params),
        )

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._raw.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self._raw.fetchone()
        return dict(row) if row is not None else None

    def one(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self.execute(statement, params)
        return self.fetchone()

    def all(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.execute(statement, params)
        return self.fetchall()


def dumps(doc: Any) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def loads(text: str | None) -> Any:
    return json.loads(text) if text else None


def sqlite_translate(statement: str) -> str:
    return statement.replace("{t}", "")


def memory_cursor() -> ViewCursor:
    """An in-memory SQLite cursor (unit tests feed projections through it)."""
    import sqlite3

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.row_factory = sqlite3.Row
    return ViewCursor(conn.cursor(), sqlite_translate, "sqlite")


def _identity(statement: str) -> str:
    return statement


@contextmanager
def reading(db: Any) -> Iterator[ViewCursor]:
    """One read transaction on the ledger's database (a consistent snapshot
    on SQLite), through the same cursor interface the projections use."""
    with db.transaction() as cur:
        yield ViewCursor(cur, _identity, db.dialect)  # Database's cursor adapts SQL
