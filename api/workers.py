"""The worker process beside gunicorn, and the CLI's worker commands.

`labledger serve` starts `python -m api.workers` with the projection
followers, the transparency tree builder and the webhook dispatcher, each in
a supervised thread. `labledger projections run` and `labledger webhooks run`
run the same workers as their own processes, for scale-out.
"""

from __future__ import annotations

import logging

import click

import projections
import transparency
import webhooks
from ledger.bootstrap import Worker, open_ledger, run_until_signalled
from ledger.settings import Settings

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


def collect_workers(
    ledger: object, settings: Settings, *, followers: bool, dispatcher: bool
) -> list[Worker]:
    """Followers: the read models and the transparency tree (both fed from the
    log in order); dispatcher: webhook delivery."""
    packages = ([projections, transparency] if followers else []) + (
        [webhooks] if dispatcher else []
    )
    return [w for package in packages for w in package.workers(ledger, settings)]


def run_workers_process(settings: Settings, *, followers: bool, dispatcher: bool) -> None:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    ledger = open_ledger(settings)
    # An in-flight webhook attempt may take twice the timeout (connect, then
    # the exchange): let it finish and be recorded before the ledger closes.
    grace = 2 * settings.webhook_timeout + 1 if dispatcher else 10.0
    try:
        run_until_signalled(
            collect_workers(ledger, settings, followers=followers, dispatcher=dispatcher), grace
        )
    finally:
        ledger.close()


@click.command()
@click.option("--followers/--no-followers", default=True, help="projections and the tree builder")
@click.option("--dispatcher/--no-dispatcher", default=True, help="the webhook dispatcher")
def main(followers: bool, dispatcher: bool) -> None:
    run_workers_process(Settings.from_env(), followers=followers, dispatcher=dispatcher)


@click.command("run")
@click.pass_obj
def projections_run(settings: Settings) -> None:
    """Keep every read model (roster, registry, audit, the transparency tree)
    current until SIGTERM/SIGINT; pair with `serve --no-followers`."""
    run_workers_process(settings, followers=True, dispatcher=False)


@click.command("run")
@click.pass_obj
def webhooks_run(settings: Settings) -> None:
    """Deliver webhooks until SIGTERM/SIGINT; pair with `serve --no-dispatcher`."""
    run_workers_process(settings, followers=False, dispatcher=True)


if __name__ == "__main__":
    main()
