"""Where the ledger's data lives: one database, chosen by one URL.

`sqlite:///path` uses eventsourcing's SQLite module, `postgresql://...` its
PostgreSQL module. Our own tables (tokens, idempotency keys, read models,
the transparency tree, webhooks) live in the same database and are reached
through `Database`, which speaks both dialects.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import SQL

APP_NAME = "ledger"  # PostgreSQL table names derive from it: never change.


class ConfigurationError(ValueError):
    pass


def store_env(url: str, *, create_table: bool = False) -> dict[str, str]:
    """eventsourcing settings for a `LEDGER_DATABASE_URL`."""
    parsed = urlparse(url)
    env = {"CREATE_TABLE": "y" if create_table else "n"}
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else parsed.path
        if not path:
            raise ConfigurationError(f"no file in {url!r}; use sqlite:///path/to/file")
        if path != ":memory:" and "mode=memory" not in path and not path.startswith("file:"):
            _create_private(Path(path))
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=path,
            SQLITE_LOCK_TIMEOUT="30",
            APPLICATION_RECORDER_TOPIC=get_topic(LedgerSQLiteRecorder),
        )
    elif parsed.scheme in ("postgresql", "postgres"):
        query = parse_qs(parsed.query)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=unquote(parsed.path.lstrip("/")) or "postgres",
            POSTGRES_HOST=parsed.hostname or "127.0.0.1",
            POSTGRES_PORT=str(parsed.port or 5432),
            POSTGRES_USER=unquote(parsed.username or "postgres"),
            POSTGRES_PASSWORD=unquote(parsed.password or ""),
            POSTGRES_SCHEMA=query.get("schema", ["public"])[0],
            POSTGRES_POOL_SIZE=query.get("pool_size", ["5"])[0],
            POSTGRES_CONNECT_TIMEOUT="5",
            # Never enable DB functions: a log follower then skips events.
            POSTGRES_ENABLE_DB_FUNCTIONS="n",
            APPLICATION_RECORDER_TOPIC=get_topic(LedgerPostgresRecorder),
        )
    else:
        raise ConfigurationError(
            f"unsupported LEDGER_DATABASE_URL {redact_url(url)!r}: "
            "use sqlite:///... or postgresql://..."
        )
    return env


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds
    personal data and webhook secrets. SQLite gives its -wal and -shm files
    the database file's mode. An existing file keeps its mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def redact_url(url: str) -> str:
    """The URL with its password (and any `password=` parameter) replaced by
    `***`: the form to print or log."""
    parsed = urlparse(url)
    parts = parsed.query.split("&") if parsed.query else []
    secret = [p.split("=", 1)[0].lower() == "password" for p in parts]
    if parsed.password is None and not any(secret):
        return url
    netloc = parsed.netloc
    if parsed.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    query = "&".join("password=***" if hide else p for p, hide in zip(parts, secret, strict=True))
    return parsed._replace(netloc=netloc, query=query).geturl()


def storable_text(value: str) -> str:
    """`value` as a text column can hold it: PostgreSQL text refuses NUL, so
    NUL becomes U+FFFD (the replacement character) on both stores alike.
    Identity for every string without NUL."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


@dataclass(frozen=True)
class IdempotencyRecord:
    """Written in the same transaction as the command's events."""

    scope: str
    key: str
    request_hash: str
    status: int
    response: dict[str, Any]


