"""Seeding a store with the server's tree builder following it, and `verify
store` in a process of its own: the scale benchmark's heavy stages, spread
over two cores the way the server spreads them.

In the server the tree builder is a follower in the workers' process,
appending while requests write; here the seeder (`seed.generations`, this
process) saves in bulk while a `TreeBuilder` in a second process appends
what is saved, so a million events take about as long as the slower of the
two, not their sum. The builder reports the seconds it spent appending
(its leaves/s is over those) and how long after the last save its tree was
signed at the head.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import common
import seed

from api.bootstrap import System, start
from ledger.settings import Settings
from transparency.follower import TreeBuilder

BATCH = 5000  # leaves per append: the bench's builder takes big bites
IDLE = 0.02  # seconds between polls when the builder has caught up


@dataclass(frozen=True)
class Built:
    events: int  # the log's head once seeded
    seed_seconds: float
    leaves: int
    tree_busy: float  # seconds the builder spent appending, waits for new events excluded
    tree_lag: float  # seconds from the last save to the signed tree at the head
    seed_cpu: float  # CPU seconds of the seeder, and of the builder's process
    tree_cpu: float


def follow(settings: Settings, seeded: Any, out: Any) -> None:
    """The tree builder's process: append until the seeder is done and the
    tree holds every event, sign, report (leaves, busy seconds, signed at)."""
    system = start(settings)
    builder = TreeBuilder(system.log, system.db, settings, batch=BATCH)
    busy, leaves = 0.0, 0
    while True:
        finished = seeded.is_set()  # read before the step: that step sees every save
        began = time.perf_counter()
        added = builder.step()
        if added:
            busy += time.perf_counter() - began
            leaves += added
        elif finished:
            break
        else:
            time.sleep(IDLE)
    began = time.perf_counter()
    builder.sign(builder.store.head())
    busy += time.perf_counter() - began
    out.put((leaves, busy, time.time(), time.process_time()))
    system.close()


def seed_and_build(system: System, settings: Settings, events: int) -> Built:
    """Seed to `events` while the tree builder follows in its own process."""
    context = multiprocessing.get_context("spawn")
    seeded, out = context.Event(), context.Queue()
    builder = context.Process(target=follow, args=(settings, seeded, out))
    builder.start()
    try:
        cpu = time.process_time()
        seconds = seed.generations(system, events)
        seeded_at, cpu = time.time(), time.process_time() - cpu
        seeded.set()
        leaves, busy, signed_at, tree_cpu = _report(builder, out)
    finally:
        builder.join()
    lag = max(signed_at - seeded_at, 0.0)
    return Built(system.log.head(), seconds, leaves, busy, lag, cpu, tree_cpu)


def _report(builder: Any, out: Any) -> tuple[int, float, float, float]:
    """The builder's report; RuntimeError if its process died without one."""
    while True:
        try:
            return out.get(timeout=1.0)  # type: ignore[no-any-return]
        except queue.Empty:
            if not builder.is_alive():
                raise RuntimeError(
                    f"the tree builder's process failed ({builder.exitcode})"
                ) from None


# Linux counts the image a child was forked from in its `ru_maxrss` (exec
# keeps the larger of the old and the new high-water mark), and this process
# is hundreds of MB after seeding a million events: `verify store` run as our
# child would report our size, not its own (the "growth" the README once
# read as +58 MB). So a small launcher runs it and prints its child's peak,
# measured from an image smaller than what it measures.
LAUNCHER = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:])\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(f'peak RSS KiB {usage.ru_maxrss}', flush=True)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def start_verify(settings: Settings) -> subprocess.Popen[bytes]:
    """`labledger verify store` started in a process of its own (see `verified`)."""
    env = os.environ | {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
        "LEDGER_LOG_NAME": settings.log_name,
    }
    command = [str(Path(sys.executable).with_name("labledger")), "verify", "store"]
    launched = [sys.executable, "-c", LAUNCHER, *command]
    return subprocess.Popen(launched, env=env, stdout=subprocess.PIPE, cwd=common.ROOT)


def verified(process: subprocess.Popen[bytes]) -> tuple[float, float, float]:
    """Wait for `start_verify`'s process: (leaves/s, its peak RSS in MB, CPU
    seconds of it and its launcher)."""
    out = process.stdout.read().decode() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = status  # reaped here, not by Popen
    if status != 0:
        raise RuntimeError(f"verify store failed ({status}): {out}")
    checked, peak = out.strip().splitlines()[-2:]
    rate = checked.rsplit("(", 1)[1].split()[0]  # "checked in 1.2 s (12,345 leaves/s)"
    cpu = usage.ru_utime + usage.ru_stime  # the launcher's and, waited for, its child's
    return float(rate.replace(",", "")), int(peak.split()[-1]) / 1024, cpu  # Linux: KiB
