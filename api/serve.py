"""`labledger serve`: schema, optional demo, the worker process and gunicorn."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import click

from ledger.settings import Settings


def _terminate(processes: list[subprocess.Popen], grace: float) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", "n_workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--followers/--no-followers",
    default=True,
    help="run the projection followers and tree builder here (else: `projections run`)",
)
@click.option(
    "--dispatcher/--no-dispatcher",
    default=True,
    help="run the webhook dispatcher here (else: `webhooks run`)",
)
@click.option("--demo", is_flag=True, help="load the demo program first if the store is empty")
@click.pass_obj
def serve(
    settings: Settings, bind: str, n_workers: int, followers: bool, dispatcher: bool, demo: bool
) -> None:
    """Serve the API with gunicorn (and the background workers)."""
    from api.cli import init_db
    from ledger.bootstrap import open_ledger

    # Schema first, once: several processes creating it at once race.
    init_db(settings)
    if demo:
        ledger = open_ledger(settings)
        if not ledger.max_position():
            from api.demo import load_demo

            load_demo(ledger, echo=click.echo)
        else:
            click.echo("store not empty: demo not loaded (tokens: `labledger tokens create`)")
        ledger.close()

    env = dict(os.environ)
    metrics_dir = tempfile.mkdtemp(prefix="labledger-metrics-")
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    env.setdefault("PYTHONUNBUFFERED", "1")
    processes: list[subprocess.Popen] = []
    if followers or dispatcher:
        flags = [
            "--followers" if followers else "--no-followers",
            "--dispatcher" if dispatcher else "--no-dispatcher",
        ]
        processes.append(subprocess.Popen([sys.executable, "-m", "api.workers", *flags], env=env))
    processes.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:api.gunicorn_conf",
                "--bind",
                bind,
                "--workers",
                str(n_workers),
                "api.app:create_app()",
            ],
            env=env,
        )
    )

    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"serving on http://{bind} (docs: http://{bind}/docs)")
    try:
        while not stopping and all(p.poll() is None for p in processes):
            time.sleep(0.2)
    finally:
        # The worker process may let a webhook attempt finish (2 x timeout + 1 s).
        _terminate(processes, grace=2 * settings.webhook_timeout + 5)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    failed = [p for p in processes if p.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        sys.exit(1)
