"""Where the ledger's data lives: one database, chosen by one URL.

`sqlite:///path` uses eventsourcing's SQLite module, `postgresql://...` its
PostgreSQL module. The events and our own tables (tokens, idempotency keys,
read models, the transparency tree, webhooks) share the database and one
connection pool per process: `open_store` builds the write application on
it, the `Database` our tables are reached through, and the `EventLog`
readers page through.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.utils import get_topic

from ledger import faults, idempotency, leases, outputs, personal, schema, tokens
from ledger.application import Ledger
from ledger.database import Database
from ledger.log import StoredLog
from ledger.recorders import LedgerSQLiteRecorder, PositionOf
from ledger.settings import Settings
from ledger.tables import Table

POSTGRES_RECORDER = "ledger.postgres_recorder:LedgerPostgresRecorder"

# The write side's own tables; `api.bootstrap` adds the read side's.
TABLES: tuple[Table, ...] = (
    idempotency.TABLE,
    tokens.TABLE,
    leases.TABLE,
    faults.TABLE,
    personal.TABLE,
    outputs.TABLE,
)


class ConfigurationError(ValueError):
    pass


class Unreachable(ConfigurationError):
    """The database named by the URL cannot be used: the reason in one line."""


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
            POSTGRES_POOL_SIZE=_pool_size(query.get("pool_size", ["5"])[0]),
            POSTGRES_CONNECT_TIMEOUT="5",
            # Never enable DB functions: a log follower then skips events.
            POSTGRES_ENABLE_DB_FUNCTIONS="n",
            # By name: the module (and psycopg) is imported only for this store.
            APPLICATION_RECORDER_TOPIC=POSTGRES_RECORDER,
        )
    else:
        raise ConfigurationError(
            f"unsupported LEDGER_DATABASE_URL {redact_url(url)!r}: "
            "use sqlite:///... or postgresql://..."
        )
    return env


def _pool_size(value: str) -> str:
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 1000):
        raise ConfigurationError(
            f"pool_size in LEDGER_DATABASE_URL: {value!r} is not a number of connections (1-1000)"
        )
    return value


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds
    personal data and webhook secrets. SQLite gives its -wal and -shm files
    the database file's mode. An existing file keeps its mode and is never
    opened here: closing any descriptor of a file drops every POSIX lock this
    process holds on it, those of its open SQLite connections included."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another process created it meanwhile
        pass


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


@dataclass(frozen=True)
class Store:
    """The write application, the database of our tables, the log and where
    an event sits in it, all on one connection pool."""

    ledger: Ledger
    db: Database
    log: StoredLog
    positions: PositionOf

    @classmethod
    def of(cls, ledger: Ledger) -> Store:
        recorder: Any = ledger.recorder  # one of ledger.recorders: it has a `database`
        return cls(ledger, recorder.database, StoredLog(recorder, ledger.mapper), recorder)

    @classmethod
    def memory(cls) -> Store:
        """On eventsourcing's in-memory store; create the tables before use."""
        return cls.of(Ledger())

    def close(self) -> None:
        self.ledger.close()


def open_store(settings: Settings, *, create: bool = False, checked: bool = True) -> Store:
    """One store per process, built after any fork (never in a gunicorn master).

    `create` creates the event store's own tables (`db init`); `checked`
    refuses a store at another schema version than this code's."""
    env = store_env(settings.database_url, create_table=create)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        reach_postgres(settings.database_url, env, create_schema=create)
    store = Store.of(Ledger(env=env))
    if checked:
        try:
            schema.check(store.db)
        except BaseException:
            store.close()
            raise
    return store


def reach_postgres(url: str, env: dict[str, str], *, create_schema: bool) -> None:
    """Connect once before the pool does: a server that is down or refuses
    (no such database, a wrong password) is one line naming the reason, not
    the pool's timeout five seconds later. `create_schema` (`db init`)
    creates the URL's schema if it is missing; otherwise a missing one is
    named too."""
    from psycopg import sql  # only with PostgreSQL, as eventsourcing.postgres imports it

    name = env["POSTGRES_SCHEMA"]
    with _connected(url, env) as conn:
        if create_schema:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
            return
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()
    if found is None:
        where = redact_url(url)
        raise Unreachable(
            f"{where}: schema {name!r} does not exist (`labledger db init` creates it)"
        )


@contextmanager
def initialising(url: str) -> Iterator[None]:
    """One `db init` (or `serve`'s) at a time on a PostgreSQL schema: two at
    once both created the same tables and types, and one failed on
    PostgreSQL's catalog (`duplicate key ... pg_type_typname_nsp_index`). An
    advisory lock, named by the schema, is held on a connection of its own
    until the init is done (closing it lets go). On SQLite the database's own
    write lock already takes DDL one at a time."""
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        yield
        return
    with _connected(url, env) as conn:
        key = f"labledger db init {env['POSTGRES_SCHEMA']}"
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        yield


@contextmanager
def _connected(url: str, env: dict[str, str]) -> Iterator[Any]:
    """A psycopg connection (autocommit) to the URL's database; a failure to
    connect or a statement's error is `Unreachable` with the reason."""
    import psycopg

    try:
        with psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
            autocommit=True,
        ) as conn:
            yield conn
    except psycopg.Error as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        raise Unreachable(f"cannot use the database at {redact_url(url)}: {reason}") from error
