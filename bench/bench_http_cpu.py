"""Server CPU per request under wrk, on SQLite: the gunicorn workers' own
utime + stime (from /proc) divided by the requests wrk completed, for each
read `bench_http.py` measures, ours (`labledger serve --workers 2`) against
the thin reference app, and the roster's 304 against our `/healthz`.

`bench_http.py` compares throughput, which moves with whatever else the two
cores run (other processes, wrk itself); this counts only the servers' own
CPU, so a figure taken on a busy machine still compares like with like.
Each path alternates ours and thin, `--rounds` times; medians are printed.

    .venv/bin/python bench/bench_http_cpu.py [--rounds 3] [--duration 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_http as bh  # noqa: E402
import servers  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _parent(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def _cmdline(pid: int) -> bytes:
    with open(f"/proc/{pid}/cmdline", "rb") as cmd:
        return cmd.read()


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(_parent(int(entry)), []).append(int(entry))
            except OSError:  # gone meanwhile
                continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def workers(pid: int) -> list[int]:
    """The gunicorn workers under `pid`: each a gunicorn child of the gunicorn master."""
    found = []
    for child in _descendants(pid):
        try:
            if b"gunicorn" in _cmdline(child) and b"gunicorn" in _cmdline(_parent(child)):
                found.append(child)
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def cpu_per_request(
    base: str, pids: list[int], target: bh.Target, duration: float, etag: str = ""
) -> float:
    before = cpu_seconds(pids)
    run = bh.wrk(base, target, duration, etag)
    return (cpu_seconds(pids) - before) / (run.rps * duration) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'ledger.sqlite3'}"
        paths, programs = bh.seed_store(url, tmp / "signing.key")
        real, ref, real_base, ref_base = servers.serve(url, tmp / "signing.key", programs, tmp)
        try:
            servers.wait_views(real_base)
            ours_pids, thin_pids = workers(real.pid), workers(ref.pid)
            reads = [p for p in paths if p.method == "GET" and "feed" not in p.name]
            noop = bh.Target("no-op /healthz", "/healthz")
            ours: dict[str, list[float]] = {}
            thin: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                for p in [*reads, noop]:
                    etag = bh.current_tag(real_base, p)
                    ours.setdefault(p.name, []).append(
                        cpu_per_request(real_base, ours_pids, p, args.duration, etag)
                    )
                    if p.reference:
                        etag = bh.current_tag(ref_base, p)
                        thin.setdefault(p.name, []).append(
                            cpu_per_request(ref_base, thin_pids, p, args.duration, etag)
                        )
        finally:
            servers.stop(real)
            servers.stop(ref)
    noop_us = statistics.median(ours[noop.name])
    print(f"{'path':42} {'ours us':>8} {'thin us':>8} {'thin/ours':>9} {'healthz/ours':>12}")
    for name, samples in ours.items():
        mine = statistics.median(samples)
        line = f"{name:42} {mine:8.0f}"
        if name in thin:
            theirs = statistics.median(thin[name])
            line += f" {theirs:8.0f} {theirs / mine:9.2f}"
        else:
            line += f" {'':8} {'':9}"
        print(line + f" {noop_us / mine:12.2f}")


if __name__ == "__main__":
    main()
