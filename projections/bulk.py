"""Build several views' next generations in one pass over the log.

A follower applies a page of 500 events to one view in one transaction on
the ledger's database, each event decoded again for each view: the rebuild
of all five views ran at 0.01x a raw scan of the notifications. Here the log
is read once, in large pages, each event decoded once (fast,
`projections.decoding`) and fed to every view being rebuilt. The views run
their own `apply`, unchanged, against a private in-memory SQLite database,
so the rows are the rows the follower would write; those rows are then
copied into the ledger's database in large `executemany` batches, the
tracking row of each generation last. The new generations are not served
until `projections.rebuild` switches to them, so a crash part-way leaves
only rows that the next rebuild drops.

An event a view cannot apply stops the bulk pass before anything was
copied: the rebuild then goes event by event (the follower), which isolates
that event and reports the view stuck there.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ledger.database import Cursor, Database, storable_text
from ledger.log import EventLog, count_unreadable, read_page
from ledger.tables import Table
from projections import docs
from projections.decoding import FastDecoder
from projections.follower import Follower
from projections.tracking import advance, tracking_key

PAGE = 5000  # events read and applied per scratch transaction
COPY = 20_000  # rows per transaction when copying into the ledger's database

Progress = Callable[[int, int], None]


class ApplyFailed(Exception):
    """A view could not apply an event in the bulk pass (the follower will)."""


def fill(
    followers: Sequence[Follower],
    gens: Sequence[int],
    progress: Progress | None = None,
    renew: Callable[[], None] = lambda: None,
) -> int:
    """Apply the log up to its current head to generation `gens[i]` of
    `followers[i]`'s view and record that position; returns it (0: nothing
    done). Raises ApplyFailed before writing anything if a view fails.
    `renew` is called after each page and each chunk written (the caller's
    leases outlive a pass of minutes)."""
    if not followers:
        return 0
    log, db = followers[0].log, followers[0].db
    head = log.head()
    if head == 0:
        return 0
    with scratch(followers) as work:
        reached, rows = _apply_log(work, log, followers, gens, head, _both(progress, renew))
        tables = {t.name: t for f in followers for t in f.projection.tables}
        for (table, columns), values in rows.items():
            _write(db, table, columns, iter(_in_key_order(tables[table], columns, values)), renew)
        for follower, gen in zip(followers, gens, strict=True):
            _copy(work, db, follower, gen, renew)
    with db.transaction(write=True) as cur:
        for follower, gen in zip(followers, gens, strict=True):
            advance(cur, tracking_key(follower.projection.name, gen), 1, reached)
    return reached


@contextmanager
def scratch(followers: Sequence[Follower]) -> Iterator[Database]:
    """A private in-memory SQLite database with the views' tables."""
    work = Database.memory()
    try:
        with work.transaction(write=True) as cur:
            for follower in followers:
                for table in follower.projection.tables:
                    for statement in table.create("sqlite"):
                        cur.execute(statement)
        yield work
    finally:
        work.datastore.close()


def _apply_log(
    work: Database,
    log: EventLog,
    followers: Sequence[Follower],
    gens: Sequence[int],
    head: int,
    progress: Progress,
) -> tuple[int, docs.Rows]:
    """One scratch transaction for the whole pass: what the views write and
    never read back while applying stays in its cache (`docs.defer`) and is
    handed back, to be written in bulk; the rest is in the scratch tables."""
    position = 0
    with work.transaction(write=True) as cur:
        docs.defer(cur)
        for page in pages(log, head):
            _apply_page(cur, page, followers, gens)
            for follower in followers:
                count_unreadable(follower.name, page)
            position = page[-1]["position"]
            progress(position, head)
        return position, docs.deferred(cur)


def _apply_page(
    cur: Cursor, page: list[dict[str, Any]], followers: Sequence[Follower], gens: Sequence[int]
) -> None:
    views = [(f.projection.apply, gen) for f, gen in zip(followers, gens, strict=True)]
    try:
        for env in page:
            for apply, gen in views:
                apply(cur, gen, env)
    except Exception as error:
        raise ApplyFailed(str(error)) from error


def pages(log: EventLog, head: int, size: int | None = None) -> Iterator[list[dict[str, Any]]]:
    """The envelopes up to `head`, in pages (of PAGE), each event decoded once."""
    size = size or PAGE
    recorder = getattr(log, "recorder", None)
    decode = FastDecoder(log.decode) if recorder is not None else None  # type: ignore[attr-defined]
    after = 0
    while after < head:
        if decode is not None:
            stored = recorder.select_notifications(after + 1, size, stop=head)  # type: ignore[union-attr]
            page = [decode(n) for n in stored]
        else:
            page = [e for e in read_page(log, after, size) if e["position"] <= head]
        if not page:
            return
        yield page
        after = page[-1]["position"]


def _copy(
    work: Database, db: Database, follower: Follower, gen: int, renew: Callable[[], None]
) -> None:
    """The rows the view left in the scratch tables, into the ledger's database."""
    for table in follower.projection.tables:
        columns = tuple(c.name for c in table.columns)
        with work.transaction() as source:
            source.execute(f"SELECT {', '.join(columns)} FROM {table.name} WHERE gen = ?", (gen,))
            chunks = iter(lambda: _raw(source).fetchmany(COPY), [])
            _write(db, table.name, columns, chunks, renew)


def _write(
    db: Database,
    table: str,
    columns: tuple[str, ...],
    rows: Iterator[Any],
    renew: Callable[[], None],
) -> None:
    """Rows (in chunks) into `table` of the ledger's database, a transaction
    per chunk so that live writers are not held up for the whole copy."""
    names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {{t}}{table} ({names}) VALUES ({marks})"
    for chunk in _chunks(rows):
        with db.transaction(write=True) as cur:
            if cur.dialect == "postgres":
                _copy_in(cur, db.sql(f"COPY {{t}}{table} ({names}) FROM STDIN"), chunk)
            else:
                cur.executemany(insert, chunk)
        renew()


def _copy_in(cur: Cursor, statement: str, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL's COPY: several times executemany's rows per second. Text
    is stored as `Cursor.execute` stores it (`storable_text`)."""
    with _raw(cur).copy(statement) as copy:
        for row in rows:
            copy.write_row([storable_text(v) if isinstance(v, str) else v for v in row])


def _chunks(rows: Iterator[Any]) -> Iterator[list[tuple[Any, ...]]]:
    """Lists of at most COPY rows; `rows` yields rows or lists of them."""
    buffer: list[tuple[Any, ...]] = []
    for item in rows:
        buffer.extend(item if isinstance(item, list) else [item])
        while len(buffer) >= COPY:
            yield [tuple(r) for r in buffer[:COPY]]
            del buffer[:COPY]
    if buffer:
        yield [tuple(r) for r in buffer]


def _in_key_order(
    table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """Rows sorted by the table's primary key: appended to its index in
    order, not scattered across it (a third of the time on SQLite)."""
    key = operator.itemgetter(*(columns.index(c) for c in table.primary_key))
    return sorted(rows, key=key)


def _both(progress: Progress | None, renew: Callable[[], None]) -> Progress:
    def report(position: int, head: int) -> None:
        renew()
        if progress is not None:
            progress(position, head)

    return report


def _raw(cur: Cursor) -> Any:
    """The driver's own cursor under `cur` (sqlite3's, psycopg's), to stream
    rows as tuples and to COPY."""
    raw = cur._raw
    return getattr(raw, "sqlite_cursor", raw)
