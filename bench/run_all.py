"""`make bench`: every benchmark in turn, each printing its markdown tables,
and how long each took (the whole must stay under 10 minutes on the 2-core
machine; see README, "Benchmarks")."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
# bench_scale at a million events on SQLite (the tree builder follows the
# seeding in a process of its own, `verify store` runs beside the views, each
# view's rebuild gets --view-budget seconds) and PostgreSQL at the size that
# still fits the 10 minutes on 2 cores (README, "Benchmarks"). bench_scale
# times inclusion proofs at both sizes; bench_proofs adds consistency proofs
# on a bulk-built tree. The older scripts run short: bench_scale covers their
# catch-up and streaming figures.
SCALE = ["--events", "1000000", "--postgres-events", "100000", "--view-budget", "10"]
RUNS = [
    ["bench_http.py"],
    ["bench_scale.py", *SCALE],
    ["bench_proofs.py", "--proofs", "1000"],
    ["bench_writes.py", "--n", "100"],
    ["bench_reads.py", "--artists", "100"],
    ["bench_verify.py", "--runs", "7"],
]

started = time.perf_counter()
for script, *args in RUNS:
    print(f"\n=== {script} {' '.join(args)}", flush=True)
    began = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / script), *args], check=False)
    print(f"=== {script}: {time.perf_counter() - began:.0f} s", flush=True)
print(f"\n=== all benchmarks: {time.perf_counter() - started:.0f} s", flush=True)
