"""`labledger projections run | rebuild [NAME]`."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from ledger.bootstrap import open_ledger
from ledger.settings import Settings
from projections.follower import Follower
from projections.service import all_projections

log = logging.getLogger("labledger.projections")
NAMES = [p.name for p in all_projections()]
RESTART_PAUSE = 2.0


@click.group("projections")
def projections() -> None:
    """Read models: keep them current, or rebuild them from the log."""


def _supervise(follower: Follower, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            follower.run(stop)
        except Exception:  # one failing view must not stop the others
            log.exception("%s crashed; restarting in %.0f s", follower.name, RESTART_PAUSE)
            stop.wait(RESTART_PAUSE)


@projections.command("run")
@click.pass_obj
def run(settings: Settings) -> None:
    """Follow the log and keep every projection current until SIGTERM/SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    ledger = open_ledger(settings)
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    followers = [
        Follower(ledger, p, poll_interval=settings.poll_interval) for p in all_projections()
    ]
    threads = [
        threading.Thread(target=_supervise, args=(f, stop), name=f.name, daemon=True)
        for f in followers
    ]
    for thread in threads:
        thread.start()
    log.info("following the log: %s", ", ".join(f.name for f in followers))
    while not stop.wait(0.5):
        pass
    for thread in threads:
        thread.join(timeout=10)
    ledger.close()


@projections.command("rebuild")
@click.argument("name", required=False, type=click.Choice(NAMES))
@click.pass_obj
def rebuild(settings: Settings, name: str | None) -> None:
    """Rebuild NAME (default: all) from position 0; the old view keeps
    serving until the new one has caught up, then they switch atomically."""
    ledger = open_ledger(settings)
    for projection in all_projections():
        if name is not None and projection.name != name:
            continue
        follower = Follower(ledger, projection, poll_interval=settings.poll_interval)
        head = max(ledger.max_position(), 1)
        with click.progressbar(length=head, label=f"rebuilding {projection.name}") as bar:

            def progress(position: int, latest: int, bar: object = bar) -> None:
                bar.length = max(latest, 1)  # type: ignore[attr-defined]
                bar.update(position - bar.pos)  # type: ignore[attr-defined]

            try:
                gen = follower.rebuild(progress=progress)
            except RuntimeError as error:
                raise click.ClickException(str(error)) from error
        click.echo(
            f"{projection.name}: generation {gen} now serving at position {follower.position()}"
        )
    ledger.close()
