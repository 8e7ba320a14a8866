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
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from api.bootstrap import System, init_store, start
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.log import iter_log
from ledger.settings import Settings

STAFF = Actor("bench", Role.STAFF)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def median_ms(fn, runs: int = 5) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def load(system: System, artists: int) -> tuple[str, int]:
    run = system.bus.handle
    slug = "bench-" + uuid.uuid4().hex[:6]
    today = date.today()  # a generation falls on a day of its program: recorded now
    days = (today - timedelta(days=180), today + timedelta(days=180))
    run(c.OpenProgram(slug, "Bench", "Seoul", *days, artists), STAFF)
    run(c.RegisterTool(slug, "video", "Motion", "Lab", "2.1", ("t2v",), ("no faces",)), STAFF)
    expires = system.store.ledger.clock() + timedelta(days=30)
    middle = 0
    for n in range(artists):
        pid = run(
            c.SubmitApplication(
                slug, f"Artist {n}", f"a{n}@example.org", "https://example.org", "s"
            ),
            STAFF,
        ).result.id
        run(c.AdmitApplicant(pid), STAFF)
        run(c.GrantTool(pid, "video", expires), STAFF)
        artist = Actor(f"artist-{n}", Role.ARTIST, pid)
        generation = run(
            c.RecordGeneration(pid, "video", "2.1", sha(f"out{n}"), "video/mp4"), artist
        ).result.id
        run(c.DeclareOwnership(f"Work {n}", sha(f"work{n}"), (generation,), "mine"), artist)
        if n == artists // 2:
            middle = system.log.head()
    return slug, middle


def replay_until(log: Any, position: int) -> int:
    """The baseline: read and decode the log up to `position` (what any
    replay-based `as_of` must do at the least)."""
    count = 0
    for env in iter_log(log):
        if env["position"] > position:
            break
        count += 1
    return count


def stream_peak_kib(log: Any, upto: int) -> float:
    tracemalloc.start()
    for env in iter_log(log):
        if env["position"] > upto:
            break
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1024


def bench(url: str, artists: int) -> None:
    settings = Settings(database_url=url)
    init_store(settings)
    system = start(settings)
    started = time.perf_counter()
    slug, middle = load(system, artists)
    head = system.log.head()
    print(f"  loaded {head:,} events in {time.perf_counter() - started:.1f} s")

    models = system.read_models
    for name in ("roster", "registry", "audit"):
        started = time.perf_counter()
        models.followers[name].catch_up(budget=600)
        seconds = time.perf_counter() - started
        print(f"  catch-up from 0, {name:<8} {seconds:6.2f} s  ({head / seconds:,.0f} events/s)")

    at_middle = next(iter_log(system.log, middle - 1))["timestamp"]
    middle_instant = datetime.fromisoformat(at_middle.replace("Z", "+00:00"))
    baseline = median_ms(lambda: replay_until(system.log, middle))
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

    small, large = stream_peak_kib(system.log, head // 10), stream_peak_kib(system.log, head)
    print(
        f"  memory streaming the log: {head // 10:,} events {small:,.0f} KiB peak, "
        f"{head:,} events {large:,.0f} KiB peak (x{large / small:.2f})"
    )
    system.close()


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
