"""Projections on real stores (SQLite and PostgreSQL): incremental equals
rebuilt, racing followers apply each event once, a rebuild keeps serving."""

from __future__ import annotations

import re
import threading
from collections import Counter

from click.testing import CliRunner

from ledger import commands as c
from ledger.database import Database
from projections import bulk
from projections.rebuild import rebuild
from projections.service import ReadModels
from tests.helpers import record_calls
from tests.integration.projection_support import (
    SLUG,
    STAFF,
    dump,
    followers,
    grow,
    open_program,
    rebuilt,
)


def test_a_rebuild_yields_exactly_the_incremental_view(store_system):
    open_program(store_system)
    views = followers(store_system, batch=7)
    for part in range(3):  # follow in many small batches between writes
        grow(store_system, 4, start=part * 4)
        for follower in views:
            follower.catch_up()
    head = store_system.log.head()
    assert all(f.position() == head for f in views)
    incremental = {f.projection.name: dump(f) for f in views}

    assert {f.projection.name: rebuilt(f) for f in views} == incremental
    assert all(f.status() == (2, head) for f in views)


def test_a_followers_batch_writes_each_views_rows_in_one_statement(store_system, monkeypatch):
    """The rows and counts a batch adds (the roster's versions, the
    generations, the audit's counts) go in one `executemany` a table, one
    round trip on PostgreSQL, not a statement an event."""
    open_program(store_system)
    grow(store_system, 6)
    seen = record_calls(monkeypatch, Database, "sql", lambda db, statement: statement)
    for follower in followers(store_system, batch=500):
        assert follower.step() == store_system.log.head()  # the whole log, one batch
    inserts = Counter(
        m.group(1) for s in seen if (m := re.match(r"INSERT INTO \{t\}(proj_\w+)", s))
    )
    for table in ("proj_roster_versions", "proj_generations", "proj_audit_counts"):
        assert inserts[table] == 1, (table, inserts)


def test_the_read_models_answer_the_same_on_every_store(store_system):
    open_program(store_system, capacity=5)
    grow(store_system, 6)  # artists 2 and 5 withdraw again
    store_system.bus.handle(
        c.SubmitApplication(SLUG, "Late", "late@example.org", "https://x.org", "s"), STAFF
    )
    models = ReadModels(store_system.log, store_system.db, poll_interval=0.01)
    for name in models.followers:
        models.refresh(name, budget=30)

    roster = models.roster(SLUG)
    assert roster["counts"] == {"applied": 1, "admitted": 4, "declined": 0, "withdrawn": 2}
    assert (roster["seats_used"], roster["seats_left"]) == (4, 1)
    items, cursor, _ = models.works(program=SLUG, limit=100)
    assert [w["title"] for w in items] == [f"Work {n}" for n in range(6)] and cursor is None
    report = models.audit_report(SLUG)
    assert report["violations"] == []
    assert report["counts"]["by_type"]["work.ownership_declared"] == 6
    assert report["counts"]["by_tool"]["video"] == {"grants": 6, "revocations": 0, "generations": 6}


def test_racing_followers_apply_each_event_exactly_once(store_system):
    """Two followers of one projection, lease bypassed, stepping concurrently
    while events arrive: the tracking row makes the loser roll back."""
    open_program(store_system)
    # The audit view counts: an event applied twice would count twice.
    racers = [followers(store_system, batch=5)[2] for _ in range(2)]
    stop = threading.Event()

    def race(follower) -> None:
        while not stop.is_set():
            follower.step()

    threads = [threading.Thread(target=race, args=(f,)) for f in racers]
    for thread in threads:
        thread.start()
    try:
        grow(store_system, 8)
    finally:
        while racers[0].position() < store_system.log.head():
            stop.wait(0.05)
        stop.set()
        for thread in threads:
            thread.join()
    incremental = dump(racers[0])
    assert rebuilt(racers[0]) == incremental


def test_a_rebuild_leaves_the_old_view_serving_until_it_has_caught_up(store_system, monkeypatch):
    open_program(store_system)
    grow(store_system, 6)
    models = ReadModels(store_system.log, store_system.db, poll_interval=0.01)
    models.refresh("roster", budget=30)
    full = models.roster(SLUG)
    seen: list[int] = []

    def progress(position: int, head: int) -> None:
        seen.append(position)
        assert models.roster(SLUG)["applications"] == full["applications"]

    follower = models.followers["roster"]
    monkeypatch.setattr(bulk, "PAGE", 10)  # progress (and the check) after each page
    rebuild(follower, progress=progress, grace=0)

    assert len(seen) > 3 and seen[0] < seen[-1] == store_system.log.head()
    assert models.roster(SLUG)["applications"] == full["applications"]
    assert follower.status()[0] == 2


def test_cli_rebuild_switches_generations(store_system, store_settings):
    from api.cli import main

    open_program(store_system)
    grow(store_system, 2)
    env = {"LEDGER_DATABASE_URL": store_settings.database_url}
    result = CliRunner().invoke(main, ["projections", "rebuild", "registry"], env=env)
    assert result.exit_code == 0, result.output
    assert "registry: generation 2 now serving at position" in result.output
    assert followers(store_system)[1].status() == (2, store_system.log.head())
    unknown = CliRunner().invoke(main, ["projections", "rebuild", "nope"], env=env)
    assert unknown.exit_code == 2


def test_a_rebuild_under_a_running_follower_and_live_writes_loses_nothing(store_system):
    """The follower keeps applying to the old generation while the rebuild
    builds the new one; after the switch it carries on with the new one."""
    open_program(store_system)
    grow(store_system, 3)
    running = followers(store_system, batch=5)[2]  # audit: double counts would show
    stop = threading.Event()
    follower_thread = threading.Thread(target=running.run, args=(stop,))
    writer = threading.Thread(target=grow, args=(store_system, 8, 3))
    follower_thread.start()
    writer.start()
    try:
        rebuilder = followers(store_system, batch=5)[2]
        assert rebuild(rebuilder, grace=0) == 2
        writer.join()
        while running.position() < store_system.log.head():
            stop.wait(0.05)
    finally:
        stop.set()
        follower_thread.join()
        writer.join()
    assert running.status() == (2, store_system.log.head())
    live = dump(running)
    assert rebuilt(running) == live
