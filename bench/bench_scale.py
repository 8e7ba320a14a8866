"""Scale (issue 15, item 4): the same reads at a small and a large log, the
views' rebuild against a raw scan of the same store, `verify store`'s peak
memory and speed, proofs, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_scale.py [--events 1000000] [--small 1000]
        [--stores sqlite,postgres] [--postgres-events N] [--view-budget SECONDS]

Each store is seeded through the application (`seed.py`: the one-artist
program the reads ask for, then generations saved in bulk, many aggregates
per transaction) while the server's own tree builder follows it in a process
of its own (`pipeline.py`); its views are then built by `projections rebuild`
(all five in one pass over the log, `projections.bulk`) right after a raw
notification scan of the same store, its baseline, and a pass that reads and
decodes every event as the rebuild does but applies it to no view (the
ceiling of any rebuild that decodes in Python), while `verify store` runs in
another process beside them; the reads are timed last, on quiet stores,
both sizes in turns (ten rounds of a short median at each), so that a
shared machine's slow spells weigh on both sides of each ratio alike.
`--view-budget` bounds each view's catch-up after the rebuild; a view that did
not reach the head says where it stopped, and the reads of that size read it
there. Each size prints the wall seconds of each stage and the CPU seconds of
each process (on a shared machine, the floor).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import common
import pipeline
import seed

from api.bootstrap import System, init_store, start
from ledger.settings import Settings
from projections import bulk
from projections.feed import feed
from projections.rebuild import rebuild_all
from transparency.store import TreeStore

READS = ("roster", "registry lookup", "work", "participant", "event feed page", "proof")
ROUNDS = 10  # turns of the reads at each size (`time_reads`)


@dataclass
class Result:
    events: int = 0
    seed_rate: float = 0.0
    tree_rate: float = 0.0  # leaves per second of the builder's appending
    tree_lag: float = 0.0  # seconds from the last save to the signed tree at the head
    view_rate: float = 0.0  # log events through all the views (a rebuild), per second
    views_at: int = 0  # the lowest position a view reached
    scan_rate: float = 0.0  # raw notification rows per second
    decode_rate: float = 0.0  # the same, each event decoded as the rebuild does
    verify_rate: float = 0.0
    verify_rss_mb: float = 0.0
    reads: dict[str, float] = field(default_factory=dict)
    parts: dict[str, float] = field(default_factory=dict)  # wall seconds of each stage
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds of each process


def read_calls(system: System, target: seed.Program) -> dict[str, Callable[[], object]]:
    """Each read, as its HTTP view calls the read models."""
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
        "roster": roster,
        "registry lookup": lambda: models.works(sha256=content),
        "work": lambda: models.work(work),
        "participant": participant,
        "event feed page": lambda: feed(log, max(head - 100, 0), 100),
        "proof": lambda: tree.inclusion_proof(size // 2, size),
    }


def time_reads(
    small: dict[str, Callable[[], object]], large: dict[str, Callable[[], object]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Median ms of each read at both sizes, timed in turns (ROUNDS rounds of
    a short median at each size, the median of those), so a machine that
    slows down for a while slows both sides of the ratio alike."""
    rounds: dict[str, tuple[list[float], list[float]]] = {read: ([], []) for read in READS}
    for _ in range(ROUNDS):
        for read in READS:
            runs = (1000 if read == "proof" else 200) // ROUNDS
            rounds[read][0].append(common.median_ms(small[read], runs=runs))
            rounds[read][1].append(common.median_ms(large[read], runs=runs))
    return (
        {read: statistics.median(pair[0]) for read, pair in rounds.items()},
        {read: statistics.median(pair[1]) for read, pair in rounds.items()},
    )


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


def decode_rate(system: System) -> float:
    """The rebuild's own reading (`projections.bulk.pages`: pages of the log,
    each event decoded once by the fast decoder), applied to no view: the
    most any rebuild that decodes in Python could reach."""
    head = system.log.head()
    started, count = time.perf_counter(), 0
    for page in bulk.pages(system.log, head):
        count += len(page)
    return count / (time.perf_counter() - started)


