"""`labledger serve`: schema, optional demo, the worker process and gunicorn.

`serve` supervises two children. gunicorn is the service: when it dies, serve
stops. The background worker process (followers, tree builder, dispatcher)
is not: when it dies (a crash, an OOM kill, `kill -9`), serve logs it and
starts a new one after a back-off (1 s, doubling to 30 s; reset once a worker
has run for a minute), and the API keeps serving meanwhile. When serve
itself dies, even by `kill -9`, its children get SIGTERM (Linux).
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import click
from gunicorn.util import parse_address

from api import demo_files
from api.bootstrap import prepare, start
from api.demo import load_if_empty
from ledger.settings import Settings

log = logging.getLogger("labledger.serve")
LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
RESTART_FIRST = 1.0  # seconds before the first restart
RESTART_MAX = 30.0
STABLE_AFTER = 60.0  # a worker that ran this long starts the back-off afresh


class Background:
    """The background worker process, restarted with back-off when it dies."""

    def __init__(self, args: list[str], env: dict[str, str], metrics_dir: str) -> None:
        self.args = args
        self.env = env
        self.metrics_dir = metrics_dir
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.delay = RESTART_FIRST
        self.restart_at = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, env=self.env, preexec_fn=die_with_parent())
        self.started = time.monotonic()
        log.info("background worker started (pid %d)", self.process.pid)

    def check(self) -> None:
        """Restart the worker if it died and its back-off has passed."""
        now = time.monotonic()
        if self.process is None:
            if now >= self.restart_at:
                self.start()
            return
        code = self.process.poll()
        if code is None:
            return
        pid = self.process.pid
        self.process = None
        _mark_dead(pid, self.metrics_dir)
        if now - self.started >= STABLE_AFTER:
            self.delay = RESTART_FIRST
        self.restart_at = now + self.delay
        log.error(
            "background worker (pid %d) exited with %s; restarting in %.0f s",
            pid,
            _exit_status(code),
            self.delay,
        )
        self.delay = min(self.delay * 2, RESTART_MAX)


def _exit_status(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    return f"code {code}"


def _mark_dead(pid: int, metrics_dir: str) -> None:
    # Its live gauges must not count any more (prometheus multiprocess mode).
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid, metrics_dir)


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


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` that has the kernel send the child SIGTERM when this
    process dies, `kill -9` included (Linux's PR_SET_PDEATHSIG); None
    elsewhere. Else gunicorn and the worker process outlive a killed `serve`
    and hold its port (the next `serve` stops with "cannot listen"). The
    signal is sent when the thread that started the child ends: serve starts
    its children from its main thread."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # loaded here, not after the fork
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # serve died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


def gunicorn_options() -> list[str]:
    """No control socket: nothing here uses `gunicornc`, and its default path
    ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl, gunicorn 25.1+) is one per
    user, so every `serve` on a host took it over from the one before. And a
    logger that names the address the workers listen on (`api.gunicorn_log`)."""
    from gunicorn.config import KNOWN_SETTINGS

    options = ["--logger-class", "api.gunicorn_log.Logger"]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS):
        options.append("--no-control-socket")
    return options


def reuse_port(bind: str) -> list[str]:
    """gunicorn's `--reuse-port` for a TCP address: each worker listens on a
    socket of its own (SO_REUSEPORT) and the kernel spreads new connections
    over them. On one shared socket the worker that happens to be polling
    takes every connection that arrives at once, and keeps them while they
    are kept alive: a proxy's 16 connections all on one worker serve on one
    core (bench_http.py saw a third of the rate). Not for a Unix socket (each
    worker would replace the file) or an inherited descriptor.

    The workers bind, not gunicorn's master, and a worker that cannot bind
    is started again and again: so the address is tried here first, and
    taken (by anything, another `serve` included) it stops `serve` at once."""
    if bind.startswith(("unix:", "fd://")):
        return []
    host, port = parse_address(bind)
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind(address)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {bind}: {error.strerror}") from None
    return ["--reuse-port"]


@click.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True)
@click.option("--workers", "n_workers", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--threads",
    "n_threads",
    default=8,
    show_default=True,
    type=click.IntRange(1, 256),
    help="request threads per worker (gunicorn gthread): a slow client holds one",
)
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
    settings: Settings,
    bind: str,
    n_workers: int,
    n_threads: int,
    followers: bool,
    dispatcher: bool,
    demo: bool,
) -> None:
    """Serve the API with gunicorn (and the background workers)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    listening = reuse_port(bind)  # a taken address stops serve before anything starts
    # Schema first, once: several processes creating it at once race.
    prepare(settings, serving=True)  # and its key signed the store's checkpoints
    if demo:
        system = start(settings)
        files = demo_files.works_dir(settings)
        if not load_if_empty(system, echo=click.echo, works_dir=files):
            click.echo("store not empty: demo not loaded (tokens: `labledger tokens create`)")
            if files.is_dir():
                click.echo(f"the demo works' files are in {files.resolve()}")
        system.close()

    env = dict(os.environ)
    metrics_dir = tempfile.mkdtemp(prefix="labledger-metrics-")
    env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    env.setdefault("PYTHONUNBUFFERED", "1")
    background = None
    if followers or dispatcher:
        flags = [
            "--followers" if followers else "--no-followers",
            "--dispatcher" if dispatcher else "--no-dispatcher",
        ]
        background = Background([sys.executable, "-m", "api.workers", *flags], env, metrics_dir)
        background.start()
    gunicorn = subprocess.Popen(
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
            "--threads",
            str(n_threads),
            *listening,
            *gunicorn_options(),
            "api.app:create_app()",
        ],
        env=env,
        preexec_fn=die_with_parent(),
    )

    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(
        f"serving on http://{bind} (site: http://{bind}/, console: http://{bind}/console/, "
        f"docs: http://{bind}/docs)"
    )
    try:
        while not stopping and gunicorn.poll() is None:
            if background is not None:
                background.check()
            time.sleep(0.2)
    finally:
        running = [gunicorn] + (
            [background.process] if background is not None and background.process else []
        )
        # The worker process may let a webhook attempt finish (2 x timeout + 1 s).
        _terminate(running, grace=2 * settings.webhook_timeout + 5)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    if not stopping:
        code = gunicorn.returncode or 0
        log.error("gunicorn exited with %s; stopping", _exit_status(code))
        if code not in (0, -signal.SIGTERM):
            sys.exit(1)
