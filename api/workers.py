"""The background worker process, and the CLI groups that run workers.

`labledger serve` starts `python -m api.workers` with the projection
followers, the transparency tree builder and the webhook dispatcher, each in
a supervised thread. `labledger projections run` and `labledger webhooks run`
run the same workers as their own processes, for scale-out.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from types import FrameType

import click

from api.bootstrap import Worker, start
from ledger.faults import Stuck
from ledger.settings import Settings
from projections.follower import Follower
from projections.rebuild import rebuild_all
from projections.service import NAMES, all_projections
from transparency.key_check import WrongSigningKey, check_signing_key

log = logging.getLogger("labledger.workers")
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
RESTART_PAUSE = 2.0


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


def run_workers_process(settings: Settings, *, followers: bool, dispatcher: bool) -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    system = start(settings)
    if followers:  # the tree builder signs: not with a second key (as `serve` checks)
        try:
            check_signing_key(settings.signing_key_file, settings.log_name, system.db)
        except WrongSigningKey as error:
            system.close()
            raise click.ClickException(str(error)) from error
    # An in-flight webhook attempt may take twice the timeout (connect, then
    # the exchange): let it finish and be recorded before the store closes.
    grace = 2 * settings.webhook_timeout + 1 if dispatcher else 10.0
    try:
        run_until_signalled(system.workers(followers=followers, dispatcher=dispatcher), grace)
    finally:
        system.close()


@click.command()
@click.option("--followers/--no-followers", default=True, help="projections and the tree builder")
@click.option("--dispatcher/--no-dispatcher", default=True, help="the webhook dispatcher")
def main(followers: bool, dispatcher: bool) -> None:
    run_workers_process(Settings.from_env(), followers=followers, dispatcher=dispatcher)


# ---- labledger projections ---------------------------------------------------------


@click.group("projections")
def projections() -> None:
    """Read models: keep them current, or rebuild them from the log."""


# The help names what `System.workers(followers=True)` starts, the views
# from the list the followers are built from, so a new view is named too.
RUN_HELP = (
    f"Keep every read model ({', '.join(NAMES)}) and the transparency tree "
    "(and its signed checkpoints) current, and ask each witness in LEDGER_WITNESSES "
    "to cosign the latest checkpoint, until SIGTERM/SIGINT; pair with "
    "`serve --no-followers`."
)


@projections.command("run", help=RUN_HELP)
@click.pass_obj
def projections_run(settings: Settings) -> None:
    run_workers_process(settings, followers=True, dispatcher=False)


@projections.command("rebuild")
@click.argument("name", required=False, type=click.Choice(NAMES))
@click.pass_obj
def projections_rebuild(settings: Settings, name: str | None) -> None:
    """Rebuild NAME (default: all, in one pass over the log) from position 0;
    the old view keeps serving until the new one has caught up, then they
    switch atomically."""
    system = start(settings)
    try:
        views = [
            Follower(system.log, system.db, projection, poll_interval=settings.poll_interval)
            for projection in all_projections()
            if name is None or projection.name == name
        ]
        label = f"rebuilding {', '.join(f.projection.name for f in views)}"
        with click.progressbar(length=max(system.log.head(), 1), label=label) as bar:

            def progress(position: int, latest: int) -> None:
                bar.length = max(latest, 1)
                bar.update(max(position - bar.pos, 0))

            try:
                gens = rebuild_all(views, progress=progress)
            except (RuntimeError, Stuck) as error:
                raise click.ClickException(str(error)) from error
        for follower, gen in zip(views, gens, strict=True):
            click.echo(
                f"{follower.projection.name}: generation {gen} now serving "
                f"at position {follower.position()}"
            )
    finally:
        system.close()


# ---- labledger webhooks --------------------------------------------------------------


@click.group("webhooks")
def webhooks() -> None:
    """Partner webhooks."""


@webhooks.command("run")
@click.pass_obj
def webhooks_run(settings: Settings) -> None:
    """Deliver webhooks until SIGTERM/SIGINT; pair with `serve --no-dispatcher`."""
    run_workers_process(settings, followers=False, dispatcher=True)


if __name__ == "__main__":
    main()
