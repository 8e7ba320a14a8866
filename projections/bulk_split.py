"""A rebuild of several views on two cores: the audit in a second process.

Python applies events on one core, and the audit alone costs about what the
other four views cost together (its invariant checks, two documents an
event). So a bulk pass over a large log (`SPLIT_AT` events or more) hands the
audit to a process of its own: it opens the same database afresh (spawned,
not forked: none of our connections reach it), reads and decodes the log up to
the same head, and writes its generation's rows and tracking row exactly as
`bulk.fill` does here for the others. This process keeps the caller's leases
while it waits. A view that cannot apply an event there is an `ApplyFailed`
here, like one of ours; a second process that dies is a RuntimeError.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from ledger.database import Database
from projections import bulk
from projections.follower import Follower

SPLIT_AT = 50_000  # events: below, the second process's start-up (~1 s) is not worth it
ALONE = ("audit",)  # the views the second process builds


def database_url(db: Database) -> str | None:
    """The URL the second process opens `db` by (None: a private in-memory one)."""
    datastore: Any = db.datastore
    pool = datastore.pool
    if db.dialect == "sqlite":
        return None if pool.is_sqlite_memory_mode else f"sqlite:///{pool.db_name}"
    kw = pool.kwargs
    user, password = quote(kw["user"], safe=""), quote(kw["password"] or "", safe="")
    where = f"{kw['host']}:{kw['port']}/{quote(kw['dbname'], safe='')}"
    return f"postgresql://{user}:{password}@{where}?schema={quote(datastore.schema, safe='')}"


def fill(
    followers: Sequence[Follower],
    gens: Sequence[int],
    progress: bulk.Progress | None = None,
    renew: Callable[[], None] = lambda: None,
) -> int:
    """`bulk.fill`, with the `ALONE` views in a second process unless the
    pass is short, the views all on one side or the database private."""
    if not followers:
        return 0
    head = followers[0].log.head()
    theirs = [i for i, f in enumerate(followers) if f.projection.name in ALONE]
    url = database_url(followers[0].db)
    if head < SPLIT_AT or not theirs or len(theirs) == len(followers) or url is None:
        return bulk.fill(followers, gens, progress, renew, head)
    mine = [i for i in range(len(followers)) if i not in theirs]
    names = [followers[i].projection.name for i in theirs]
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    job = (url, names, [gens[i] for i in theirs], head, bulk.PAGE, bulk.COPY, send)
    other = context.Process(target=_other_half, args=job, name="rebuild-audit", daemon=True)
    other.start()
    send.close()
    outcome: tuple[str, Any] | None = None
    try:
        reached = bulk.fill(
            [followers[i] for i in mine], [gens[i] for i in mine], progress, renew, head
        )
        while not receive.poll(1.0):
            renew()
        try:
            outcome = receive.recv()
        except EOFError:  # it ended without a word
            other.join()
            raise RuntimeError(f"the rebuild's second process died ({other.exitcode})") from None
    finally:
        if outcome is None and other.is_alive():
            other.terminate()  # our half failed: its open transaction rolls back
        other.join()
        receive.close()
    kind, detail = outcome
    if kind == "failed":
        raise bulk.ApplyFailed(detail)
    if kind != "done":
        raise RuntimeError(f"the rebuild's second process failed: {detail}")
    return reached


def _other_half(
    url: str, names: list[str], gens: list[int], head: int, page: int, chunk: int, send: Any
) -> None:
    """The second process: `bulk.fill` of `names` on a store of its own."""
    from ledger.settings import Settings
    from ledger.store import open_store
    from projections.service import all_projections

    bulk.PAGE, bulk.COPY = page, chunk  # as the caller's (tests shrink them)
    store = open_store(Settings(database_url=url), checked=False)
    try:
        by_name = {p.name: p for p in all_projections()}
        followers = [Follower(store.log, store.db, by_name[name]) for name in names]
        send.send(("done", bulk.fill(followers, gens, head=head)))
    except bulk.ApplyFailed as error:
        send.send(("failed", str(error)))
    except BaseException as error:  # said to the caller, which raises it
        send.send(("error", repr(error)))
    finally:
        store.close()
