"""HTTP (issue 15, items 1-3): each path of `labledger serve` against the
thinnest Flask code doing the same work (`reference_app.py`), side by side,
with wrk over loopback, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_http.py [--duration 5] [--stores sqlite,postgres]

Both are served by gunicorn with the server's settings (`api.gunicorn_conf`,
2 workers); the real one by `labledger serve --workers 2` with its background
worker (followers, tree builder, dispatcher) running. Each path runs
`wrk -t2 -c16` for `--duration` seconds, real then reference. Prints req/s,
p50/p99 latency and the ratios to the reference and to the no-op `/healthz`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import common
import seed
import servers

from api.bootstrap import init_store, start
from api.demo import load_demo
from ledger.actors import Role
from ledger.domain import Program
from ledger.settings import Settings

LUA = Path(__file__).with_name("wrk") / "request.lua"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    token: str = ""
    method: str = "GET"
    body: str = ""  # "generation" | "application": a unique body per request
    etag: bool = False  # send If-None-Match with the path's current ETag
    reference: bool = True  # measured on the reference app too (else: against the no-op)


@dataclass
class Run:
    rps: float
    p50: float  # ms
    p99: float
    errors: int
    ok: int = 0  # responses without an error status


def wrk(base: str, p: Target, duration: float, etag: str = "") -> Run:
    env = os.environ | {
        "BENCH_METHOD": p.method,
        "BENCH_BODY": p.body,
        "BENCH_TOKEN": p.token,
        "BENCH_ETAG": etag,
        "BENCH_SALT": os.urandom(20).hex(),
    }
    command = ["wrk", "-t2", "-c16", f"-d{round(duration)}s", "-s", str(LUA), base + p.path]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRKJSON "))
    got = json.loads(line[len("WRKJSON ") :])
    seconds = got["duration_us"] / 1e6
    errors = got["status_errors"] + got["socket_errors"]
    ok = got["requests"] - got["status_errors"]
    return Run(got["requests"] / seconds, got["p50_us"] / 1000, got["p99_us"] / 1000, errors, ok)


def seed_store(url: str, key: Path) -> tuple[list[Target], dict[str, str]]:
    """The demo, a one-artist program with one work, and the tokens; the
    paths to measure, and the reference app's map of program slugs to ids."""
    settings = Settings(database_url=url, signing_key_file=key)
    init_store(settings)
    system = start(settings)
    load_demo(system, echo=lambda _: None)
    one = seed.program(system, artists=1, works_each=1, tag="one-")
    staff = system.tokens.create(Role.STAFF, name="bench staff").token
    auditor = system.tokens.create(Role.AUDITOR, name="bench auditor").token
    pid = one.artists[0]
    artist = system.tokens.create(Role.ARTIST, pid, name="bench artist").token
    after = max(system.log.head() - 100, 0)
    system.close()
    work = one.works[0]
    paths = [
        Target("roster of a one-artist program (staff)", f"/v1/programs/{one.slug}/roster", staff),
        Target("registry lookup by hash (anonymous)", f"/v1/works?sha256={one.hashes[0]}"),
        Target("work page (HTML)", f"/works/{work}"),
        Target("GET /v1/works/{id}", f"/v1/works/{work}"),
        Target("event feed page (auditor, 100 events)", f"/v1/events?after={after}", auditor),
        Target("participant record (artist, own)", f"/v1/participants/{pid}", artist),
        Target(
            "conditional GET of the roster (304)",
            f"/v1/programs/{one.slug}/roster",
            staff,
            etag=True,
        ),
        Target(
            "record a generation (artist)",
            f"/v1/participants/{pid}/generations",
            artist,
            "POST",
            "generation",
        ),
        Target(
            "submit an application (staff)",
            f"/v1/programs/{one.slug}/applications",
            staff,
            "POST",
            "application",
        ),
    ]
    return paths, {one.slug: str(Program.create_id(one.slug))}


