"""Plain SQL on the ledger's own database: one `Database`, one `Cursor`, one
way to open a transaction, in either dialect.

SQL is written once, with `?` placeholders and `{t}` before table names
(`"SELECT * FROM {t}ledger_tokens WHERE id = ?"`); the cursor adapts it to
SQLite or PostgreSQL. The `Database` shares the connection pool of the event
store it is built on (eventsourcing's datastore), so a process keeps one pool.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

DIALECTS = ("sqlite", "postgres")
# psycopg's default: a statement run this often on a connection is prepared
# (a read's first statement plans a join of four tables: ~180 us a read).
PREPARE_THRESHOLD = 5


def storable_text(value: str) -> str:
    """`value` as a text column can hold it: PostgreSQL text refuses NUL, so
    NUL becomes U+FFFD (the replacement character) on both stores alike.
    Identity for every string without NUL."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def storable_row(params: Sequence[Any]) -> Sequence[Any]:
    """`params` with `storable_text` of each string: the same sequence when
    none holds NUL, as nearly all do (a bulk rebuild writes millions of
    rows: a new tuple for each was a tenth of its writing's time)."""
    for value in params:
        if isinstance(value, str) and "\x00" in value:
            return tuple(storable_text(v) if isinstance(v, str) else v for v in params)
    return params


class Database:
    def __init__(self, datastore: Any, dialect: str) -> None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown dialect {dialect!r}")
        self.datastore = datastore
        self.dialect = dialect
        self.schema: str | None = datastore.schema if dialect == "postgres" else None
        self.prefix = f'"{self.schema}".' if self.schema else ""
        self._local = threading.local()  # this thread's shared read, while `sharing`

    @classmethod
    def memory(cls) -> Database:
        """A private in-memory SQLite database (shared by this process's threads)."""
        name = f"file:labledger-{uuid.uuid4().hex}?mode=memory&cache=shared"
        return cls(SQLiteDatastore(name), "sqlite")

    def sql(self, statement: str) -> str:
        statement = statement.replace("{t}", self.prefix)
        if self.dialect == "postgres":
            statement = statement.replace("%", "%%").replace("?", "%s")
        return statement

    @contextmanager
    def sharing(self) -> Iterator[None]:
        """Until it ends, the read transactions of this thread are one: the
        first opens it, the others join it (an HTTP read: token, positions
        and view rows on one connection, in one snapshot on SQLite)."""
        local = self._local
        if getattr(local, "stack", None) is not None:
            yield  # nested: the outer scope owns the transaction
            return
        local.stack, local.cursor, local.depth = ExitStack(), None, 0
        try:
            yield
        finally:
            stack = local.stack
            local.stack = local.cursor = None
            stack.close()

    def renew(self) -> None:
        """End the shared read (when no block is inside it), so the next read
        sees what was committed since: before waiting for someone else's
        write, and before a write of our own."""
        local = self._local
        if getattr(local, "cursor", None) is not None and local.depth == 0:
            local.cursor = None
            local.stack.close()

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Cursor]:
        """A cursor in one transaction, committed when `write` and no error.

        On SQLite a write transaction begins IMMEDIATE: a deferred one that
        reads and then writes fails at once if another process committed
        meanwhile. Inside `sharing`, a read joins the thread's shared read
        transaction, and a write ends it first.
        """
        local = self._local
        if getattr(local, "stack", None) is None:
            with self._transaction(write) as cur:
                yield cur
            return
        if write:
            self.renew()
            with self._transaction(True) as cur:
                yield cur
            return
        if local.cursor is None:
            local.cursor = local.stack.enter_context(self._transaction(False))
        local.depth += 1
        try:
            yield local.cursor
        except BaseException:
            local.depth -= 1
            self.renew()  # PostgreSQL refuses every statement after an error in it
            raise
        local.depth -= 1

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Cursor]:
        if self.dialect == "sqlite":
            with self.datastore.get_connection(commit=write) as conn:
                raw = conn.cursor()
                raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield Cursor(raw, self, reading=not write)
                except BaseException:
                    conn.rollback()
                    raise
                if write:
                    conn.commit()
                else:
                    conn.rollback()
        elif write:
            with self.datastore.transaction(commit=True) as raw:
                yield Cursor(raw, self, reading=False)
        else:
            # A read on PostgreSQL: the pool's connections are in autocommit,
            # and under READ COMMITTED each statement sees its own snapshot
            # inside a transaction as outside one, so a BEGIN and a ROLLBACK
            # would be two round trips that change nothing a read sees. For
            # the same reason a statement whose connection broke (the server
            # restarted, a backend was killed) is asked again on a fresh one.
            with ExitStack() as stack:

                def connect() -> Any:
                    conn = stack.enter_context(self.datastore.get_connection())
                    conn.prepare_threshold = PREPARE_THRESHOLD  # a save's pipeline sets None
                    return conn.cursor()

                def reconnect() -> Any:
                    self.recover()
                    return connect()

                yield Cursor(connect(), self, reading=True, reconnect=reconnect)

    def recover(self) -> None:
        """After a broken connection: the pool drops every idle connection
        that broke with it (PostgreSQL; one round trip each), so the next
        requests get live ones."""
        pool = getattr(self.datastore, "pool", None)
        if self.dialect == "postgres" and pool is not None:
            pool.check()

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        with self.transaction(write=True) as cur:
            cur.execute(statement, params)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.transaction() as cur:
            return cur.all(statement, params)

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.fetchall(statement, params)
        return rows[0] if rows else None

    def ping(self) -> None:
        self.fetchall("SELECT 1 AS ok")


class Cursor:
    """Rows as dicts; SQL adapted to the dialect.

    Text that PostgreSQL refuses (NUL) is written and looked up as U+FFFD on
    both stores, so a search finds what was written (JSON documents keep the
    exact value: `json.dumps` escapes NUL). `cache` lives and dies with the
    transaction: what was read or written in it can never go stale.
    """

    def __init__(
        self,
        raw: Any,
        db: Database,
        *,
        reading: bool = False,
        reconnect: Callable[[], Any] | None = None,
    ) -> None:
        self._raw = raw
        self._reconnect = reconnect  # a fresh raw cursor, for a statement that may be asked again
        self._db = db
        self.dialect = db.dialect
        self.cache: dict[Any, Any] = {}
        self.reading = reading  # a read transaction: what it read stays true in it

    def remembered(self, key: Any, read: Callable[[], Any]) -> Any:
        """`read()`, once per read transaction (an HTTP read asks for the log
        head and a view's position both to check freshness and to tag itself)."""
        if not self.reading:
            return read()
        if key not in self.cache:
            self.cache[key] = read()
        return self.cache[key]

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        sql, values = self._db.sql(statement), storable_row(params)
        try:
            self._raw.execute(sql, values)
        except Exception:
            if self._reconnect is None or not getattr(self._raw.connection, "broken", False):
                raise
            self._raw = self._reconnect()
            self._raw.execute(sql, values)

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._raw.executemany(self._db.sql(statement), [storable_row(r) for r in rows])

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

    @property
    def rowcount(self) -> int:
        # eventsourcing's SQLiteCursor wraps the sqlite3 cursor without `rowcount`.
        inner = getattr(self._raw, "sqlite_cursor", self._raw)
        return inner.rowcount

    def has_table(self, name: str) -> bool:
        if self.dialect == "sqlite":
            row = self.one(
                "SELECT 1 AS ok FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
            )
        else:
            row = self.one(
                "SELECT 1 AS ok FROM information_schema.tables "
                "WHERE table_schema = ? AND table_name = ?",
                (self._db.schema, name),
            )
        return row is not None
