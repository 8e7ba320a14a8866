"""Server CPU per request under wrk: the CPU the processes of each server
used (utime + stime, from /proc) divided by the requests wrk completed, for
every path `bench_http.py` measures, reads and writes, ours (`labledger serve
--workers 2` with its background worker) against the thin reference app, on
SQLite and PostgreSQL.

`bench_http.py` compares throughput, which moves with whatever else the two
cores run (other processes, wrk itself); this counts only the servers' own
CPU, so a figure taken on a busy machine still compares like with like. Each
request's CPU is split by where it was spent:

- `workers`: the gunicorn workers (the request itself);
- `background`: our background worker (views, tree builder, dispatcher),
  counted until the views have caught up after wrk stops (the reference has
  none);
- `database`: on PostgreSQL, every `postgres` process of the server (both
  servers' statements, the background worker's included).

Each path alternates ours and thin, `--rounds` times; medians are printed,
with `thin/ours` the ratio of the totals and `healthz/ours` our no-op's
workers' CPU over this path's total. `ceiling` is what the views alone
allow on the same cores: the thin total over the thin total plus our
background's, the most `thin/ours` could be with a request path exactly as
cheap as the thin one (for a write, the floor under its throughput goal;
on PostgreSQL it is higher than the truth, as the background's statements
cost the server CPU too, counted under `database`).

    .venv/bin/python bench/bench_http_cpu.py [--rounds 3] [--duration 3]
        [--stores sqlite,postgres] [--only SUBSTRING[,SUBSTRING...]]

`make bench` runs it on the two writes (`--rounds 1 --only "record a
generation,submit an application"`), so their floor is measured in the
same run as their throughput.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_http as bh  # noqa: E402
import common  # noqa: E402
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


def cpu_of(pids: list[int]) -> dict[int, float]:
    """Each process's CPU seconds so far (one that ended meanwhile: none)."""
    found = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_of(pids).values())


def background(pid: int) -> list[int]:
    """Our background worker under `labledger serve` (`python -m api.workers`)."""
    found = []
    for child in _descendants(pid):
        try:
            if b"api.workers" in _cmdline(child):
                found.append(child)
        except OSError:
            continue
    return found


def database(store: str) -> list[int]:
    """On PostgreSQL, every process of the server (backends, WAL writer,
    checkpointer): the statements' cost wherever the server spends it."""
    if store != "postgres":
        return []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if _cmdline(int(entry)).startswith(b"postgres"):
                    found.append(int(entry))
            except OSError:
                continue
    return found


@dataclass
class Server:
    base: str
    workers: list[int]
    background: list[int]


PARTS = ("workers", "background", "database")


def measure(server: Server, store: str, target: bh.Target, duration: float) -> dict[str, float]:
    """CPU us per request of each part, for one wrk run of `target`."""
    etag = bh.current_tag(server.base, target)
    pg = cpu_of(database(store))
    before = [cpu_seconds(server.workers), cpu_seconds(server.background)]
    run = bh.wrk(server.base, target, duration, etag)
    workers = cpu_seconds(server.workers)
    if server.background:
        servers.wait_views(server.base)  # the views' share of the writes, all of it
    # A backend started during the run (a thread's first connection) counts whole.
    spent = sum(cpu - pg.get(pid, 0.0) for pid, cpu in cpu_of(database(store)).items())
    after = [workers - before[0], cpu_seconds(server.background) - before[1], spent]
    requests = run.rps * duration
    return {part: used / requests * 1e6 for part, used in zip(PARTS, after, strict=True)}


def bench_store(store: str, url: str, tmp: Path, rounds: int, duration: float, only: str) -> None:
    paths, programs = bh.seed_store(url, tmp / "signing.key")
    real, ref, real_base, ref_base = servers.serve(url, tmp / "signing.key", programs, tmp)
    try:
        servers.wait_views(real_base)
        ours = Server(real_base, workers(real.pid), background(real.pid))
        thin = Server(ref_base, workers(ref.pid), [])
        noop = bh.Target("no-op /healthz", "/healthz", reference=False)
        wanted = only.split(",")
        targets = [p for p in paths if any(w in p.name for w in wanted)] + [noop]
        mine: dict[str, list[dict[str, float]]] = {}
        theirs: dict[str, list[dict[str, float]]] = {}
        # The reads first, all their rounds, then the writes: an application
        # written joins the roster read, and the thin roster decodes every one.
        for batch in ([p for p in targets if not p.body], [p for p in targets if p.body]):
            for p in batch:  # warm, unmeasured: each worker's first requests
                for server in (ours, thin) if p.reference else (ours,):
                    bh.wrk(server.base, p, 1, bh.current_tag(server.base, p))
            for _ in range(rounds):
                for p in batch:
                    mine.setdefault(p.name, []).append(measure(ours, store, p, duration))
                    if p.reference:
                        theirs.setdefault(p.name, []).append(measure(thin, store, p, duration))
    finally:
        servers.stop(real)
        servers.stop(ref)
    report(store, mine, theirs, noop.name)


def _median(samples: list[dict[str, float]]) -> dict[str, float]:
    parts = {part: statistics.median(s[part] for s in samples) for part in PARTS}
    return parts | {"total": statistics.median(sum(s.values()) for s in samples)}


def report(
    store: str,
    mine: dict[str, list[dict[str, float]]],
    theirs: dict[str, list[dict[str, float]]],
    noop: str,
) -> None:
    noop_us = _median(mine[noop])["workers"]
    rows = []
    for name, samples in mine.items():
        ours = _median(samples)
        row = [name, *(f"{ours[part]:,.0f}" for part in (*PARTS, "total"))]
        if name in theirs:
            thin = _median(theirs[name])
            row += [f"{thin['workers']:,.0f}", f"{thin['database']:,.0f}", f"{thin['total']:,.0f}"]
            row.append(common.ratio(thin["total"], ours["total"]))
            row.append(common.ratio(thin["total"], thin["total"] + ours["background"]))
        else:
            row += ["", "", "", "", ""]
        rows.append([*row, common.ratio(noop_us, ours["total"])])
    header = ["path (CPU us a request)", *PARTS, "total"]
    header += ["thin workers", "thin database", "thin total", "thin/ours", "ceiling"]
    header.append("healthz/ours")
    print(f"\n**Server CPU per request, {store}**\n")
    print(common.table(header, rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument(
        "--only", default="", help="only the paths whose name holds this (or one of a, b, ...)"
    )
    parser.add_argument("--postgres", default=common.POSTGRES)
    args = parser.parse_args()
    print(f"machine: {common.machine()}", flush=True)
    for store in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if store == "sqlite":
                url = f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}"
                bench_store(store, url, Path(tmp), args.rounds, args.duration, args.only)
                continue
            with common.postgres_schema(args.postgres) as url:
                if url is not None:
                    bench_store(store, url, Path(tmp), args.rounds, args.duration, args.only)


if __name__ == "__main__":
    main()
