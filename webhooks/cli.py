"""`labledger webhooks run`: the dispatcher as its own process."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from ledger.bootstrap import open_ledger
from ledger.settings import Settings


@click.group()
def webhooks() -> None:
    """Partner webhooks."""


@webhooks.command("run")
@click.pass_obj
def run(settings: Settings) -> None:
    """Deliver webhooks until SIGTERM or SIGINT (beside `serve --no-dispatcher`)."""
    from webhooks.dispatcher import Dispatcher

    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = settings if isinstance(settings, Settings) else Settings.from_env()
    ledger = open_ledger(settings)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        Dispatcher(ledger, settings).run(stop)
    finally:
        ledger.close()
