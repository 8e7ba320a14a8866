"""In-process read latency: direct WSGI calls of the paths `bench_http.py`
measures (roster, lookup by hash, a work, the work's page, a participant's
record, a feed page, the roster's conditional GET (a 304) and the no-op
`/healthz`), on the store it seeds (the demo and a one-artist program), with
no network and no server, so the figures show the request pipeline alone.
Each read is repeated at an unchanged log, so it is the worker's remembered
body (`api.body_cache`), as in `bench_http.py`. On SQLite the thin reference
app (`bench/reference_app.py`) is timed beside it on the same store, path for
path.

Prints the median CPU microseconds per GET of each path (CPU time of this
process, so other work on the machine moves the figures less) (SQLite, or PostgreSQL
with `--store URL`). Run: `.venv/bin/python bench/bench_read_loop.py [--reads 3000]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_http import Target, seed_store  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from api.app import create_app  # noqa: E402
from ledger.settings import Settings  # noqa: E402


def _caller(app: Any, path: str, headers: dict[str, str]) -> Callable[..., str]:
    """One GET as a WSGI server makes it: a fresh environ, the body drained;
    returns its status, or with `etag=True` its ETag."""
    base = EnvironBuilder(path=path, headers=headers).get_environ()
    answer: list[Any] = []

    def start_response(status: str, headers: Any, _exc: Any = None) -> None:
        answer[:] = [status, headers]

    def call(etag: bool = False) -> str:
        body = app(dict(base), start_response)
        for _ in body:
            pass
        getattr(body, "close", lambda: None)()
        return dict(answer[1])["ETag"] if etag else answer[0]

    return call


def _headers(app: Any, target: Target) -> dict[str, str]:
    """The target's token, and for a conditional GET the app's own ETag."""
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    if target.etag:
        headers["If-None-Match"] = _caller(app, target.path, headers)(etag=True)
    return headers


def _median_us(call: Callable[[], str], reads: int) -> float:
    expect = call()[:3]
    if expect not in ("200", "304"):
        raise SystemExit(f"the path answers {expect}")
    samples = []
    for _ in range(5):
        started = time.process_time()  # CPU time: steadier than wall time on shared cores
        for _ in range(reads // 5):
            status = call()
        samples.append((time.process_time() - started) / (reads // 5) * 1e6)
        assert status.startswith(expect), status
    return statistics.median(samples)


HEALTHZ = Target("no-op /healthz", "/healthz")


def _thin(url: str, programs: dict[str, str]) -> Any:
    """The reference app on the same SQLite file, or None on PostgreSQL."""
    if not url.startswith("sqlite:///"):
        return None
    os.environ["REF_DATABASE_URL"] = url
    os.environ["REF_PROGRAMS"] = json.dumps(programs)
    import reference_app

    return reference_app.create_app()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reads", type=int, default=3000)
    parser.add_argument("--store", help="a database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.store or f"sqlite:///{Path(tmp) / 'ledger.sqlite3'}"
        key = Path(tmp) / "signing.key"
        targets, programs = seed_store(url, key)
        app = create_app(Settings(database_url=url, signing_key_file=key))
        thin = _thin(url, programs)
        print(f"{'path':40} {'us/GET':>7} {'thin':>7} {'x thin':>7}")
        for target in [t for t in targets if t.method == "GET"] + [HEALTHZ]:
            ours = _median_us(_caller(app, target.path, _headers(app, target)), args.reads)
            line = f"{target.name:40} {ours:7.0f}"
            if thin is not None and target.reference:
                call = _caller(thin, target.path, _headers(thin, target))
                theirs = _median_us(call, args.reads)
                line += f" {theirs:7.0f} {theirs / ours:7.2f}"
            print(line)


if __name__ == "__main__":
    main()
