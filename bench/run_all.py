"""`make bench`: every benchmark in turn, each printing its markdown tables,
and how long each took (the goal: under 10 minutes on the 2-core machine:
474 s on the one of 2026-11-27 21:19 UTC, 930 s on one a third as fast that
afternoon; README, "Benchmarks", and docs/performance.md).

    .venv/bin/python bench/run_all.py [--postgres-events N]
    make bench BENCH_ARGS="--postgres-events 1000000"   # both stores at a million
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
# The two writes, whose throughput goal the views' own CPU caps: bench_http_cpu
# measures that ceiling in the same run.
WRITES = "record a generation,submit an application"


def runs(postgres_events: int) -> list[list[str]]:
    """bench_scale at a million events on SQLite (the tree builder follows the
    seeding in a process of its own, `verify store` runs beside the views,
    each view's catch-up after the rebuild gets --view-budget seconds) and
    PostgreSQL at `postgres_events`, a quarter of a million by default: a
    million there would take `make bench` to about 610 s on the machine of
    2026-11-27 evening (README, "Benchmarks", gives PostgreSQL's million
    measured by hand).
    bench_scale times inclusion proofs at both sizes; bench_proofs adds
    consistency proofs on a bulk-built tree. The older
    scripts run short: bench_scale covers their catch-up and streaming
    figures."""
    scale = ["--events", "1000000", "--postgres-events", str(postgres_events)]
    return [
        ["bench_http.py"],
        ["bench_http_cpu.py", "--rounds", "1", "--only", WRITES],
        ["bench_scale.py", *scale, "--view-budget", "10"],
        ["bench_proofs.py", "--proofs", "1000"],
        ["bench_writes.py", "--n", "100"],
        ["bench_reads.py", "--artists", "100"],
        ["bench_verify.py", "--runs", "7"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-events", type=int, default=250_000)
    args = parser.parse_args()
    started = time.perf_counter()
    for script, *options in runs(args.postgres_events):
        print(f"\n=== {script} {' '.join(options)}", flush=True)
        began = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / script), *options], check=False)
        print(f"=== {script}: {time.perf_counter() - began:.0f} s", flush=True)
    print(f"\n=== all benchmarks: {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
