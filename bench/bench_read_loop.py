"""In-process read latency: a loop of test-client GETs on the reads issue 15
names (roster, lookup by hash, a work, a participant's record, a feed page),
with no network and no server, so the figures show the request pipeline
alone (`api.body_cache` answers repeated reads from a worker's memory).

Seeds one program of 20 artists on SQLite, or on PostgreSQL with
`--store URL`. Prints the median microseconds per GET of each path.
Run: `.venv/bin/python bench/bench_read_loop.py [--reads 2000]`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.app import create_app  # noqa: E402
from tests.helpers import Tokens, apply, make_settings, open_system, post, seed  # noqa: E402


def _paths(client, tokens) -> dict[str, dict[str, str]]:
    s = seed(client, tokens)
    for n in range(19):
        pid = apply(client, tokens, s.slug, name=f"Artist {n}")
        post(client, f"/v1/applications/{pid}/admit", tokens.staff, None, 200)
    return {
        "roster (staff)": (f"/v1/programs/{s.slug}/roster", tokens.staff),
        "lookup by hash": (f"/v1/works?sha256={s.content_sha256}", {}),
        "work": (f"/v1/works/{s.work}", {}),
        "participant record": (f"/v1/participants/{s.participant}", tokens.staff),
        "feed page": ("/v1/events?limit=50", tokens.staff),
        "/healthz": ("/healthz", {}),
    }


def _median_us(client, path: str, headers: dict[str, str], reads: int) -> float:
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(reads // 5):
            response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - started) / (reads // 5) * 1e6)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--store", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}"
        system = open_system(make_settings(url, Path(tmp)))
        app = create_app(make_settings(url, Path(tmp)), system=system)
        client = app.test_client()
        paths = _paths(client, Tokens(system))
        for name, (path, headers) in paths.items():
            print(f"{name:20} {_median_us(client, path, headers, args.reads):8.0f} us/GET")
        system.close()


if __name__ == "__main__":
    main()