def _idempotency_kwarg(kwargs: dict[str, Any]) -> IdempotencyRecord | None:
    return kwargs.get("idempotency")


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + [
            statement for statement in OWN_TABLES_SQL["sqlite"]
        ]

    def _insert_events(
        self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        record = _idempotency_kwarg(kwargs)
        if record is not None:
            last = stored_events[-1]
            c.execute(
                "INSERT INTO ledger_idempotency "
                "(scope, key, request_hash, status, response, originator_id, "
                "originator_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.scope,
                    record.key,
                    record.request_hash,
                    record.status,
                    json.dumps(record.response),
                    last.originator_id.hex,
                    last.originator_version,
                ),
            )
        return super()._insert_events(c, stored_events, **kwargs)


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: Any, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = datastore.schema
        self.sql_create_statements.extend(
            SQL(statement.replace("{schema}", f'"{schema}"'))  # type: ignore[arg-type]
            for statement in OWN_TABLES_SQL["postgres"]
        )
        self._insert_idempotency = (
            f'INSERT INTO "{schema}".ledger_idempotency '
            "(scope, key, request_hash, status, response, originator_id, originator_version) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s)"
        )

    def _insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        record = _idempotency_kwarg(kwargs)
        if record is not None and stored_events:
            last = stored_events[-1]
            curs.execute(
                self._insert_idempotency,
                (
                    record.scope,
                    record.key,
                    record.request_hash,
                    record.status,
                    json.dumps(record.response),
                    last.originator_id.hex,
                    last.originator_version,
                ),
            )
        super()._insert_events(curs, stored_events, **kwargs)


# The write side's own tables, created by `labledger db init` with the events table.
OWN_TABLES_SQL: dict[str, list[str]] = {
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS ledger_idempotency ("
        "scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, "
        "status INTEGER NOT NULL, response TEXT NOT NULL, originator_id TEXT NOT NULL, "
        "originator_version INTEGER NOT NULL, "
        "created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), "
        "PRIMARY KEY (scope, key))",
        "CREATE TABLE IF NOT EXISTS ledger_tokens ("
        "id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, role TEXT NOT NULL, "
        "participant_id TEXT, name TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)",
    ],
    "postgres": [
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_idempotency ("
        "scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, "
        "status integer NOT NULL, response text NOT NULL, originator_id text NOT NULL, "
        "originator_version bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), "
        "PRIMARY KEY (scope, key))",
        "CREATE TABLE IF NOT EXISTS {schema}.ledger_tokens ("
        "id text PRIMARY KEY, token_sha256 text NOT NULL UNIQUE, role text NOT NULL, "
        "participant_id text, name text NOT NULL, created_at text NOT NULL, revoked_at text)",
    ],
}


class Database:
    """Plain SQL on the ledger's own database, in either dialect.

    Write SQL with `?` placeholders and `{t}` before table names
    (`"SELECT * FROM {t}ledger_tokens WHERE id = ?"`); `sql()` adapts it.
    """

    def __init__(self, datastore: Any, dialect: str, events_table: str) -> None:
        self.datastore = datastore
        self.dialect = dialect
        self.events_table = events_table
        self.prefix = f'"{datastore.schema}".' if dialect == "postgres" else ""

    def sql(self, statement: str) -> str:
        statement = statement.replace("{t}", self.prefix)
        if self.dialect == "postgres":
            statement = statement.replace("%", "%%").replace("?", "%s")
        return statement

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Any]:
        """A cursor in one transaction (committed when `write` and no error).

        On SQLite a write transaction begins IMMEDIATE: a deferred one that reads
        and then writes fails at once if another process committed meanwhile.
        """
        if self.dialect == "sqlite":
            with self.datastore.get_connection(commit=write) as conn:
                cursor = conn.cursor()
                cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield _Cursor(cursor, self)
                except BaseException:
                    conn.rollback()
                    raise
                if write:
                    conn.commit()
                else:
                    conn.rollback()
        else:
            with self.datastore.transaction(commit=write) as cursor:
                yield _Cursor(cursor, self)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.transaction(write=True) as cur:
            cur.execute(statement, params)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.transaction() as cur:
            cur.execute(statement, params)
            return cur.fetchall()

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.fetchall(statement, params)
        return rows[0] if rows else None

    def ping(self) -> None:
        self.fetchall("SELECT 1 AS ok")


class _Cursor:
    """Rows as dicts; SQL adapted to the dialect."""

    def __init__(self, cursor: Any, db: Database) -> None:
        self._cursor = cursor
        self._db = db

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._db.sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._db.sql(statement), [tuple(r) for r in rows])

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._cursor.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None

    @property
    def rowcount(self) -> int:
        # eventsourcing's SQLiteCursor wraps the sqlite3 cursor without `rowcount`.
        inner = getattr(self._cursor, "sqlite_cursor", self._cursor)
        return inner.rowcount
