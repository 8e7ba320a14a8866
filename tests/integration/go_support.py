"""Go's reference tlog client (tests/interop_go), built once a test run.

Three modules run it, on either of xdist's workers: each used to build it
with a cold GOCACHE (seconds of a two-core machine, three times a run). It
is now built into a directory every process of the run sees, named for the
sources and the compiler, under a file lock: the first caller builds, the
others wait and take its binary, or its compiler output when it failed."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "interop_go"
X_MOD = Path("/usr/share/gocode/src/golang.org/x/mod")
BINARY = "interopgo"
FAILED = "build-failed.txt"


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the Go client (see .ci/run)")
    pytest.skip(reason)


def run_directory(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    """A directory shared by every process of this run: an xdist worker's
    basetemp is `<the controller's basetemp>/popen-gwN`, so its parent;
    without xdist, basetemp itself (its parent holds earlier runs too)."""
    base = factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def fingerprint(go: str, source: Path) -> str:
    """The sources' names and bytes and `go version`."""
    digest = hashlib.sha256()
    version = subprocess.run([go, "version"], capture_output=True, check=True).stdout
    for part in [version, *_files(source)]:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()[:16]


def _files(source: Path) -> list[bytes]:
    files = sorted(p for p in source.rglob("*") if p.is_file())
    return [b for p in files for b in (p.relative_to(source).as_posix().encode(), p.read_bytes())]


def built(go: str, source: Path, root: Path) -> Path:
    """The binary built from `source` under `root` by whichever caller came
    first; a failed build fails every caller with the compiler's output."""
    work = root / f"interop_go-{fingerprint(go, source)}"
    work.mkdir(parents=True, exist_ok=True)
    binary, failed = work / BINARY, work / FAILED
    with open(work / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not binary.exists() and not failed.exists():
            compile_client(go, source, work)
    if failed.exists():
        pytest.fail(f"go build of {source} failed:\n{failed.read_text()}", pytrace=False)
    return binary


def compile_client(go: str, source: Path, work: Path) -> None:
    """Offline, into a temporary name renamed into place: a build killed
    half-way leaves neither the binary nor the failure behind."""
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(source, src)  # the build may write go.mod/go.sum: never into the tree
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOPROXY="off",
        GOFLAGS="-mod=mod",
        GOTOOLCHAIN="local",
        GOCACHE=str(work / "cache"),
        GOPATH=str(work / "gopath"),
    )
    partial = work / f"{BINARY}.{os.getpid()}.partial"
    try:
        build = subprocess.run(
            [go, "build", "-o", str(partial), "."],
            cwd=src,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        ok, output = build.returncode == 0, build.stdout + build.stderr
    except subprocess.TimeoutExpired as timeout:
        stderr = timeout.stderr or b""  # bytes here even under text=True
        stderr = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
        ok, output = False, f"timed out after {timeout.timeout} s\n{stderr}"
    if ok:
        partial.replace(work / BINARY)
        return
    partial.unlink(missing_ok=True)
    record = work / f"{FAILED}.{os.getpid()}.partial"
    record.write_text(output)
    record.replace(work / FAILED)


def go_client(config: pytest.Config, factory: pytest.TempPathFactory) -> Path:
    """The client, or a skip (a failure under CI) saying what is missing."""
    go = shutil.which("go")
    if go is None:
        missing("no `go` (Debian: golang-go)")
    if not (X_MOD / "sumdb" / "tlog" / "tlog.go").exists():
        missing(f"no golang.org/x/mod sources in {X_MOD} (Debian: golang-golang-x-mod-dev)")
    return built(go, SOURCE, run_directory(config, factory))
