"""Scale (issue 15, item 4): the same reads at a small and a large log, the
views' rebuild against a raw scan of the same store, `verify store`'s peak
memory and speed, proofs, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_scale.py [--events 1000000] [--small 1000]
        [--stores sqlite,postgres] [--view-budget SECONDS]

Each store is seeded through the application (`seed.py`: the one-artist
program the reads ask for, then generations saved in bulk, many aggregates
per transaction), its transparency tree built by the server's own tree
builder, and its views by `projections rebuild` (all five in one pass over
the log, `projections.bulk`). `--view-budget` bounds each view's catch-up
after it; a view that did not reach the head says where it stopped, and the
reads of that size read it there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import common
import seed

from api.bootstrap import System, init_store, start
from ledger.settings import Settings
from projections.feed import feed
from projections.rebuild import rebuild_all
from transparency.follower import TreeBuilder
from transparency.store import TreeStore

READS = ("roster", "registry lookup", "work", "participant", "event feed page", "proof")


@dataclass
class Result:
    events: int = 0
    seed_rate: float = 0.0
    tree_rate: float = 0.0
    view_rate: float = 0.0  # log events through all the views (a rebuild), per second
    views_at: int = 0  # the lowest position a view reached
    scan_rate: float = 0.0  # raw notification rows per second
    verify_rate: float = 0.0
    verify_rss_mb: float = 0.0
    reads: dict[str, float] = field(default_factory=dict)


def reads(system: System, target: seed.Program) -> dict[str, float]:
    """Median ms of each read, as its HTTP view calls the read models."""
    models, people, log = system.read_models, system.people, system.log
    pid, work, content = str(target.artists[0]), str(target.works[0]), target.hashes[0]
    head = log.head()
    tree = TreeStore(system.db)
    size = tree.head().size

    def roster() -> None:
        body = models.roster(target.slug)
        people.many(e["id"] for e in body["applications"])

    def participant() -> None:
        models.application(pid)
        people.get(pid)
        models.generations(pid, limit=20)
        models.works(owner=pid, limit=20)

    return {
        "roster": common.median_ms(roster),
        "registry lookup": common.median_ms(lambda: models.works(sha256=content)),
        "work": common.median_ms(lambda: models.work(work)),
        "participant": common.median_ms(participant),
        "event feed page": common.median_ms(lambda: feed(log, max(head - 100, 0), 100)),
        "proof": common.median_ms(lambda: tree.inclusion_proof(size // 2, size), runs=1000),
    }


def scan_rate(system: System) -> float:
    """The baseline: page through every stored notification, nothing decoded."""
    recorder = system.store.ledger.recorder
    started, start, count = time.perf_counter(), 1, 0
    while True:
        page = recorder.select_notifications(start, 500)
        if not page:
            break
        count += len(page)
        start = page[-1].id + 1
    return count / (time.perf_counter() - started)


def verify(settings: Settings) -> tuple[float, float]:
    """`labledger verify store` in a process of its own: (leaves/s, peak RSS MB)."""
    env = os.environ | {
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY_FILE": str(settings.signing_key_file),
    }
    command = [str(Path(sys.executable).with_name("labledger")), "verify", "store"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, cwd=common.ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    out = process.stdout.read().decode() if process.stdout else ""
    if status != 0:
        raise RuntimeError(f"verify store failed ({status}): {out}")
    rate = out.rsplit("(", 1)[1].split()[0]  # "checked in 1.2 s (12,345 leaves/s)"
    return float(rate.replace(",", "")), usage.ru_maxrss / 1024  # Linux: KiB


def measure(url: str, key: Path, events: int, view_budget: float) -> Result:
    settings = Settings(database_url=url, signing_key_file=key)
    init_store(settings)
    system = start(settings)
    result = Result()
    target = seed.program(system)
    seconds = seed.generations(system, events)
    result.events = system.log.head()
    result.seed_rate = result.events / max(seconds, 1e-9)

    started = time.perf_counter()
    builder = TreeBuilder(system.log, system.db, settings, batch=5000)
    builder.sign(builder.catch_up())
    result.tree_rate = result.events / (time.perf_counter() - started)

    # Before the rebuild: a child's peak RSS (wait4) counts this process's
    # at its exec, and the rebuild's buffers would show as verify's.
    result.verify_rate, result.verify_rss_mb = verify(settings)

    # `projections rebuild` of all five views (one pass over the log, then
    # the switch) right after the raw scan of the same store, its baseline;
    # `view_budget` bounds only the catch-up of a rebuild that failed.
    views = list(system.read_models.followers.values())
    result.scan_rate = scan_rate(system)
    started = time.perf_counter()
    rebuild_all(views, grace=0)
    result.view_rate = result.events / (time.perf_counter() - started)
    for follower in views:
        follower.catch_up(budget=view_budget)
    result.views_at = min(follower.position() for follower in views)
    result.reads = reads(system, target)
    system.close()
    return result


def store_pair(url: str, tmp: Path, small: int, large: int, budget: float) -> tuple[Result, Result]:
    out = []
    for n in (small, large):
        started = time.perf_counter()
        if url.startswith("sqlite"):
            at = f"sqlite:///{tmp / f'scale-{n}.sqlite3'}"
            out.append(measure(at, tmp / "signing.key", n, budget))
        else:
            with common.postgres_schema(url) as at:
                out.append(measure(at, tmp / "signing.key", n, budget))
        print(f"  {n:,} events measured in {time.perf_counter() - started:.0f} s", flush=True)
    return out[0], out[1]


def report(name: str, small: Result, large: Result) -> None:
    s, m = f"{small.events:,}", f"{large.events:,}"
    rows = [
        [
            f"{read} (ms)",
            f"{small.reads[read]:.3f}",
            f"{large.reads[read]:.3f}",
            common.ratio(large.reads[read], small.reads[read]),
            "<= 1.2" if read != "proof" else "<= 1 ms",
        ]
        for read in READS
    ]
    rows += [
        [
            "projections rebuild (all 5 views), events/s",
            f"{small.view_rate:,.0f}",
            f"{large.view_rate:,.0f}",
            "",
            "",
        ],
        [
            "raw notification scan, rows/s (baseline)",
            f"{small.scan_rate:,.0f}",
            f"{large.scan_rate:,.0f}",
            "",
            "",
        ],
        [
            "rebuild / raw scan",
            common.ratio(small.view_rate, small.scan_rate),
            common.ratio(large.view_rate, large.scan_rate),
            "",
            ">= 0.5",
        ],
        [
            "`verify store` peak RSS (MB)",
            f"{small.verify_rss_mb:.0f}",
            f"{large.verify_rss_mb:.0f}",
            f"+{large.verify_rss_mb - small.verify_rss_mb:.0f} MB",
            "<= +50 MB",
        ],
        [
            "`verify store` leaves/s",
            f"{small.verify_rate:,.0f}",
            f"{large.verify_rate:,.0f}",
            "",
            "",
        ],
        ["seeding, events/s (bulk saves)", "", f"{large.seed_rate:,.0f}", "", ""],
        ["tree builder, leaves/s", "", f"{large.tree_rate:,.0f}", "", ""],
    ]
    print(f"\n**Scale, {name}** (views at position {large.views_at:,} of {large.events:,})\n")
    print(common.table(["", s, m, "ratio", "goal"], rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--view-budget", type=float, default=600.0)
    parser.add_argument("--postgres", default=common.POSTGRES)
    args = parser.parse_args()
    print(f"machine: {common.machine()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.stores.split(","):
            url = f"sqlite:///{tmp}" if name == "sqlite" else args.postgres
            if name == "postgres" and common.postgres_version(url) is None:
                print("postgres skipped: no server answers", flush=True)
                continue
            print(f"{name}: {args.small:,} and {args.events:,} events", flush=True)
            small, large = store_pair(url, Path(tmp), args.small, args.events, args.view_budget)
            report(name, small, large)


if __name__ == "__main__":
    main()
