"""Issue 14's "done when", with a client we did not write: Go's reference
tlog implementation (golang.org/x/mod/sumdb/note and tlog, the code behind
the Go checksum database) reads a running `labledger serve`'s log over HTTP
as C2SP tlog-tiles and verifies it: the checkpoint's signature with the
vkey we publish, the tiles against its root, leaves' inclusion from the
entry bundles, and consistency with an earlier checkpoint. The client is
tests/interop_go; it is built offline from Debian's golang-go and
golang-golang-x-mod-dev."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import Server, stop_server
from tests.integration.interop_support import serve, settings_for, wait_for
from transparency import cosignature, note

SOURCE = Path(__file__).resolve().parents[1] / "interop_go"
X_MOD = Path("/usr/share/gocode/src/golang.org/x/mod")


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(
            f"{reason}: CI must run the Go client (apt-get install golang-go golang-golang-x-mod-dev)"
        )
    pytest.skip(reason)


@pytest.fixture(scope="module")
def go_client(tmp_path_factory) -> Path:
    """The client, built from a copy of its sources with no network."""
    go = shutil.which("go")
    if go is None:
        _missing("no `go` (Debian: golang-go)")
    if not (X_MOD / "sumdb" / "tlog" / "tlog.go").exists():
        _missing(f"no golang.org/x/mod sources in {X_MOD} (Debian: golang-golang-x-mod-dev)")
    work = tmp_path_factory.mktemp("interop_go")
    shutil.copytree(SOURCE, work / "src")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOPROXY="off",
        GOFLAGS="-mod=mod",
        GOTOOLCHAIN="local",
        GOCACHE=str(work / "cache"),
        GOPATH=str(work / "gopath"),
    )
    binary = work / "interopgo"
    build = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=work / "src",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    return binary


@dataclass
class Log:
    server: Server
    signer: note.Signer
    prefix: str


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Iterator[Log]:
    tmp_path = tmp_path_factory.mktemp("go_log")
    server, signer, settings = serve(tmp_path, settings_for(tmp_path), None)
    try:
        yield Log(server, signer, f"{server.base}/log")
    finally:
        stop_server(server.process)


def go(client: Path, log: Log, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    key = key or log.signer.verifier.vkey
    return subprocess.run(
        [str(client), "-key", key, *args, log.prefix],
        capture_output=True,
        text=True,
        timeout=60,
    )


def size_of(log: Log) -> int:
    return int(requests.get(f"{log.prefix}/checkpoint").text.split("\n")[1])


def test_gos_tlog_verifies_the_log_and_its_growth_through_the_tiles(go_client, log, tmp_path):
    vkey = requests.get(f"{log.server.base}/v1/transparency/public-key").text.strip()
    assert vkey == log.signer.verifier.vkey  # what we publish is what Go is given
    first = go(go_client, log, "-all", "-save", str(tmp_path / "first.txt"), key=vkey)
    assert first.returncode == 0, first.stderr
    size = int((tmp_path / "first.txt").read_text().split("\n")[1])
    origin = log.prefix.removeprefix("http://")
    assert first.stdout.startswith(f"OK: log {origin} size {size} root ")
    assert f"all {size} entries hash to the verified tiles" in first.stdout
    assert size < 256  # the growth below crosses the first full tile
    staff = log.server.token("staff")
    for n in range(300 - size):
        body = {
            "artist_name": f"Applicant {n}",
            "email": f"a{n}@example.org",
            "portfolio_url": "https://portfolio.example.org/a",
            "statement": "s",
        }
        response = requests.post(
            f"{log.server.base}/v1/programs/seoul-2026/applications", json=body, headers=staff
        )
        assert response.status_code == 201, response.text
    wait_for("a checkpoint past 256 leaves", lambda: size_of(log) > 256)
    later = go(
        go_client,
        log,
        "-old",
        str(tmp_path / "first.txt"),
        "-all",
        "-leaf",
        "0",
        "-leaf",
        str(size),
        "-leaf",
        "255",
        "-leaf",
        "256",
    )
    assert later.returncode == 0, later.stderr
    assert f"consistent with the old checkpoint of size {size}" in later.stdout
    assert f"inclusion of leaves [0 {size} 255 256] proved" in later.stdout
