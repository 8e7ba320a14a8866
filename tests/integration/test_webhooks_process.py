"""`labledger webhooks run` as a real process: kill -9 mid-batch, restart,
and every event is still delivered (at least once, none skipped)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from ledger.log import iter_log
from tests.helpers import apply, seed
from tests.integration.webhooks_support import Receiver, receiving, register

_SCRIPT = Path(sys.executable).with_name("labledger")
# The installed console script when there is one, else the same entry point.
LABLEDGER = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from api.cli import main; main()"]
)


def start_dispatcher(settings: Any) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        LEDGER_DATABASE_URL=settings.database_url,
        LEDGER_WEBHOOK_ALLOW_PRIVATE="1",
        LEDGER_WEBHOOK_RETRY_SCHEDULE="0.2,0.4,0.8",
        LEDGER_WEBHOOK_TIMEOUT="1",  # claims of a killed process expire after 3 s
        LEDGER_POLL_INTERVAL="0.05",
    )
    return subprocess.Popen(
        [*LABLEDGER, "webhooks", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def test_kill_9_mid_batch_then_restart_delivers_every_event(client, tokens, system, settings):
    with receiving(Receiver(delay=0.05)) as receiver:
        endpoint = register(client, tokens, receiver)
        seeded = seed(client, tokens)
        for n in range(30):
            apply(client, tokens, seeded.slug, name=f"Artist {n}")
        log = list(iter_log(system.log, endpoint["position"]))
        first = start_dispatcher(settings)
        try:
            receiver.wait_for(lambda: len(receiver.received) >= 10, timeout=20)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        at_kill = len(receiver.received)
        assert at_kill < len(log), "the batch finished before the kill; slow the receiver"
        second = start_dispatcher(settings)
        try:
            receiver.wait_for(
                lambda: set(receiver.sequences()) >= set(range(1, len(log) + 1)), timeout=30
            )
        finally:
            second.send_signal(signal.SIGTERM)
            _, stderr = second.communicate(timeout=15)
        assert second.returncode == 0, stderr.decode()[-2000:]
    assert not receiver.rejected
    # every event at least once, none skipped, in order (a retry may repeat one)
    by_sequence = {r.body["data"]["sequence"]: r for r in receiver.received}
    assert sorted(by_sequence) == list(range(1, len(log) + 1))
    assert [by_sequence[s].body["data"]["position"] for s in sorted(by_sequence)] == [
        e["position"] for e in log
    ]
    assert receiver.sequences() == sorted(receiver.sequences())
    assert len(receiver.received) - len(log) <= 1  # at most the one in flight at the kill
    ids = {(r.webhook_id, r.body["data"]["sequence"]) for r in receiver.received}
    assert len(ids) == len(log)  # a repeat carries the same webhook-id
