"""The store's schema version, and the migrations that bring a store to it.

The version is recorded in the store (`ledger_schema`). `labledger db init`
creates every table of an empty store at `VERSION`; on an older store it
applies the migrations in order, in one transaction. A process that opens a
store at another version refuses to start (`check`), naming both versions.

Version 1 is the layout the code had before versions were recorded: a store
with our tables but no version row is at version 1. Version 2 is event format
2 (issue 10: events hold no personal data) with the transparency log's full
tiles and witness cosignatures. Version 3 records when each checkpoint was
signed and adds the public catalog view (programs, exhibitions), with the
registry rebuilt to keep every tool disclosure; its step is composed where the
tables live (`api.bootstrap.SCHEMA`). Version 4 adds the index of generation
outputs (`ledger.outputs`), filled from the generations already stored, and
has the audit re-check the whole history with its new checks. Version 5 adds
the console's sessions and invites (`ledger.sessions`). A version-1 store
holds personal data inside
its immutable events, which no migration can take out without changing every
leaf, so it is refused, never migrated (`UNMIGRATABLE`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ledger.database import Cursor, Database
from ledger.tables import Table, integer

VERSION = 5
Migration = Callable[[Cursor], None]
# target version -> the step from the version before it. The steps touch the
# tables of the layers above, so `api.bootstrap.SCHEMA` passes them in.
MIGRATIONS: Mapping[int, Migration] = {}
# target version -> why no store below it can be brought to it.
UNMIGRATABLE: Mapping[int, str] = {
    2: "this store holds events in format 1, with personal data inside events; this code "
    "needs format 2 and cannot migrate it: start a fresh store",
}

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


def barrier(found: int, needed: int, unmigratable: Mapping[int, str] = UNMIGRATABLE) -> str | None:
    """Why a store at `found` cannot be migrated to `needed`, if it cannot."""
    for step in range(found + 1, needed + 1):
        if step in unmigratable:
            return f"the store is at schema version {found}: {unmigratable[step]}"
    return None


def mismatch(found: int | None, needed: int) -> str | None:
    """What is wrong with a store at version `found` for code at `needed`."""
    if found is None:
        return "the store has no Lab Ledger schema: run `labledger db init`"
    if found < needed:
        return barrier(found, needed) or (
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
    unmigratable: Mapping[int, str] = field(default_factory=lambda: UNMIGRATABLE)

    def init(self, db: Database) -> tuple[int | None, int]:
        """Create or migrate the store; (the version found, the version now).

        Migrations first, then every table `IF NOT EXISTS` (which also
        re-creates a table dropped by mistake) and the seed rows."""
        with db.transaction(write=True) as cur:
            found = recorded_version(cur)
            if found is not None and found > self.version:
                raise SchemaError(mismatch(found, self.version) or "")
            refused = None if found is None else barrier(found, self.version, self.unmigratable)
            if refused is not None:
                raise SchemaError(refused)
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
