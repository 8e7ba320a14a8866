"""One way to declare a table for both dialects.

A `Table` names its columns by kind (`text`, `int`, `bigint`, `float`,
`blob`, `serial`, `created`); `create(dialect)` spells the kinds for SQLite or
PostgreSQL. Every statement is `IF NOT EXISTS`, so creating is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

# kind -> (SQLite, PostgreSQL). SQLite's INTEGER keeps a single-column integer
# primary key the table's rowid; 64-bit on both.
TYPES: dict[str, tuple[str, str]] = {
    "text": ("TEXT", "text"),
    "int": ("INTEGER", "integer"),
    "bigint": ("INTEGER", "bigint"),
    "float": ("DOUBLE PRECISION", "double precision"),
    "blob": ("BLOB", "bytea"),
    "serial": (
        "INTEGER PRIMARY KEY AUTOINCREMENT",
        "bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    ),
    "created": (
        "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))",
        "timestamptz NOT NULL DEFAULT now()",
    ),
}
_SELF_CONSTRAINED = frozenset({"serial", "created"})


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    null: bool = False
    unique: bool = False

    def spell(self, dialect: str) -> str:
        sql = TYPES[self.kind][0 if dialect == "sqlite" else 1]
        if self.kind not in _SELF_CONSTRAINED and not self.null:
            sql += " NOT NULL"
        if self.unique:
            sql += " UNIQUE"
        return f"{self.name} {sql}"


@dataclass(frozen=True)
class Index:
    name: str
    columns: str


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    indexes: tuple[Index, ...] = ()
    check: str | None = None
    without_rowid: bool = False  # SQLite: a table that is its primary key

    def create(self, dialect: str) -> list[str]:
        """The statements that create the table and its indexes (`{t}` prefixed)."""
        parts = [column.spell(dialect) for column in self.columns]
        if self.primary_key:
            parts.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        if self.check:
            parts.append(f"CHECK ({self.check})")
        tail = " WITHOUT ROWID" if self.without_rowid and dialect == "sqlite" else ""
        statements = [f"CREATE TABLE IF NOT EXISTS {{t}}{self.name} ({', '.join(parts)}){tail}"]
        statements += [
            f"CREATE INDEX IF NOT EXISTS {index.name} ON {{t}}{self.name} ({index.columns})"
            for index in self.indexes
        ]
        return statements


def text(name: str, **kwargs: bool) -> Column:
    return Column(name, "text", **kwargs)


def integer(name: str, **kwargs: bool) -> Column:
    return Column(name, "int", **kwargs)


def bigint(name: str, **kwargs: bool) -> Column:
    return Column(name, "bigint", **kwargs)


def real(name: str, **kwargs: bool) -> Column:
    return Column(name, "float", **kwargs)


def blob(name: str, **kwargs: bool) -> Column:
    return Column(name, "blob", **kwargs)
