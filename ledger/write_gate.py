"""One writer at a time on a SQLite file, queued in memory and across
processes, so a write waits for the one before it, not for SQLite's sleeps.

SQLite lets one connection write at a time. The others wait in its busy
handler, which sleeps 1, 2, 5, 10 ... 100 ms between tries, so under
contention a write lands long after the lock came free; and inside a process
eventsourcing's pool queues writers while holding the queue every connection,
a read's too, is handed out through, so reads wait behind queued writes.

The gate orders writers before any of that: a thread takes its process's
lock (`ledger.fifo_lock`: in the order the writers came), then the process
takes an advisory lock on a file beside the database (`<database>-writer`,
mode 0600: `fcntl.flock`, which is independent of the POSIX locks SQLite
itself takes on the database, and released by the kernel if the process
dies). Every process of the service (gunicorn's workers, the
background worker, the CLI) writes through it, so SQLite's own lock is free
by the time a write asks for it, and its busy handler only ever meets a
writer that is not ours. A read never waits at the gate.

The wait is bounded by the store's lock timeout (`SQLITE_LOCK_TIMEOUT`), as
SQLite's own was: past it the write fails as SQLite's would, with
`database is locked` (a 503 with Retry-After over HTTP). The file lock is
waited for in `flock` itself, which the kernel ends the moment the lock is
free; a thread of the gate's does that wait, so the writer can stop waiting
at its deadline (tried instead every so often, a write was a third slower).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from ledger.fifo_lock import FifoLock


class WriteGate:
    """The writers' queue of one SQLite database file."""

    def __init__(self, path: str | None, timeout: float) -> None:
        self.path = f"{path}-writer" if path else None  # None: this process only
        self.timeout = timeout
        self._fd: int | None = None
        self._reset()
        _GATES.add(self)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Until it ends, this thread is the only writer among the processes
        that use the gate; raises `sqlite3.OperationalError` after the timeout."""
        deadline = time.monotonic() + self.timeout
        lock = self._lock
        if not lock.acquire(timeout=self.timeout):
            raise _locked()
        try:
            fd = self._file()
            if fd is not None:
                self._flock(fd, deadline)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            lock.release()

    def close(self) -> None:
        """With its store: the file closed (by the waiter, if it is waiting
        in `flock` on it), the waiter thread ended; later writes queue in
        this process only."""
        acquired = self._lock.acquire(timeout=self.timeout)  # no writer inside
        try:
            with self._state:
                self.path, self._closed = None, True
                if not self._pending and self._fd is not None:
                    os.close(self._fd)
                    self._fd = None
                self._asked.set()  # an idle waiter wakes and ends
        finally:
            if acquired:
                self._lock.release()

    def _reset(self) -> None:
        """Fresh locks and no file; in a forked child (`os.register_at_fork`,
        while it has one thread), which shares its parent's open file (and so
        its lock) and may have copied a lock another thread held, it also
        closes its copy of the file (the parent's lock stays)."""
        if self._fd is not None:
            os.close(self._fd)
        self._lock = FifoLock()  # writers in the order they came
        self._fd = None
        self._state = threading.Lock()  # guards the five below
        self._pending = False  # the waiter is asked for the file lock, or waits in flock
        self._asked = threading.Event()  # the waiter is to take the file lock
        self._taken = threading.Event()  # the waiter took it for the writer
        self._abandoned = False  # the writer gave up: the waiter lets go at once
        self._closed = False  # the store closed: the waiter ends
        self._waiter: threading.Thread | None = None

    def _file(self) -> int | None:
        if self._closed:  # the file may still be the waiter's, to close
            return None
        if self._fd is None and self.path is not None:
            try:
                flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
                self._fd = os.open(self.path, flags, 0o600)
            except OSError:  # a directory we cannot write: this process only
                self.path = None
        return self._fd

    def _flock(self, fd: int, deadline: float) -> None:
        """The file lock, for the thread that holds the process's lock. Free:
        at once. Taken: the gate's waiter thread blocks in `flock` (woken by
        the kernel the moment it is released) while this thread waits for it
        until the deadline. A wait given up is taken over by the next writer
        (never a second `flock` of the same file while one waits), or, if
        none comes, let go by the waiter as soon as it gets the lock."""
        with self._state:
            if not self._pending:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    pass
                self._pending = True
                if self._waiter is None:
                    self._waiter = threading.Thread(
                        target=self._wait, args=(fd,), name="write-gate", daemon=True
                    )
                    self._waiter.start()
                self._asked.set()
            self._abandoned = False
        self._taken.wait(max(deadline - time.monotonic(), 0))
        with self._state:
            if self._taken.is_set():
                self._taken.clear()
                return
            self._abandoned = True
        raise _locked()

    def _wait(self, fd: int) -> None:
        while True:
            self._asked.wait()
            with self._state:
                self._asked.clear()
                if self._closed and not self._pending:
                    return
            fcntl.flock(fd, fcntl.LOCK_EX)
            with self._state:
                self._pending = False
                if self._closed:  # the file was left to us to close
                    os.close(fd)  # which lets the lock go
                    self._fd = None
                    return
                if self._abandoned:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                else:
                    self._taken.set()


_GATES: weakref.WeakSet[WriteGate] = weakref.WeakSet()


def _reset_in_child() -> None:
    for gate in list(_GATES):
        gate._reset()


os.register_at_fork(after_in_child=_reset_in_child)


def _locked() -> sqlite3.OperationalError:
    return sqlite3.OperationalError("database is locked (waited for the writer before)")


def install(datastore: Any) -> WriteGate | None:
    """Put every write transaction of eventsourcing's SQLite `datastore`
    (its saves and our `Database`'s writes: both ask it for a writer
    connection) behind a gate. None for an in-memory database, whose pool
    already keeps writers and readers apart."""
    pool = datastore.pool
    if pool.is_sqlite_memory_mode:
        return None
    gate: WriteGate | None = getattr(datastore, "write_gate", None)
    if gate is None:  # once a datastore: a second gate would wait for the first
        name: str = pool.db_name
        path = None if name.startswith("file:") else os.path.abspath(name)
        gate = WriteGate(path, float(pool.lock_timeout or 5))
        datastore.get_connection = _gated(datastore.get_connection, gate)
        datastore.close = _closing(datastore.close, gate)
        datastore.write_gate = gate
    return gate


def _closing(close: Callable[[], None], gate: WriteGate) -> Callable[[], None]:
    def closing() -> None:
        try:
            close()
        finally:
            gate.close()

    return closing


def _gated(
    get_connection: Callable[..., AbstractContextManager[Any]], gate: WriteGate
) -> Callable[..., AbstractContextManager[Any]]:
    @contextmanager
    def gated(*, commit: bool) -> Iterator[Any]:
        if not commit:
            with get_connection(commit=False) as conn:
                yield conn
            return
        with gate.held(), get_connection(commit=True) as conn:
            yield conn

    return gated