def measure(
    url: str, key: Path, events: int, view_budget: float
) -> tuple[Result, System, dict[str, Callable[[], object]]]:
    """Seed, build and check one store; its system stays open for the reads."""
    settings = Settings(database_url=url, signing_key_file=key)
    init_store(settings)
    system = start(settings)
    result = Result()
    target = seed.program(system)
    began = time.perf_counter()
    built = pipeline.seed_and_build(system, settings, events)
    result.events = built.events
    result.seed_rate = built.events / max(built.seed_seconds, 1e-9)
    result.tree_rate = built.leaves / max(built.tree_busy, 1e-9)
    result.tree_lag = built.tree_lag
    result.cpu |= {"seeder": built.seed_cpu, "tree builder": built.tree_cpu}
    result.parts["seed, tree beside it"] = time.perf_counter() - began
    began = time.perf_counter()
    verifying = pipeline.start_verify(settings)  # its own process, beside the views

    # `projections rebuild` of all five views (one pass over the log, then the
    # switch) right after the raw scan of the same store, its baseline;
    # `view_budget` bounds only the catch-up after a rebuild that failed.
    views = list(system.read_models.followers.values())
    result.scan_rate = scan_rate(system)
    result.decode_rate = decode_rate(system)
    started = time.perf_counter()
    rebuild_all(views, grace=0)
    result.view_rate = result.events / (time.perf_counter() - started)
    for follower in views:
        follower.catch_up(budget=view_budget)
    result.views_at = min(follower.position() for follower in views)
    result.parts["scan and rebuild"] = time.perf_counter() - began
    result.verify_rate, result.verify_rss_mb, result.cpu["verify store"] = pipeline.verified(
        verifying
    )
    result.parts["verify store (beside them)"] = time.perf_counter() - began
    return result, system, read_calls(system, target)


def store_pair(url: str, tmp: Path, small: int, large: int, budget: float) -> tuple[Result, Result]:
    out, calls = [], []
    with contextlib.ExitStack() as stack:
        for n in (small, large):
            started = time.perf_counter()
            if url.startswith("sqlite"):
                at = f"sqlite:///{tmp / f'scale-{n}.sqlite3'}"
            else:
                at = stack.enter_context(common.postgres_schema(url))
            result, system, reads = measure(at, tmp / "signing.key", n, budget)
            stack.callback(system.close)
            out.append(result)
            calls.append(reads)
            parts = ", ".join(f"{part} {seconds:.0f} s" for part, seconds in result.parts.items())
            cpu = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.cpu.items())
            print(
                f"  {n:,} events measured in {time.perf_counter() - started:.0f} s ({parts}; "
                f"CPU: {cpu})",
                flush=True,
            )
        started = time.perf_counter()
        out[0].reads, out[1].reads = time_reads(calls[0], calls[1])
        print(f"  reads at both sizes, in turns: {time.perf_counter() - started:.0f} s", flush=True)
    return out[0], out[1]


def _per_second(label: str, small: Result, large: Result, rate: str) -> list[str]:
    """A row of a rate (a `Result` field) at both sizes."""
    return [label, f"{getattr(small, rate):,.0f}", f"{getattr(large, rate):,.0f}", "", ""]


def _over(
    label: str, small: Result, large: Result, rate: str, base: str, goal: str = ""
) -> list[str]:
    """A row of one rate over another (the raw scan) at both sizes."""
    return [
        label,
        common.ratio(getattr(small, rate), getattr(small, base)),
        common.ratio(getattr(large, rate), getattr(large, base)),
        "",
        goal,
    ]


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
        _per_second("projections rebuild (all 5 views), events/s", small, large, "view_rate"),
        _per_second("raw notification scan, rows/s (baseline)", small, large, "scan_rate"),
        _over("rebuild / raw scan", small, large, "view_rate", "scan_rate", ">= 0.5"),
        _per_second(
            "read and decode only (the rebuild's decoder), events/s", small, large, "decode_rate"
        ),
        _over(
            "decode only / raw scan (a Python rebuild's ceiling)",
            small,
            large,
            "decode_rate",
            "scan_rate",
        ),
        [
            "`verify store` peak RSS (MB)",
            f"{small.verify_rss_mb:.0f}",
            f"{large.verify_rss_mb:.0f}",
            f"+{large.verify_rss_mb - small.verify_rss_mb:.0f} MB",
            "<= +50 MB",
        ],
        _per_second("`verify store` leaves/s", small, large, "verify_rate"),
        ["seeding, events/s (bulk saves)", "", f"{large.seed_rate:,.0f}", "", ""],
        ["tree builder, leaves/s (beside the seeding)", "", f"{large.tree_rate:,.0f}", "", ""],
        ["tree signed at the head, s after the last save", "", f"{large.tree_lag:.1f}", "", ""],
    ]
    print(f"\n**Scale, {name}** (views at position {large.views_at:,} of {large.events:,})\n")
    print(common.table(["", s, m, "ratio", "goal"], rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--postgres-events", type=int, help="PostgreSQL's size (default: --events)")
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
            events = args.events if name == "sqlite" else args.postgres_events or args.events
            print(f"{name}: {args.small:,} and {events:,} events", flush=True)
            small, large = store_pair(url, Path(tmp), args.small, events, args.view_budget)
            report(name, small, large)


if __name__ == "__main__":
    main()
