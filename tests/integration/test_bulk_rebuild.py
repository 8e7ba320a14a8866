"""The bulk rebuild (one pass over the log for every view) writes exactly
the rows the followers write event by event, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from ledger.decoding import FastDecoder
from ledger.faults import Stuck
from ledger.leaf import leaf_bytes
from ledger.leases import Lease
from ledger.log import iter_entries
from projections import bulk, bulk_split
from projections.follower import Follower
from projections.rebuild import rebuild_all
from tests.integration.bulk_support import every_event
from tests.integration.projection_support import dump, followers, grow, open_program


@pytest.mark.parametrize(
    "page, copy, split_at",
    [(bulk.PAGE, bulk.COPY, bulk_split.SPLIT_AT), (7, 5, bulk_split.SPLIT_AT), (7, 5, 0)],
    ids=["one-process", "small-pages", "audit-in-a-second-process"],
)
def test_a_bulk_rebuild_writes_every_row_the_followers_wrote(
    store_system, monkeypatch, page, copy, split_at
):
    """Also in pages of 7 events and chunks of 5 rows: documents flushed and
    read back from the scratch tables, rows written while the pass goes on;
    and with the audit built by a second process."""
    monkeypatch.setattr(bulk, "PAGE", page)
    monkeypatch.setattr(bulk, "COPY", copy)
    monkeypatch.setattr(bulk_split, "SPLIT_AT", split_at)
    every_event(store_system)
    views = followers(store_system, batch=7)
    for follower in views:
        follower.catch_up()
    head = store_system.log.head()
    incremental = {f.projection.name: dump(f) for f in views}
    assert all(f.position() == head for f in views)
    assert incremental["audit"]["proj_audit_violations"]  # the unreadable event, at least

    per_event: list[int] = []
    apply = Follower._apply
    monkeypatch.setattr(Follower, "_apply", lambda self, *a: per_event.append(1) or apply(self, *a))
    assert rebuild_all(views, grace=0) == [2] * len(views)
    assert per_event == []  # all of it in the bulk pass

    assert {f.projection.name: dump(f) for f in views} == incremental
    assert all(f.status() == (2, head) for f in views)


def _exact_types(value: object) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _exact_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_exact_types(v) for v in value)
    return type(value) in (str, int, float, bool, type(None))


def test_the_fast_decoder_gives_the_envelope_the_log_gives(store_system):
    every_event(store_system)
    log = store_system.log
    decode = FastDecoder(log.decode)  # the log reads through it too: compare with the mapper's
    stored = [e.stored for e in iter_entries(log)]
    fast, mapped = [decode(n) for n in stored], [log.decode(n) for n in stored]
    assert fast == mapped
    assert [e.envelope for e in iter_entries(log)] == mapped
    assert [leaf_bytes(e) for e in fast] == [leaf_bytes(e) for e in mapped]
    assert all(_exact_types(e) for e in fast)  # no Instant left: a str, as the mapper's
    assert {e["type"] for e in mapped} >= {"ledger.unreadable", "program.closed"}


def test_events_written_during_the_bulk_pass_are_applied_before_the_switch(store_system):
    open_program(store_system)
    grow(store_system, 3)
    views = followers(store_system)
    writes = [lambda: grow(store_system, 2, start=3)]

    def progress(position: int, head: int) -> None:
        while writes:  # once, while the bulk pass runs: past the head it read to
            writes.pop()()

    rebuild_all(views, progress=progress, grace=0)
    assert not writes
    with_writes = [dump(f) for f in views]
    rebuild_all(views, grace=0)  # the whole log in the bulk pass
    assert all(f.status() == (3, store_system.log.head()) for f in views)
    assert [dump(f) for f in views] == with_writes


@pytest.mark.parametrize("split_at", [bulk_split.SPLIT_AT, 0], ids=["one", "two-processes"])
def test_a_view_that_cannot_apply_an_event_is_reported_stuck_there(
    store_system, monkeypatch, split_at
):
    """With two processes, the one building the audit is stopped as well."""
    monkeypatch.setattr(bulk_split, "SPLIT_AT", split_at)
    every_event(store_system)
    views = followers(store_system)
    roster = views[0]
    closed = [
        e.position for e in iter_entries(store_system.log) if e.envelope["type"] == "program.closed"
    ][0]
    apply = roster.projection.apply

    def failing(cur, gen, env):
        if env["type"] == "program.closed":
            raise ValueError("cannot")
        apply(cur, gen, env)

    monkeypatch.setattr(roster.projection, "apply", failing)
    monkeypatch.setattr(bulk, "PAGE", 5)  # rows are written before the failure: dropped
    monkeypatch.setattr(bulk, "COPY", 3)
    with pytest.raises(Stuck) as stuck:
        rebuild_all(views, grace=0)
    assert stuck.value.position == closed
    assert roster.status()[0] == 1  # still the old generation


def test_a_rebuild_refused_for_one_view_leaves_the_others_free(store_system):
    views = followers(store_system)
    held = Lease(store_system.db, f"{views[2].name}:rebuild", ttl=30)
    assert held.acquire()
    with pytest.raises(RuntimeError, match="another rebuild of audit"):
        rebuild_all(views, grace=0)
    held.release()
    assert rebuild_all(views[:2], grace=0) == [2, 2]


def test_a_rebuild_refused_after_one_was_killed_says_its_lease_holds_for_the_ttl(store_system):
    """A rebuild killed with kill -9 never released its lease: the next one is
    refused until the lease runs out, and the refusal says so."""
    views = followers(store_system)
    roster = views[0]
    killed = Lease(store_system.db, f"{roster.name}:rebuild", ttl=roster.lease.ttl)
    assert killed.acquire()  # and never released
    ttl = f"{roster.lease.ttl:g}"
    with pytest.raises(RuntimeError) as refused:
        rebuild_all([roster], grace=0)
    assert str(refused.value) == (
        "another rebuild of roster holds its lease: one still running, or one that "
        f"stopped within the last {ttl} s (the lease's ttl) without releasing it; "
        f"try again after {ttl} s"
    )
