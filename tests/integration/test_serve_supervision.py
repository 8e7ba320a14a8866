"""`labledger serve` as real processes: a dead background worker is restarted
while the API keeps serving, and slow clients cannot take the API down."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
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


def _sockets(pid: int) -> set[str]:
    """The socket inodes `pid` holds open (Linux /proc)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


def _on_port(port: int, state: str) -> set[str]:
    """Inodes of the sockets on 127.0.0.1:`port` in `state` (0A listening,
    01 established: Linux /proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == state:
            inodes.add(f"socket:[{fields[9]}]")
    return inodes


def test_each_worker_listens_on_its_own_socket_and_kept_alive_connections_spread(
    sqlite_url, tmp_path
):
    server = start_server(sqlite_url, tmp_path, "--workers", "2", "--no-dispatcher")
    try:
        port = int(server.base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 30
        while True:  # both workers booted, each with its listening socket
            gunicorn = [p for p, c in _children(server.process.pid).items() if "gunicorn" in c]
            workers = [p for m in gunicorn for p in _children(m)]
            listening = _on_port(port, "0A")
            mine = {w: _sockets(w) & listening for w in workers}
            if len(workers) == 2 and all(mine.values()):
                break
            assert time.monotonic() < deadline, (workers, listening, mine)
            time.sleep(0.2)
        assert mine[workers[0]].isdisjoint(mine[workers[1]])  # not one shared socket

        # 16 keep-alive connections opened at once, as wrk or a proxy opens them.
        sessions = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        try:
            for s in sessions:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in sessions:
                assert s.recv(4096).startswith(b"HTTP/1.1 200")
            held = {w: len(_sockets(w) & _on_port(port, "01")) for w in workers}
        finally:
            for s in sessions:
                s.close()
        assert sum(held.values()) == 16 and all(n >= 2 for n in held.values()), held
    finally:
        stop_server(server.process)


def test_serve_on_a_taken_address_stops_at_once_with_the_reason(sqlite_url, tmp_path):
    # The workers bind their own sockets; one that cannot is started again
    # and again, so serve tries the address itself before anything starts.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_server(sqlite_url, tmp_path, "--workers", "2", port=port)


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its new parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_children_of_a_killed_serve_stop_with_it(sqlite_url, tmp_path):
    """`kill -9` of serve: gunicorn (its workers with it) and the background
    worker get SIGTERM from the kernel instead of holding the port as orphans."""
    server = start_server(sqlite_url, tmp_path, "--workers", "2")
    try:
        worker = _background_worker(server.process.pid)
        [master] = [p for p, c in _children(server.process.pid).items() if "gunicorn" in c]
        processes = [worker, master, *_children(master)]
        assert len(processes) == 4, processes
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        deadline = time.monotonic() + 15
        while any(_alive(pid) for pid in processes):
            assert time.monotonic() < deadline, [p for p in processes if _alive(p)]
            time.sleep(0.1)
        with socket.socket() as again:  # the port is free for the next serve
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", int(server.base.rsplit(":", 1)[1])))
    finally:
        stop_server(server.process)


def test_serve_and_a_witness_log_their_address_and_open_no_gunicorn_control_socket(
    sqlite_url, tmp_path, monkeypatch
):
    """gunicorn 25.1+ opens a control socket at one path per user
    ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl): each server on a host took
    it over from the one before. Neither server uses it."""
    from tests.integration.interop_support import start_witness, stop_witness

    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir()
    monkeypatch.setenv("HOME", str(home))  # start_witness passes os.environ on
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    server = start_server(
        sqlite_url, tmp_path, "--workers", "1", "--no-dispatcher", env={"HOME": str(home)}
    )
    try:
        vkey = requests.get(f"{server.base}/v1/transparency/public-key", timeout=5).text.strip()
        witness = start_witness(tmp_path, vkey)
        stop_witness(witness)
        log = (tmp_path / "serve.log").read_text()
        assert f"Listening at: {server.base} [a socket per worker: reuse-port] (" in log
        assert f"Listening at: {witness.url} (" in (tmp_path / "witness.log").read_text()
        assert not list(runtime.iterdir()) and not (home / ".gunicorn").exists()
    finally:
        stop_server(server.process)