def bench_store(url: str, tmp: Path, duration: float) -> list[list[str]]:
    key = tmp / "signing.key"
    paths, programs = seed_store(url, key)
    real, ref, real_base, ref_base = servers.serve(url, key, programs, tmp)
    try:
        servers.wait_views(real_base)
        if url.startswith("sqlite"):
            with sqlite3.connect(url[len("sqlite:///") :]) as conn:
                mode = conn.execute("PRAGMA synchronous").fetchone()[0]
            print(f"  SQLite synchronous = {mode} (2: FULL, every commit durable)", flush=True)
        for p in paths:  # every path answers as expected before it is timed
            if p.method == "GET":
                for base in (real_base, ref_base) if p.reference else (real_base,):
                    status, _ = servers.fetch(base + p.path, p.token)
                    if status != 200:
                        raise RuntimeError(f"{base}{p.path}: {status}")
        noop = wrk(real_base, Target("no-op", "/healthz"), duration)
        rows = []
        for p in paths:
            servers.wait_views(real_base)  # the last path's writes applied: each path starts quiet
            etag = current_tag(real_base, p)
            before = servers.log_head(real_base)
            mine = wrk(real_base, p, duration, etag)
            stored = servers.log_head(real_base) - before
            theirs = wrk(ref_base, p, duration, current_tag(ref_base, p)) if p.reference else None
            rows.append(row(p.name, mine, theirs, noop))
            # Every acknowledged write is in the log (one event each; PostgreSQL
            # positions may skip, so the head can only run ahead).
            written = f"; {mine.ok:,} acknowledged, log grew by {stored:,}" if p.body else ""
            print(f"  {p.name}: {mine.rps:,.0f} req/s{written}", flush=True)
            if p.body and stored < mine.ok:
                raise RuntimeError(f"{p.name}: {mine.ok} acknowledged, {stored} in the log")
        rows.append(row("no-op `/healthz`", noop, None, noop))
        return rows
    except Exception:
        for log in ("real.log", "reference.log"):  # the servers' side of a failure
            print(f"--- {log}\n" + (tmp / log).read_text()[-3000:], flush=True)
        raise
    finally:
        servers.stop(real)
        servers.stop(ref)


def current_tag(base: str, p: Target) -> str:
    """The path's ETag, for its If-None-Match (checked to answer 304), or ""."""
    if not p.etag:
        return ""
    _, headers = servers.fetch(base + p.path, p.token)
    etag = headers.get("ETag", "")
    status, _ = servers.fetch(base + p.path, p.token, etag)
    if status != 304:
        print(f"  {base}{p.path}: If-None-Match answered {status}, not 304", flush=True)
    return etag


def row(name: str, mine: Run, theirs: Run | None, noop: Run) -> list[str]:
    errors = f" ({mine.errors} errors)" if mine.errors else ""
    return [
        name,
        f"{mine.rps:,.0f}{errors}",
        f"{mine.p50:.1f} / {mine.p99:.1f}",
        f"{theirs.rps:,.0f}" if theirs else "",
        f"{theirs.p50:.1f} / {theirs.p99:.1f}" if theirs else "",
        common.ratio(mine.rps, theirs.rps) if theirs else "",
        common.ratio(mine.rps, noop.rps),
    ]


HEADER = ["path", "req/s", "p50 / p99 ms", "thin req/s", "thin p50 / p99", "× thin", "× no-op"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--postgres", default=common.POSTGRES)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("bench_http skipped: wrk is not installed (apt-get install wrk)")
        return
    print(f"machine: {common.machine()}", flush=True)
    for name in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if name == "sqlite":
                rows = bench_store(f"sqlite:///{tmp}/http.sqlite3", Path(tmp), args.duration)
            else:
                with common.postgres_schema(args.postgres) as url:
                    if url is None:
                        continue
                    rows = bench_store(url, Path(tmp), args.duration)
        print(f"\n**HTTP, {name}** (wrk -t2 -c16 -d{args.duration:g}s, gunicorn 2 workers)\n")
        print(common.table(HEADER, rows), flush=True)


if __name__ == "__main__":
    main()
