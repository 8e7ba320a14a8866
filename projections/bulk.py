"""Build several views' next generations in one pass over the log.

A follower applies a page of 500 events to one view in one transaction on
the ledger's database, each event decoded again for each view: the rebuild
of all five views ran at 0.01x a raw scan of the notifications. Here the log
is read once, in large pages, each event decoded once (fast,
`ledger.decoding`) and fed to every view being rebuilt. The views run
their own `apply`, unchanged, on a private scratch SQLite database (a
temporary file) in one transaction, with their writes deferred
(`projections.docs.defer`): the rows they never read back (roster versions,
generations, violations, counts) go to the ledger's database in large sorted
batches (COPY on PostgreSQL), written by a thread of their own while the pass
goes on, their documents to the scratch tables once a page, copied over at
the end, so memory stays flat. A long pass builds the audit in a second
process (`projections.bulk_split`, which calls `fill` in each), on the
second core. The rows are the
rows the follower writes (tests/integration/test_bulk_rebuild.py).
The tracking row of each generation is written last, and the generations are
not served until `projections.rebuild` switches to them, so a crash part-way
leaves only rows that the next rebuild drops.

An event a view cannot apply stops the bulk pass (ApplyFailed): the rebuild
drops what it wrote and goes event by event (the follower), which isolates
that event and reports the view stuck there.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.sqlite import SQLiteDatastore

from ledger.database import Cursor, Database
from ledger.decoding import FastDecoder
from ledger.log import EventLog, count_unreadable, read_page
from projections import docs
from projections.bulk_output import Output, raw
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
    head: int | None = None,
) -> int:
    """Apply the log up to `head` (default: its current head) to generation
    `gens[i]` of `followers[i]`'s view and record that position; returns it
    (0: nothing done). Raises ApplyFailed if a view fails (what was written is
    then only rows of generations nobody serves). `renew` is called after each
    page and each chunk written (the caller's leases outlive a pass of
    minutes). `projections.bulk_split.fill` runs this in two processes."""
    if not followers:
        return 0
    log, db = followers[0].log, followers[0].db
    head = log.head() if head is None else head
    if head == 0:
        return 0
    out = Output(db, {t.name: t for f in followers for t in f.projection.tables}, renew, COPY)
    try:
        with scratch(followers) as work:
            reached = _apply_log(work, log, followers, gens, head, out, _both(progress, renew))
            for follower, gen in zip(followers, gens, strict=True):
                _copy(work, out, follower, gen)
        out.close()  # every row handed over is written: only then the tracking rows
    finally:
        out.stop()
    with db.transaction(write=True) as cur:
        for follower, gen in zip(followers, gens, strict=True):
            advance(cur, tracking_key(follower.projection.name, gen), 1, reached)
    return reached


@contextmanager
def scratch(followers: Sequence[Follower]) -> Iterator[Database]:
    """A private SQLite database in a temporary file, with the views' tables."""
    with tempfile.TemporaryDirectory(prefix="labledger-rebuild-") as folder:
        work = Database(SQLiteDatastore(str(Path(folder) / "scratch.sqlite3")), "sqlite")
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
    out: Output,
    progress: Progress,
) -> int:
    """One scratch transaction for the whole pass. The rows the views never
    read back while applying wait in its cache (`docs.defer`) and go to the
    ledger's database in chunks; the documents go to the scratch tables once
    a page (`docs.flush`), so memory stays flat."""
    position = 0
    with work.transaction(write=True) as cur:
        # The documents' keys are random (hashes, ids): SQLite's default 2 MB
        # page cache sends most lookups and upserts to the file by 100k events.
        cur.execute("PRAGMA cache_size = -65536")  # KiB: bounded, so still flat
        docs.defer(cur)
        for page in pages(log, head):
            _apply_page(cur, page, followers, gens)
            docs.flush(cur)
            out.add(docs.take(cur))
            for follower in followers:
                count_unreadable(follower.name, page)
            position = page[-1]["position"]
            progress(position, head)
        out.add(docs.take(cur, counts=True))
    out.drain()
    return position


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
    # On PostgreSQL, statistics that know how long the log is, so that each
    # page is an index scan stopping at its limit (`refresh_statistics`).
    getattr(recorder, "refresh_statistics", lambda: None)()
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


def _copy(work: Database, out: Output, follower: Follower, gen: int) -> None:
    """The rows the view left in the scratch tables, into the ledger's database."""
    for table in follower.projection.tables:
        columns = tuple(c.name for c in table.columns)
        with work.transaction() as source:
            source.execute(
                f"SELECT {', '.join(columns)} FROM {table.name} WHERE gen = ? "
                f"ORDER BY {', '.join(table.primary_key)}",
                (gen,),
            )
            for rows in iter(lambda: raw(source).fetchmany(COPY), []):
                out.write(table.name, columns, [tuple(r) for r in rows])


def _both(progress: Progress | None, renew: Callable[[], None]) -> Progress:
    def report(position: int, head: int) -> None:
        renew()
        if progress is not None:
            progress(position, head)

    return report
