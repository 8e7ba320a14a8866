"""The two servers `bench_http.py` compares: `labledger serve` and the
reference app, each under gunicorn on a free port, started, checked and
stopped (with their whole process group)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import common
import reference_db

from api.serve import reuse_port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in {timeout:.0f} s") from None
        time.sleep(0.2)


def fetch(url: str, token: str = "", etag: str = "") -> tuple[int, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if etag:
        headers["If-None-Match"] = etag
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
            r.read()
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def log_head(base: str) -> int:
    """The store's log head, as `/readyz` reports it (also in its 503)."""
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=10) as r:
            body = json.loads(r.read())
    except urllib.error.HTTPError as error:
        body = json.loads(error.read())
    return int(body["checks"]["store"]["position"])


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def serve(
    url: str, key: Path, programs: dict[str, str], logs: Path
) -> tuple[subprocess.Popen, subprocess.Popen, str, str]:
    """`labledger serve` and the reference app, each on a free port, both up."""
    env = os.environ | {"LEDGER_DATABASE_URL": url, "LEDGER_SIGNING_KEY_FILE": str(key)}
    real_port, ref_port = free_port(), free_port()
    labledger = str(Path(sys.executable).with_name("labledger"))
    real_cmd = [labledger, "serve", "--bind", f"127.0.0.1:{real_port}", "--workers", "2"]
    ref_cmd = [sys.executable, "-m", "gunicorn", "-c", "python:api.gunicorn_conf", "--workers"]
    ref_cmd += ["2", "--bind", f"127.0.0.1:{ref_port}", *reuse_port(f"127.0.0.1:{ref_port}")]
    ref_cmd += ["reference_app:create_app()"]  # the server's settings, `serve`'s listening too
    ref_env = env | {
        "REF_DATABASE_URL": url,
        "REF_PROGRAMS": json.dumps(programs),
        "PYTHONPATH": f"{Path(__file__).parent}:{common.ROOT}",
    }
    real_base, ref_base = f"http://127.0.0.1:{real_port}", f"http://127.0.0.1:{ref_port}"
    real = spawn(real_cmd, env, logs / "real.log")
    ref = None
    try:
        reference_db.create_tables(url)
        ref = spawn(ref_cmd, ref_env, logs / "reference.log")
        wait_up(real_base + "/healthz")
        wait_up(ref_base + "/healthz")
    except BaseException:
        for process in (real, ref):
            if process is not None:
                stop(process)
        raise
    return real, ref, real_base, ref_base


def stop(process: Any) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_views(base: str, timeout: float = 120.0) -> None:
    """Until every view has caught up with the seeded log (`/readyz`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as r:
                views = json.loads(r.read())["checks"]["projections"]
            if all(v["lag"] == 0 for v in views.values() if isinstance(v, dict)):
                return
        except (OSError, ValueError, KeyError):  # 503 while a view catches up
            pass
        time.sleep(0.5)
    print(f"  views not caught up after {timeout:.0f} s; measuring anyway", flush=True)
