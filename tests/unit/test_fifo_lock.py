"""`ledger.fifo_lock.FifoLock`: waiters get the lock in the order they asked
for it, a holder letting go and asking again queues behind them, a wait is
bounded by its timeout, and a lock handed over just as a wait ran out is
held, not lost."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from ledger import fifo_lock
from ledger.fifo_lock import FifoLock


def _queued(lock: FifoLock, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(lock._waiters) < count:
        assert time.monotonic() < deadline, "the waiter never queued"
        time.sleep(0.001)


def test_waiters_get_it_in_the_order_they_asked():
    lock = FifoLock()
    lock.acquire()
    order: list[int] = []

    def wait(n: int) -> None:
        lock.acquire()
        order.append(n)
        lock.release()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=wait, args=(n,))
        thread.start()
        _queued(lock, n + 1)
        threads.append(thread)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == list(range(8))
    assert not lock.locked()


def test_a_holder_asking_again_queues_behind_a_waiter():
    lock = FifoLock()
    lock.acquire()
    got = threading.Event()

    def wait() -> None:
        lock.acquire()
        got.set()
        lock.release()

    waiter = threading.Thread(target=wait)
    waiter.start()
    _queued(lock, 1)
    lock.release()
    lock.acquire()  # again at once: the waiter's turn came first
    assert got.is_set()
    lock.release()
    waiter.join(5)


def test_a_wait_ends_at_its_timeout_and_leaves_the_queue():
    lock = FifoLock()
    lock.acquire()
    started = time.monotonic()
    assert lock.acquire(timeout=0.1) is False
    assert 0.09 < time.monotonic() - started < 2
    assert not lock._waiters
    lock.release()
    assert not lock.locked() and lock.acquire(timeout=0)


def test_a_lock_handed_over_as_the_wait_ran_out_is_held(monkeypatch):
    lock = FifoLock()
    lock.acquire()

    class LateTurn:
        """A waiter's turn whose wait runs out in the instant the holder
        lets go and hands the lock to it."""

        def acquire(self, timeout: float = -1) -> bool:
            if timeout == -1:  # taken at once, to be waited on
                return True
            lock.release()
            return False

        def release(self) -> None:
            pass

    monkeypatch.setattr(fifo_lock, "threading", SimpleNamespace(Lock=LateTurn))
    assert lock.acquire(timeout=0.1) is True  # the hand-over stands
    assert lock.locked() and not lock._waiters
    monkeypatch.undo()
    lock.release()
    assert not lock.locked()
    with pytest.raises(RuntimeError):
        lock.release()
