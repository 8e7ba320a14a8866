"""Read side: roster `as_of` lookups against replaying the log, view catch-up
speed, and the memory of streaming the log (it must stay flat as it grows).

Builds one program of N artists (~7 events each) on SQLite and, when it
answers, PostgreSQL. Prints medians of 5 runs and ratios to the baseline
measured in the same run (reading and decoding the log up to the same point).
Run: `.venv/bin/python bench/bench_reads.py [--artists 1500]`.
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import statistics
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from ledger.application import Actor
from ledger.bootstrap import open_ledger
from ledger.log import iter_log
from ledger.settings import Settings

STAFF = Actor("bench", "staff")


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def median_ms(fn, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def load(ledger, artists: int) -> tuple[str, int]:
    slug = "bench-" + uuid.uuid4().hex[:6]
    ledger.open_program(STAFF, slug, "Bench", "Seoul", "2026-01-01", "2026-12-31", artists)
    ledger.register_tool(STAFF, slug, "video", "Motion", "Lab", "2.1", ["t2v"], ["no faces"])
    expires = ledger.clock() + timedelta(days=30)
    middle = 0
    for n in range(artists):
        pid = uuid.UUID(
            ledger.submit_application(
                STAFF, slug, f"Artist {n}", f"a{n}@example.org", "https://example.org", "s"
            ).body["id"]
        )
        ledger.admit_applicant(STAFF, pid)
        ledger.grant_tool(STAFF, pid, "video", expires)
        artist = Actor(f"artist-{n}", "artist", pid)
        generation = ledger.record_generation(
            artist, pid, "video", "2.1", sha(f"out{n}"), "video/mp4", None, None
        )
        ledger.declare_ownership(
            artist, f"Work {n}", sha(f"work{n}"), [uuid.UUID(generation.body["id"])], "mine"
        )
        if n == artists // 2:
            middle = ledger.max_position()
    return slug, middle


def replay_until(ledger, position: int) -> int:
    """The baseline: read and decode the log up to `position` (what any
    replay-based `as_of` must do at the least)."""
    count = 0
    for env in iter_log(ledger):
        if env["position"] > position:
            break
        count += 1
    return count


def stream_peak_kib(ledger, upto: int) -> float:
    tracemalloc.start()
    for env in iter_log(ledger):
        if env["position"] > upto:
            break
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def bench(url: str, artists: int) -> None:
    from api.cli import init_db
    from projections.service import ReadModels

    settings = Settings(database_url=url)
    init_db(settings)
    ledger = open_ledger(settings)
    started = time.perf_counter()
    slug, middle = load(ledger, artists)
    head = ledger.max_position()
    print(f"  loaded {head:,} events in {time.perf_counter() - started:.1f} s")

    models = ReadModels(ledger)
    for name in ("roster", "registry", "audit"):
        started = time.perf_counter()
        models.followers[name].catch_up(budget=600)
        seconds = time.perf_counter() - started
        print(f"  catch-up from 0, {name:<8} {seconds:6.2f} s  ({head / seconds:,.0f} events/s)")

    at_middle = next(iter_log(ledger, middle - 1))["timestamp"]
    middle_instant = datetime.fromisoformat(at_middle.replace("Z", "+00:00"))
    baseline = median_ms(lambda: replay_until(ledger, middle))
    rows = {
        "baseline: decode the log up to the middle": baseline,
        "current roster": median_ms(lambda: models.roster(slug)),
        "roster as_of position (middle)": median_ms(
            lambda: models.roster(slug, as_of_position=middle)
        ),
        "roster as_of instant (middle)": median_ms(
            lambda: models.roster(slug, as_of_instant=middle_instant)
        ),
    }
    for name, ms in rows.items():
        print(f"  {name:<44} {ms:8.1f} ms   x{ms / baseline:.2f} of baseline")

    small, large = stream_peak_kib(ledger, head // 10), stream_peak_kib(ledger, head)
    print(
        f"  memory streaming the log: {head // 10:,} events {small:,.0f} KiB peak, "
        f"{head:,} events {large:,.0f} KiB peak (x{large / small:.2f})"
    )
    ledger.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artists", type=int, default=1500)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(
        f"machine: {platform.node()} {platform.machine()} Python {platform.python_version()}, "
        f"{args.artists} artists, medians of 5"
    )
    with tempfile.TemporaryDirectory() as tmp:
        print("sqlite")
        bench(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.artists)
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(args.postgres, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as error:  # no server: report and stop
        print(f"postgres skipped: {error}")
        return
    try:
        print("postgres")
        bench(f"{args.postgres}?schema={schema}", args.artists)
    finally:
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
