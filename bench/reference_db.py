"""The reference app's database: one connection per thread, `?`
placeholders on both stores, and `ref_events`, the table of eventsourcing's
`stored_events` shape its writes insert into (`reference_app.py`)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

_local = threading.local()


class Db:
    """One connection per thread; `?` placeholders on both stores."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = url.startswith("postgres")

    def conn(self) -> Any:
        conn = getattr(_local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg

                base, _, query = self.url.partition("?schema=")
                conn = psycopg.connect(base, autocommit=True, options=f"-c search_path={query}")
            else:
                conn = sqlite3.connect(self.url[len("sqlite:///") :], isolation_level=None)
                conn.execute("PRAGMA busy_timeout = 30000")
            _local.conn = conn
        return conn

    def all(self, sql: str, params: tuple = ()) -> list[tuple]:
        sql = sql.replace("?", "%s") if self.postgres else sql
        return self.conn().execute(sql, params).fetchall()

    def run(self, sql: str) -> None:
        self.conn().execute(sql)

    def insert_event(self, originator: str, version: int, topic: str, state: bytes) -> int:
        conn = self.conn()
        if self.postgres:
            with conn.transaction():
                conn.execute("LOCK TABLE ref_events IN EXCLUSIVE MODE")
                row = conn.execute(
                    "INSERT INTO ref_events (originator_id, originator_version, topic, state) "
                    "VALUES (%s, %s, %s, %s) RETURNING notification_id",
                    (originator, version, topic, state),
                ).fetchone()
            return row[0]
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO ref_events (originator_id, originator_version, topic, state) "
                "VALUES (?, ?, ?, ?)",
                (originator, version, topic, state),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cur.lastrowid


def create_tables(url: str) -> None:
    """`ref_events`, in the shape eventsourcing gives `stored_events`."""
    db = Db(url)
    if db.postgres:
        db.run(
            "CREATE TABLE IF NOT EXISTS ref_events (originator_id uuid NOT NULL, "
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        db.run("CREATE UNIQUE INDEX IF NOT EXISTS ref_events_nid ON ref_events (notification_id)")
    else:
        db.run(
            "CREATE TABLE IF NOT EXISTS ref_events (originator_id TEXT, originator_version "
            "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
    db.conn().close()
    _local.conn = None
