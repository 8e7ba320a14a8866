"""SQLite writers queue at the write gate (`ledger.write_gate`): inside a
process a read never waits behind a queued write, and writers take the gate
in the order they came (`ledger.fifo_lock`); across processes a write
waits for the writer file's lock (taken by the kernel the moment it is free)
instead of sleeping in SQLite's busy handler; a forked child queues like any
other process; a write that waits past the store's lock timeout fails as
SQLite's own wait would, a 503 with Retry-After over HTTP that writes nothing.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import open_system, post, seed

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = {
    "artist_name": "Gate Artist",
    "email": "gate@example.org",
    "portfolio_url": "https://p.example.org",
    "statement": "s",
}


def _writer_file(system) -> str:
    return system.db.datastore.pool.db_name + "-writer"


@contextmanager
def _file_lock_held_elsewhere(system):
    """The writer file's lock, held as another process holds it (an open
    file of its own)."""
    fd = os.open(_writer_file(system), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file lets the lock go


def _count_tokens(system) -> int:
    return system.db.fetchone("SELECT COUNT(*) AS n FROM {t}ledger_tokens")["n"]


def test_a_read_never_waits_behind_a_queued_write(system):
    holding, queued = threading.Event(), threading.Event()

    def hold_a_write() -> None:
        with system.db.transaction(write=True):
            holding.set()
            time.sleep(1.5)

    def queue_a_write() -> None:
        queued.set()
        with system.db.transaction(write=True):
            pass

    threads = [threading.Thread(target=hold_a_write), threading.Thread(target=queue_a_write)]
    threads[0].start()
    assert holding.wait(10)
    threads[1].start()
    assert queued.wait(10)
    time.sleep(0.2)  # the second write is waiting for the first
    started = time.monotonic()
    assert system.db.fetchone("SELECT 1 AS ok") == {"ok": 1}
    waited = time.monotonic() - started
    for t in threads:
        t.join(10)
    assert waited < 0.5, f"a read waited {waited:.2f} s behind a queued write"


def test_a_write_in_another_process_waits_for_the_writer_file_then_lands(system, tmp_path):
    before = _count_tokens(system)
    code = (
        "from ledger.actors import Role\n"
        "from tests.helpers import make_settings, open_system\n"
        "from pathlib import Path\n"
        f"url, tmp = {system.settings.database_url!r}, Path({str(tmp_path)!r})\n"
        "system = open_system(make_settings(url, tmp))\n"
        "system.tokens.create(Role.STAFF, name='elsewhere')\n"
        "system.close()\n"
    )
    with _file_lock_held_elsewhere(system):
        child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
        time.sleep(3.0)  # the child's start-up and its write, were it not waiting
        assert child.poll() is None, "the other process wrote past the writer file's lock"
        assert _count_tokens(system) == before
        released = time.monotonic()
    assert child.wait(60) == 0
    assert time.monotonic() - released < 10
    assert _count_tokens(system) == before + 1


def _hold_in_child(gate, done) -> None:  # a forked child, with its parent's gate
    with gate.held():
        done.set()


def test_a_forked_child_queues_at_its_parents_gate_like_another_process(system):
    gate = system.db.datastore.write_gate
    fork = multiprocessing.get_context("fork")
    done = fork.Event()
    with gate.held():  # held by this process, and by this thread, while it forks
        child = fork.Process(target=_hold_in_child, args=(gate, done))
        child.start()
        assert not done.wait(2.0), "a forked child wrote while its parent held the gate"
    assert done.wait(30)
    child.join(30)
    assert child.exitcode == 0


def _free_elsewhere(system) -> bool:
    fd = os.open(_writer_file(system), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_a_write_waits_no_longer_than_the_lock_timeout(system):
    gate = system.db.datastore.write_gate
    gate.timeout = 0.3
    with _file_lock_held_elsewhere(system):
        started = time.monotonic()
        with pytest.raises(Exception, match="database is locked"), gate.held():
            pass
        assert 0.25 < time.monotonic() - started < 2
    started = time.monotonic()
    with gate.held():  # the wait given up has let the lock go
        assert not _free_elsewhere(system)
    assert time.monotonic() - started < 0.5
    assert _free_elsewhere(system)


def test_a_wait_given_up_is_taken_over_by_the_next_writer(system):
    gate = system.db.datastore.write_gate
    gate.timeout = 0.3
    with _file_lock_held_elsewhere(system):
        with pytest.raises(Exception, match="database is locked"), gate.held():
            pass
        gate.timeout = 30
        got = threading.Event()

        def write() -> None:
            with gate.held():
                got.set()
                time.sleep(0.5)

        writer = threading.Thread(target=write)
        writer.start()
        assert not got.wait(0.5)  # still taken elsewhere
    assert got.wait(10)  # the waiter's flock, handed to the next writer
    assert not _free_elsewhere(system)  # and held for it, not let go
    writer.join(10)
    assert _free_elsewhere(system)


def test_a_waiting_writer_is_not_passed_over_by_the_one_before_it(system):
    """Writers of a process take the gate in the order they came: the one
    that just wrote and writes again queues behind the one waiting."""
    gate = system.db.datastore.write_gate
    landed = threading.Event()

    def write() -> None:
        with gate.held():
            landed.set()

    writer = threading.Thread(target=write)
    with gate.held():
        writer.start()
        time.sleep(0.2)  # it waits at the gate
    passed_over = 0
    for _ in range(20):
        with gate.held():
            if landed.is_set():
                break
            passed_over += 1
    writer.join(5)
    assert landed.is_set() and passed_over == 0


def test_a_write_past_the_lock_timeout_is_a_503_and_writes_nothing(client, tokens, system):
    s = seed(client, tokens, declare=False)
    system.db.datastore.write_gate.timeout = 0.3
    head = system.log.head()
    with _file_lock_held_elsewhere(system):
        response = post(client, f"/v1/programs/{s.slug}/applications", tokens.staff, APPLICATION)
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] == "1"
    assert response.headers["Content-Type"] == "application/problem+json"
    assert system.log.head() == head
    again = post(client, f"/v1/programs/{s.slug}/applications", tokens.staff, APPLICATION)
    assert again.status_code == 201, again.get_json()


def _open_writer_files(system) -> int:
    path = _writer_file(system)
    return sum(1 for fd in Path("/proc/self/fd").iterdir() if _target(fd) == path)


def _target(fd: Path) -> str:
    try:
        return os.readlink(fd)
    except OSError:
        return ""


def test_closing_the_store_closes_the_writer_file_and_ends_the_waiter(settings):
    system = open_system(settings)
    gate = system.db.datastore.write_gate
    gate.timeout = 0.3
    with _file_lock_held_elsewhere(system):  # the waiter thread starts, then gives up
        with pytest.raises(Exception, match="database is locked"), gate.held():
            pass
    with gate.held():  # the lock it took meanwhile was let go
        pass
    waiter = gate._waiter
    assert waiter is not None and waiter.is_alive()
    assert _open_writer_files(system) == 1
    system.close()
    waiter.join(5)
    assert not waiter.is_alive()
    assert _open_writer_files(system) == 0


def test_a_write_after_close_queues_in_its_process_only_even_while_the_waiter_waits(settings):
    system = open_system(settings)
    gate = system.db.datastore.write_gate
    gate.timeout = 0.3
    with _file_lock_held_elsewhere(system):
        with pytest.raises(Exception, match="database is locked"), gate.held():
            pass  # the waiter still waits in flock for the file
        system.close()
        started = time.monotonic()
        with gate.held():  # not behind the waiter's file: this process only
            pass
        assert time.monotonic() - started < 0.2
    gate._waiter.join(5)  # the lock let go elsewhere, the waiter closes the file
    assert not gate._waiter.is_alive()
    assert _open_writer_files(system) == 0
