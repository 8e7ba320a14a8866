"""Composition helpers shared by the HTTP app, the CLI and the workers."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from types import FrameType
from typing import Protocol

from ledger.application import Ledger
from ledger.persistence import store_env
from ledger.settings import Settings

log = logging.getLogger("labledger.workers")
RESTART_PAUSE = 2.0


class Worker(Protocol):
    """A long-running loop (a projection follower, the tree builder, the
    webhook dispatcher). `run` returns soon after `stop` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


def open_ledger(settings: Settings, *, create_table: bool = False) -> Ledger:
    """One Ledger per process, built after any fork (never in a gunicorn master)."""
    return Ledger(env=store_env(settings.database_url, create_table=create_table))


def _supervise(worker: Worker, stop: threading.Event) -> None:
    # A worker that crashes is logged and restarted after a pause, so one bad
    # loop (a view, an endpoint) never takes the others down.
    while not stop.is_set():
        try:
            worker.run(stop)
        except Exception:
            log.exception("worker %s crashed; restarting in %.0f s", worker.name, RESTART_PAUSE)
            stop.wait(RESTART_PAUSE)


def run_workers(workers: Sequence[Worker], stop: threading.Event, grace: float = 10.0) -> None:
    """Run each worker in its own supervised thread until `stop` is set, then
    give them `grace` seconds to finish what they are doing."""
    threads = [
        threading.Thread(target=_supervise, args=(w, stop), name=w.name, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    log.info("running workers: %s", ", ".join(w.name for w in workers) or "none")
    while not stop.wait(0.5):
        pass
    deadline = time.monotonic() + grace
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0.1))


def run_until_signalled(workers: Sequence[Worker], grace: float = 10.0) -> None:
    """`run_workers` until SIGTERM or SIGINT (a worker process's main loop)."""
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    run_workers(workers, stop, grace)
