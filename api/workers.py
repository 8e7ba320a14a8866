"""The background process beside gunicorn: projection followers, the
transparency tree builder and the webhook dispatcher, each in a thread.

`labledger serve` starts it; `python -m api.workers --help` runs it alone.
A worker that crashes is logged and restarted after a pause, so one bad
loop never takes the others down.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from ledger.bootstrap import Worker, open_ledger
from ledger.settings import Settings

log = logging.getLogger("labledger.workers")
RESTART_PAUSE = 2.0


def collect_workers(
    ledger: object, settings: Settings, *, followers: bool, dispatcher: bool
) -> list[Worker]:
    import projections
    import transparency
    import webhooks

    packages = ([projections, transparency] if followers else []) + (
        [webhooks] if dispatcher else []
    )
    return [w for package in packages for w in package.workers(ledger, settings)]


def _supervise(worker: Worker, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            worker.run(stop)
        except Exception:
            log.exception("worker %s crashed; restarting in %.0f s", worker.name, RESTART_PAUSE)
            stop.wait(RESTART_PAUSE)


def run_workers(workers: list[Worker], stop: threading.Event) -> None:
    threads = [
        threading.Thread(target=_supervise, args=(w, stop), name=w.name, daemon=True)
        for w in workers
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=10)


def stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@click.command()
@click.option("--followers/--no-followers", default=True, help="projections and the tree builder")
@click.option("--dispatcher/--no-dispatcher", default=True, help="the webhook dispatcher")
def main(followers: bool, dispatcher: bool) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    ledger = open_ledger(settings)
    stop = threading.Event()
    stop_on_signals(stop)
    workers = collect_workers(ledger, settings, followers=followers, dispatcher=dispatcher)
    log.info("running workers: %s", ", ".join(w.name for w in workers) or "none")
    run_workers(workers, stop)


if __name__ == "__main__":
    main()
