"""Where each view records how far into the log it has applied events.

eventsourcing's tracking recorders, pointed at our own table `proj_tracking`
(trap 5: SQLite's recorder hard-codes a table called `tracking`, which the
transparency and webhook followers of the same log could also use). Each
projection *generation* has its own tracking key (`roster@3`), so a rebuild
tracks separately from the view that keeps serving meanwhile.

`proj_active` names the generation each projection serves from; a rebuild
builds the next generation beside it and switches the row when caught up.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from ledger.persistence import Database

TRACKING_TABLE = "proj_tracking"

ACTIVE_SQL = (
    "CREATE TABLE IF NOT EXISTS {t}proj_active ("
    "name TEXT PRIMARY KEY, gen INTEGER NOT NULL, next_gen INTEGER NOT NULL)"
)


class ViewSQLiteTracker(SQLiteTrackingRecorder):
    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore)
        if not datastore.single_row_tracking:
            raise RuntimeError("projections need single-row tracking (the default)")
        self.insert_tracking_statement = (
            f"INSERT INTO {TRACKING_TABLE} VALUES (:application_name, :notification_id) "
            "ON CONFLICT (application_name) DO UPDATE SET notification_id = :notification_id "
            f"WHERE {TRACKING_TABLE}.notification_id < :notification_id "
            "RETURNING notification_id"
        )
        self.select_max_tracking_id_statement = (
            f"SELECT MAX(notification_id) FROM {TRACKING_TABLE} WHERE application_name=?"
        )

    def construct_create_table_statements(self) -> list[str]:
        return [
            f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
            "application_name TEXT, notification_id INTEGER, "
            "PRIMARY KEY (application_name)) WITHOUT ROWID"
        ]


class ViewPostgresTracker(PostgresTrackingRecorder):
    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore, tracking_table_name=TRACKING_TABLE)
        if not datastore.single_row_tracking:
            raise RuntimeError("projections need single-row tracking (the default)")


def make_tracker(db: Database) -> ViewSQLiteTracker | ViewPostgresTracker:
    if db.dialect == "postgres":
        return ViewPostgresTracker(db.datastore)
    return ViewSQLiteTracker(db.datastore)


def tracking_key(name: str, gen: int) -> str:
    return f"{name}@{gen}"


def create_tables(db: Database, names: list[str]) -> None:
    make_tracker(db).create_table()
    db.execute(ACTIVE_SQL)
    for name in names:
        db.execute(
            "INSERT INTO {t}proj_active (name, gen, next_gen) VALUES (?, 1, 2) "
            "ON CONFLICT (name) DO NOTHING",
            (name,),
        )


_POSITION_SQL = (
    "SELECT a.gen AS gen, t.notification_id AS position FROM {t}proj_active a "
    "LEFT JOIN {t}" + TRACKING_TABLE + " t "
    "ON t.application_name = a.name || '@' || CAST(a.gen AS TEXT) WHERE a.name = ?"
)


def active(cur: Any, name: str) -> tuple[int, int]:
    """(serving generation, its tracked position), read in one statement so a
    concurrent switch can never pair one generation with another's position."""
    row = cur.one(_POSITION_SQL, (name,))
    if row is None:
        raise LookupError(f"projection {name!r} has no tables; run `labledger db init`")
    return int(row["gen"]), int(row["position"] or 0)
