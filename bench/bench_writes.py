"""Write-path throughput: Ledger commands against a bare eventsourcing baseline.

Prints commands/s for each store and the ratio to the baseline measured in
the same run (a bare Aggregate saved by a bare Application on the same store).
Run: `.venv/bin/python bench/bench_writes.py [--n 1000] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from api.bootstrap import init_store, start
from ledger import commands as c
from ledger.actors import Actor, Role
from ledger.settings import Settings
from ledger.store import store_env

STAFF = Actor("bench", Role.STAFF)


class Thing(Aggregate):
    @event("Made")
    def __init__(self, name: str) -> None:
        self.name = name


class Bare(Application):
    name = "bare"


def timed(fn, n: int) -> float:
    """Best of 3 runs, in operations per second."""
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        fn(n)
        rates.append(n / (time.perf_counter() - started))
    return max(rates)


def bench_store(url: str, n: int) -> dict[str, float]:
    settings = Settings(database_url=url)
    init_store(settings)
    run = start(settings).bus.handle
    bare = Bare(env=store_env(url, create_table=True) | {"APPLICATION_RECORDER_TOPIC": ""})
    slug = "bench-" + uuid.uuid4().hex[:8]
    run(c.OpenProgram(slug, "Bench", "Seoul", date(2026, 1, 1), date(2026, 12, 31), 10**6), STAFF)

    def baseline(k: int) -> None:
        for i in range(k):
            bare.save(Thing(f"t{i}"))

    applications: list[uuid.UUID] = []

    def submit(k: int) -> None:
        for i in range(k):
            command = c.SubmitApplication(
                slug, f"Artist {i}", f"a{i}@example.org", "https://example.org", "s"
            )
            applications.append(run(command, STAFF).result.id)

    def admit(k: int) -> None:
        for _ in range(k):
            run(c.AdmitApplicant(applications.pop()), STAFF)

    results = {
        "baseline: bare save of 1 new aggregate": timed(baseline, n),
        "submit_application (1 new aggregate)": timed(submit, n),
    }
    # The program aggregate grows by one event per admission: measure a fixed slice.
    results["admit_applicant (get 2, save 2 events)"] = timed(admit, min(n, len(applications) // 3))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    print(
        f"machine: {platform.node()} {platform.machine()} {platform.python_version()}, "
        f"n={args.n}, best of 3"
    )
    stores = {}
    with tempfile.TemporaryDirectory() as tmp:
        stores["sqlite"] = bench_store(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.n)
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            stores["postgres"] = bench_store(f"{args.postgres}?schema={schema}", args.n)
        finally:
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    except psycopg.OperationalError as error:
        print(f"postgres skipped: {error}")
    for store, results in stores.items():
        base = results["baseline: bare save of 1 new aggregate"]
        print(f"\n{store}")
        for name, rate in results.items():
            print(f"  {name:<42} {rate:>9,.0f} ops/s   x{rate / base:.2f} of baseline")


if __name__ == "__main__":
    main()
