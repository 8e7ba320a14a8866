"""The store's schema version, and the migrations that bring a store to it.

The version is recorded in the store (`ledger_schema`). `labledger db init`
creates every table of an empty store at `VERSION`; on an older store it
applies the migrations in order, in one transaction. A process that opens a
store at another version refuses to start (`check`), naming both versions.

Version 1 is the layout the code had before versions were recorded: a store
with our tables but no version row is at version 1. Version 2 adds the
transparency log's full tiles and witness cosignatures; its step
(`transparency.store.add_tiles`: the tiles of the tree already built) is
handed in by `api.bootstrap`, since this layer cannot import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ledger.database import Cursor, Database
from ledger.tables import Table, integer

VERSION = 2
Migration = Callable[[Cursor], None]
# target version -> the step from the version before it, for this layer's
# tables; `api.bootstrap` adds the read side's.
MIGRATIONS: Mapping[int, Migration] = {}

SCHEMA_TABLE = Table(
    "ledger_schema",
    (integer("id"), integer("version")),
    primary_key=("id",),
    check="id = 1",
)
# Present in every store that predates the version row (version 1).
_VERSION_1_MARKER = "ledger_idempotency"


class SchemaError(RuntimeError):
    """The store's schema is not the one this code runs on."""


def recorded_version(cur: Cursor) -> int | None:
    """The store's schema version; None for a store without our tables."""
    if cur.has_table(SCHEMA_TABLE.name):
        row = cur.one("SELECT version FROM {t}ledger_schema WHERE id = 1")
        if row is not None:
            return int(row["version"])
    return 1 if cur.has_table(_VERSION_1_MARKER) else None


def mismatch(found: int | None, needed: int) -> str | None:
    """What is wrong with a store at version `found` for code at `needed`."""
    if found is None:
        return "the store has no Lab Ledger schema: run `labledger db init`"
    if found < needed:
        return (
            f"the store is at schema version {found}, this code needs {needed}: "
            "run `labledger db init` to migrate"
        )
    if found > needed:
        return (
            f"the store is at schema version {found}, newer than this code (version {needed}): "
            "run the Lab Ledger that migrated it"
        )
    return None


def check(db: Database, version: int = VERSION) -> None:
    """Refuse a store at another schema version than `version`."""
    with db.transaction() as cur:
        problem = mismatch(recorded_version(cur), version)
    if problem is not None:
        raise SchemaError(problem)


Seed = Callable[[Cursor], None]


@dataclass(frozen=True)
class Schema:
    """Every table of the store at `version`, the rows they start with, and
    the migrations that lead to it."""

    tables: Sequence[Table]
    seeds: Sequence[Seed] = ()
    version: int = VERSION
    migrations: Mapping[int, Migration] = field(default_factory=lambda: MIGRATIONS)

    def init(self, db: Database) -> tuple[int | None, int]:
        """Create or migrate the store; (the version found, the version now).

        Migrations first, then every table `IF NOT EXISTS` (which also
        re-creates a table dropped by mistake) and the seed rows."""
        with db.transaction(write=True) as cur:
            found = recorded_version(cur)
            if found is not None and found > self.version:
                raise SchemaError(mismatch(found, self.version) or "")
            for step in range((found or self.version) + 1, self.version + 1):
                self.migrations[step](cur)
            for table in (SCHEMA_TABLE, *self.tables):
                for statement in table.create(db.dialect):
                    cur.execute(statement)
            for seed in self.seeds:
                seed(cur)
            cur.execute(
                "INSERT INTO {t}ledger_schema (id, version) VALUES (1, ?) "
                "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                (self.version,),
            )
        return found, self.version
