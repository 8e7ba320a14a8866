"""Real processes: `labledger serve` (gunicorn) on a free local port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration import go_support
from tests.integration.browser_support import chromium

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_DATABASE_URL=url,
        LEDGER_SIGNING_KEY_FILE=str(tmp_path / "log-signing.key"),
        LEDGER_WEBHOOK_ALLOW_PRIVATE="1",
        LEDGER_POLL_INTERVAL="0.05",
        **extra,
    )
    return env


def labledger(
    env: dict[str, str], *args: str, check: bool = True, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "labledger"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


@dataclass
class Server:
    base: str
    env: dict[str, str]
    process: subprocess.Popen
    _shared: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    def token(self, role: str, participant: str | None = None) -> dict[str, str]:
        """A new token: `labledger tokens create` (a process, about a second)."""
        args = ["tokens", "create", "--role", role]
        if participant:
            args += ["--participant", participant]
        token = labledger(self.env, *args).stdout.strip().splitlines()[-1]
        return {"Authorization": f"Bearer {token}"}

    def shared_token(self, role: str) -> dict[str, str]:
        """One `role` token for the server's life, made by `token` when first
        asked: for tests that only need to be let in, not a token of their own."""
        if role not in self._shared:
            self._shared[role] = self.token(role)
        return dict(self._shared[role])


def start_server(
    url: str,
    tmp_path: Path,
    *serve_args: str,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Server:
    """`labledger serve` on `port` (default: a free one); `env` adds settings."""
    port = port or free_port()
    env = cli_env(url, tmp_path, **(env or {}))
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [str(BIN / "labledger"), "serve", "--bind", f"127.0.0.1:{port}", *serve_args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError((tmp_path / "serve.log").read_text())
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    return Server(base, env, process)
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start:\n" + (tmp_path / "serve.log").read_text())
    except BaseException:
        stop_server(process)  # never leave a half-started server behind
        raise


def stop_server(process: subprocess.Popen) -> None:
    """SIGTERM the whole process group (serve, its worker process, gunicorn)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    try:  # anything of the group still alive (serve died first, a stuck child)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@pytest.fixture
def server(store_url: str, tmp_path: Path) -> Iterator[Server]:
    """`labledger serve --workers 2` on SQLite and on PostgreSQL: two gunicorn
    workers (processes) are enough for what crosses them (a revocation, a
    seat, an idempotency key, metrics), and each more costs a start-up."""
    running = start_server(store_url, tmp_path, "--workers", "2")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def module_server(
    module_store_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`server` shared by the tests of a module, one per store (a start costs
    seconds of CPU): its tests open their own programs (`unique_slug`) and
    count from the log head they found, never from a fresh store."""
    tmp_path = tmp_path_factory.mktemp("serve")
    running = start_server(module_store_url, tmp_path, "--workers", "2")
    yield running
    stop_server(running.process)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`serve --demo --workers 2` on SQLite, one per module: the demo's
    programs, applicants, tools and works to click through in a browser."""
    tmp_path = tmp_path_factory.mktemp("demo")
    running = start_server(
        f"sqlite:///{tmp_path / 'ledger.sqlite3'}", tmp_path, "--demo", "--workers", "2"
    )
    yield running
    stop_server(running.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, one per test process (each xdist worker's): its
    modules and tests each open contexts of their own, so no cookie or
    storage passes between them; starting Playwright and Chromium again for
    every module cost ~2.3 s each."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def go_client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Go's reference tlog client (tests/interop_go), built once a run and
    shared by the modules and xdist workers that run it."""
    return go_support.go_client(request.config, tmp_path_factory)
