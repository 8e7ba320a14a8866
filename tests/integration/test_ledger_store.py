"""The write side on both stores: commands, positions, idempotency records,
optimistic concurrency under threads."""

from __future__ import annotations

import threading
from datetime import date
from uuid import UUID

import pytest

from ledger import commands as c
from ledger import errors
from ledger.actors import Actor, Role
from ledger.idempotency import DuplicateRequest, IdempotencyKey

STAFF = Actor("staff-1", Role.STAFF)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def open_program(system, capacity: int = 21) -> str:
    system.bus.handle(c.OpenProgram("seoul", "Seoul", "Seoul", *MARCH, capacity), STAFF)
    tool = c.RegisterTool("seoul", "video", "Motion", "Lab", "2.1", ("t2v",), ("no faces",))
    system.bus.handle(tool, STAFF)
    return "seoul"


def submit(system, slug: str, n: int = 0) -> UUID:
    command = c.SubmitApplication(
        slug, f"Artist {n}", f"a{n}@example.org", "https://example.org", "statement"
    )
    return system.bus.handle(command, STAFF).result.id


def test_positions_increase_and_name_the_last_event(store_system):
    first = store_system.bus.handle(c.OpenProgram("s", "S", "Seoul", *MARCH, 2), STAFF)
    pid = submit(store_system, "s")
    admitted = store_system.bus.handle(c.AdmitApplicant(pid), STAFF)
    assert admitted.position > first.position
    assert admitted.position == store_system.log.head()
    assert admitted.types == ("program.seat_allocated", "application.admitted")


def test_second_program_with_same_slug_is_refused(store_system):
    open_program(store_system)
    with pytest.raises(errors.SlugTaken):
        store_system.bus.handle(c.OpenProgram("seoul", "X", "Busan", *MARCH, 2), STAFF)


def test_idempotency_record_is_written_with_the_events(store_system):
    slug = open_program(store_system)
    key = IdempotencyKey("staff-1", "key-1", "hash-1", 201)
    command = c.SubmitApplication(slug, "Kim", "k@example.org", "https://k", "s")
    written = store_system.bus.handle(
        command, STAFF, key, respond=lambda r: {"id": str(r.id), "status": "applied"}
    )
    stored = store_system.bus.idempotency.lookup("staff-1", "key-1")
    assert stored is not None
    assert (stored.body, stored.position, stored.status) == (written.body, written.position, 201)
    before = store_system.log.head()
    with pytest.raises(DuplicateRequest) as raised:
        store_system.bus.handle(command, STAFF, key, respond=lambda r: {"other": 1})
    assert raised.value.stored.body == written.body
    with pytest.raises(errors.IdempotencyKeyReused):
        other = IdempotencyKey("staff-1", "key-1", "hash-2", 201)
        store_system.bus.handle(command, STAFF, other, respond=lambda r: {})
    assert store_system.log.head() == before


def test_capacity_holds_under_concurrent_admissions(store_system):
    slug = open_program(store_system, capacity=5)
    applications = [submit(store_system, slug, n) for n in range(12)]
    outcomes: list[str] = []
    lock = threading.Lock()

    def admit(application_id: UUID) -> None:
        try:
            store_system.bus.handle(c.AdmitApplicant(application_id), STAFF)
            result = "admitted"
        except errors.Conflict as error:
            result = type(error).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=admit, args=(a,)) for a in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("admitted") == 5
    assert store_system.store.ledger.get_program(slug).seats_used == 5
    assert set(outcomes) - {"admitted"} <= {"ProgramFull", "ConcurrencyConflict"}


def test_database_speaks_both_dialects(store_system):
    db = store_system.db
    db.execute("CREATE TABLE IF NOT EXISTS {t}t_probe (k TEXT PRIMARY KEY, v INTEGER)")
    with db.transaction(write=True) as cur:
        cur.executemany("INSERT INTO {t}t_probe (k, v) VALUES (?, ?)", [("a", 1), ("b", 2)])
        cur.execute("UPDATE {t}t_probe SET v = v + 10 WHERE v >= ?", (1,))
        assert cur.rowcount == 2
    assert db.fetchall("SELECT k, v FROM {t}t_probe ORDER BY k") == [
        {"k": "a", "v": 11},
        {"k": "b", "v": 12},
    ]
    with pytest.raises(RuntimeError), db.transaction(write=True) as cur:
        cur.execute("DELETE FROM {t}t_probe")
        raise RuntimeError("roll back")
    assert db.fetchone("SELECT COUNT(*) AS n FROM {t}t_probe") == {"n": 2}


def test_a_lease_has_one_live_holder_at_a_time(store_system):
    import time

    from ledger.leases import Lease

    first = Lease(store_system.db, "follower:x", ttl=0.3)
    second = Lease(store_system.db, "follower:x", ttl=0.3)
    assert first.acquire() and not second.acquire()
    assert second.held_elsewhere() and not first.held_elsewhere()
    assert first.acquire()  # the holder renews
    time.sleep(0.35)
    assert not second.held_elsewhere()
    assert second.acquire() and not first.acquire()
    second.release()
    assert first.acquire()


def test_holding_a_lease_renews_it_only_after_a_third_of_its_ttl(store_system):
    import time

    from ledger.leases import Lease

    lease = Lease(store_system.db, "follower:y", ttl=0.6)
    writes = []
    original = lease.acquire
    lease.acquire = lambda: writes.append(1) or original()  # type: ignore[method-assign]
    assert all(lease.hold() for _ in range(20))
    assert len(writes) == 1
    time.sleep(0.25)
    assert lease.hold() and len(writes) == 2
    lease.release()
    assert lease.hold() and len(writes) == 3


def test_a_command_sees_what_another_process_saved_since_it_cached_the_aggregate(
    store_system, store_settings
):
    """Each process keeps aggregates decoded (`ledger.application.CachedRepository`):
    one that another process changed since is brought up to date on its next
    command, so capacity holds across processes."""
    from api.bootstrap import bootstrap

    slug = open_program(store_system, capacity=1)
    first, second = submit(store_system, slug, 1), submit(store_system, slug, 2)
    other = bootstrap(store_settings)  # another process on the same store
    try:
        other.store.ledger.get_program(slug)  # cached there, with its seat free
        store_system.bus.handle(c.AdmitApplicant(first), STAFF)
        with pytest.raises(errors.ProgramFull):
            other.bus.handle(c.AdmitApplicant(second), STAFF)
        assert other.store.ledger.get_program(slug).seats_used == 1
    finally:
        other.close()


def test_a_save_on_postgresql_sends_no_notify(pg_url, tmp_path, monkeypatch):
    """Nothing LISTENs (readers page through the log): a save is one
    statement shorter, and a subscription is refused rather than left deaf."""
    import psycopg

    from tests.helpers import make_settings, open_system

    system = open_system(make_settings(pg_url, tmp_path))
    sent: list[str] = []

    def spy(method):
        def spied(self, query, *args, **kwargs):
            sent.append(query if isinstance(query, str) else query.as_string(self))
            return method(self, query, *args, **kwargs)

        return spied

    try:
        for name in ("execute", "executemany"):
            monkeypatch.setattr(psycopg.Cursor, name, spy(getattr(psycopg.Cursor, name)))
        open_program(system)
        assert any("INSERT INTO" in s.upper() for s in sent)
        assert not [s for s in sent if "NOTIFY" in s.upper()]
        with pytest.raises(NotImplementedError):
            system.store.ledger.recorder.subscribe()
    finally:
        system.close()
