"""A lock its waiters get in the order they asked for it.

`threading.Lock` promises no order: when it is let go, whichever thread the
scheduler runs first takes it, often the one that just let it go. For the
writers of a process queued at the write gate (`ledger.write_gate`) that
means a write may be passed over again and again while later ones land, and
its latency, not the throughput, is what suffers. Here each waiter waits on
a lock of its own, and `release` hands the lock to the oldest one directly.
"""

from __future__ import annotations

import threading
from collections import deque


class FifoLock:
    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Lock] = deque()

    def acquire(self, timeout: float = -1) -> bool:
        """True once this thread holds it; False after `timeout` seconds
        (negative: no limit)."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # handed over by `release`
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:  # handed over just as the wait ran out: ours
                return True
        return False

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("release of an unheld FifoLock")
            if self._waiters:
                self._waiters.popleft().release()  # held still: now the waiter's
            else:
                self._held = False

    def locked(self) -> bool:
        return self._held
