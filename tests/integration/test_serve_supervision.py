"""`labledger serve` as real processes: a dead background worker is restarted
while the API keeps serving, and slow clients cannot take the API down."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import requests

from tests.helpers import PROGRAM
from tests.integration.conftest import start_server, stop_server


def _children(pid: int) -> dict[int, str]:
    """Direct children of `pid` and their command lines (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _background_worker(serve_pid: int, not_pid: int | None = None, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, cmdline in _children(serve_pid).items():
            if "api.workers" in cmdline and pid != not_pid:
                return pid
        time.sleep(0.1)
    raise AssertionError("no background worker process under serve")


def test_serve_restarts_a_killed_background_worker_and_keeps_serving(sqlite_url, tmp_path):
    server = start_server(sqlite_url, tmp_path, "--workers", "1", "--no-dispatcher")
    try:
        staff = server.token("staff")
        first = _background_worker(server.process.pid)
        os.kill(first, signal.SIGKILL)

        # The API answers throughout, and serve itself stays up.
        for _ in range(10):
            assert requests.get(f"{server.base}/healthz", timeout=5).status_code == 200
            assert server.process.poll() is None
            time.sleep(0.1)
        second = _background_worker(server.process.pid, not_pid=first)
        assert second != first

        # The new worker follows the log: the tree (built only there) takes
        # the next write once the dead worker's lease has run out.
        written = requests.post(
            f"{server.base}/v1/programs", json=PROGRAM, headers=staff, timeout=10
        )
        assert written.status_code == 201
        position = written.json()["position"]
        deadline = time.monotonic() + 40
        while True:
            answer = requests.get(
                f"{server.base}/v1/transparency/checkpoint?min_position={position}", timeout=10
            )
            if answer.status_code == 200:
                break
            assert time.monotonic() < deadline, answer.text
        assert answer.text.splitlines()[1] == str(position)
        log = (tmp_path / "serve.log").read_text()
        assert f"background worker (pid {first}) exited with signal SIGKILL; restarting" in log
    finally:
        stop_server(server.process)


def _slow_client(base: str) -> socket.socket:
    """A client that has started a request and sends the rest a byte at a time."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    return sock


def test_slow_clients_do_not_hold_back_a_normal_request(sqlite_url, tmp_path):
    # Two workers: sync workers would be held by the first two slow clients.
    server = start_server(
        sqlite_url, tmp_path, "--workers", "2", "--no-followers", "--no-dispatcher"
    )
    slow = [_slow_client(server.base) for _ in range(6)]
    try:
        time.sleep(1)  # every slow client has reached a worker by now
        for _ in range(3):
            for sock in slow:
                sock.sendall(b"X")  # dribbling: never idle long enough to be dropped
            started = time.monotonic()
            answer = requests.get(f"{server.base}/readyz", timeout=10)
            assert answer.status_code == 200
            assert time.monotonic() - started < 2.0
            time.sleep(0.5)
    finally:
        for sock in slow:
            sock.close()
        stop_server(server.process)
