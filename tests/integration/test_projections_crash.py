"""kill -9 of `labledger projections run` mid-stream, restart: the views equal
a fresh rebuild (no event lost, none applied twice), on both stores."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.integration.conftest import cli_env
from tests.integration.projection_support import (
    dump,
    followers,
    open_program,
    rebuilt,
    try_grow,
    wait_caught_up,
)

RUN = [sys.executable, "-c", "from api.cli import main; main()", "projections", "run"]


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return cli_env(url, tmp_path) | {"LEDGER_POLL_INTERVAL": "0.01"}


def _start(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(RUN, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)


def test_kill_9_mid_stream_then_restart_equals_a_fresh_rebuild(
    store_system, store_settings, tmp_path
):
    open_program(store_system)
    try_grow(store_system, 8, 0)  # a backlog for the first process
    env = _env(store_settings.database_url, tmp_path)
    views = followers(store_system)
    backlog = store_system.log.head()
    # 120 artists: writes got fast enough that 40 could end before the kill.
    writer = threading.Thread(target=try_grow, args=(store_system, 120, 8))
    first = _start(env)
    try:
        _wait_until(lambda: all(f.position() > 0 for f in views))
        writer.start()  # a stream of writes the follower is applying as they come
        # Killed once it has applied some of the stream, while more comes.
        _wait_until(lambda: max(f.position() for f in views) > backlog)
        streaming = writer.is_alive()
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    at_kill = [f.position() for f in views]
    assert streaming and writer.is_alive(), "the kill must land mid-stream"

    second = _start(env)
    try:
        writer.join(60)
        wait_caught_up(store_system)
        second.send_signal(signal.SIGTERM)
        assert second.wait(15) == 0, second.stderr.read().decode() if second.stderr else ""
    finally:
        if second.poll() is None:
            second.kill()

    head = store_system.log.head()
    assert head > max(at_kill)  # the restarted process carried on past the kill
    incremental = [dump(f) for f in views]
    assert [rebuilt(f) for f in views] == incremental
    assert all(f.position() == head for f in views)


def test_reads_wait_for_the_follower_process_to_reach_their_write(
    store_system, store_settings, tmp_path
):
    """With `projections run` holding the leases, a read does not apply events
    itself: it waits for the follower process to reach its position."""
    from api.app import create_app
    from tests.helpers import Tokens, post, seed

    env = _env(store_settings.database_url, tmp_path)
    client = create_app(store_settings, system=store_system).test_client()
    tokens = Tokens(store_system)
    process = _start(env)
    try:
        views = followers(store_system)
        s = seed(client, tokens)
        _wait_until(lambda: all(f.position() > 0 for f in views))
        assert not views[0].lease.acquire()  # the process holds the roster lease
        for n in range(3):
            written = post(
                client,
                f"/v1/programs/{s.slug}/applications",
                tokens.staff,
                {
                    "artist_name": f"A{n}",
                    "email": f"a{n}@example.org",
                    "portfolio_url": "https://p.example.org",
                    "statement": "s",
                },
                201,
            ).get_json()
            roster = client.get(
                f"/v1/programs/{s.slug}/roster?min_position={written['position']}",
                headers=tokens.staff,
            )
            assert roster.status_code == 200
            assert written["id"] in [a["id"] for a in roster.get_json()["applications"]]
    finally:
        process.terminate()
        process.wait(15)
