"""In-process write CPU: a loop of test-client POSTs on the writes issue 15
names (record a generation as the artist, submit an application as staff),
with no network and no server: the request pipeline, the command and its
durable save alone. No background worker runs.

Seeds one program with an admitted, granted artist on SQLite, or on
PostgreSQL with `--store URL`. Prints the median CPU and wall microseconds
per POST of each path; `--profile PATH` writes a cProfile of one path.
Run: `.venv/bin/python bench/bench_write_loop.py [--writes 2000]`.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app  # noqa: E402
from tests.helpers import Tokens, make_settings, open_system, seed, sha  # noqa: E402

COUNTER = itertools.count()


def _bodies(client, tokens):
    s = seed(client, tokens, declare=False)

    def generation() -> tuple[str, dict, dict]:
        body = {
            "tool": "video",
            "tool_version": "2.1",
            "output_sha256": sha(f"out-{next(COUNTER)}"),
            "media_type": "video/mp4",
        }
        return f"/v1/participants/{s.participant}/generations", s.artist_headers, body

    def application() -> tuple[str, dict, dict]:
        n = next(COUNTER)
        body = {
            "artist_name": f"Artist {n}",
            "email": f"a{n}@example.org",
            "portfolio_url": "https://portfolio.example.org/a",
            "statement": "I work with moving image and memory.",
        }
        return f"/v1/programs/{s.slug}/applications", tokens.staff, body

    return {"record a generation": generation, "submit an application": application}


def _run(client, make, writes: int) -> None:
    for _ in range(writes):
        path, headers, body = make()
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 201, (path, response.status_code, response.get_json())


def _median_us(client, make, writes: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(5):
        c0, w0 = time.process_time(), time.perf_counter()
        _run(client, make, writes // 5)
        cpu.append((time.process_time() - c0) / (writes // 5) * 1e6)
        wall.append((time.perf_counter() - w0) / (writes // 5) * 1e6)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--store", help="a database URL (default: a fresh SQLite file)")
    parser.add_argument("--profile", help="write a cProfile of --path's writes here")
    parser.add_argument("--path", default="record a generation")
    parser.add_argument("--only", help="time only this path (for perf stat)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}"
        system = open_system(make_settings(url, Path(tmp)))
        app = create_app(make_settings(url, Path(tmp)), system=system)
        client = app.test_client()
        paths = _bodies(client, Tokens(system))
        for make in paths.values():
            _run(client, make, 50)  # warm: caches, pools, imports
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(_run, client, paths[args.path], args.writes)
            profile.dump_stats(args.profile)
        else:
            for name, make in paths.items():
                if args.only and name != args.only:
                    continue
                cpu, wall = _median_us(client, make, args.writes)
                print(f"{name:22} {cpu:7.0f} us CPU {wall:7.0f} us wall per POST")
        system.close()


if __name__ == "__main__":
    main()
