"""Issue 14's "done when", with a client we did not write: Go's reference
tlog implementation (golang.org/x/mod/sumdb/note and tlog, the code behind
the Go checksum database) reads a running `labledger serve`'s log over HTTP
as C2SP tlog-tiles and verifies it: the checkpoint's signature with the
vkey we publish, the tiles against its root, leaves' inclusion from the
entry bundles, and consistency with an earlier checkpoint. The client is
tests/interop_go; it is built offline from Debian's golang-go and
golang-golang-x-mod-dev, once a run (tests/integration/go_support.py)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ledger.settings import Settings
from tests.helpers import open_system, wait_for
from tests.integration import go_support
from tests.integration.conftest import Server, stop_server
from tests.integration.interop_support import apply_many, serve, settings_for
from transparency import cosignature, note


@dataclass
class Log:
    server: Server
    signer: note.Signer
    settings: Settings
    prefix: str


@pytest.fixture(scope="module")
def log(tmp_path_factory) -> Iterator[Log]:
    tmp_path = tmp_path_factory.mktemp("go_log")
    server, signer, settings = serve(tmp_path, settings_for(tmp_path), None)
    try:
        yield Log(server, signer, settings, f"{server.base}/log")
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
    apply_many(log.server, 300 - size)
    # all 300, not only past 256: the tests below read the checkpoint, then Go
    # reads it again, and would see two sizes if the tree were still growing
    wait_for("the checkpoint of all 300 leaves", lambda: size_of(log) == 300)
    leaves = [arg for i in (0, size, 255, 256) for arg in ("-leaf", str(i))]
    later = go(go_client, log, "-old", str(tmp_path / "first.txt"), "-all", *leaves)
    assert later.returncode == 0, later.stderr
    assert f"consistent with the old checkpoint of size {size}" in later.stdout
    assert f"inclusion of leaves [0 {size} 255 256] proved" in later.stdout


def test_gos_note_refuses_the_checkpoint_under_another_key(go_client, log):
    impostor = note.Signer(log.signer.name, bytes(range(32))).verifier.vkey  # same name
    refused = go(go_client, log, key=impostor)
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr == "FAIL: checkpoint signature: note has no verifiable signatures\n"
    assert refused.stdout == ""


def _signed_now(log: Log) -> tuple[str, note.Checkpoint]:
    signed = requests.get(f"{log.prefix}/checkpoint").text
    return signed, note.parse_checkpoint(signed.split("\n\n")[0] + "\n")


@pytest.mark.parametrize(
    ("make_old", "reason"),
    [
        pytest.param(
            lambda log, signed, cp: log.signer.sign(
                note.Checkpoint(cp.origin, 5, bytes(32)).text()
            ),
            "the tree of size {size} does not extend the tree of size 5",
            id="another-history-signed-by-the-log-key",
        ),
        pytest.param(
            lambda log, signed, cp: log.signer.sign(
                note.Checkpoint(cp.origin, cp.size, bytes(32)).text()
            ),
            "two roots signed for size {size}",
            id="a-second-root-for-the-same-size",
        ),
        pytest.param(
            lambda log, signed, cp: signed.replace(f"\n{cp.size}\n", f"\n{cp.size - 1}\n", 1),
            "the old checkpoint: checkpoint signature: invalid signature for key {origin}+",
            id="a-size-changed-under-its-signature",
        ),
    ],
)
def test_gos_tlog_catches_an_old_checkpoint_the_log_does_not_extend(
    go_client, log, tmp_path, make_old, reason
):
    signed, cp = _signed_now(log)
    (tmp_path / "old.txt").write_text(make_old(log, signed, cp))
    caught = go(go_client, log, "-old", str(tmp_path / "old.txt"), "-leaf", "0")
    assert caught.returncode == 1, caught.stdout
    expected = "FAIL: " + reason.format(size=cp.size, origin=cp.origin)
    assert caught.stderr.startswith(expected), caught.stderr


def test_gos_note_reads_a_witness_cosigned_checkpoint(go_client, log, tmp_path):
    """A cosignature/v1 line (signature type 0x04, which x/mod cannot verify)
    is a well-formed note signature: Go keeps it aside and verifies ours."""
    signed, cp = _signed_now(log)
    witness = cosignature.Cosigner("witness.test/go", bytes(range(32, 64)))
    line = witness.cosign(cp.text(), 1_700_000_000)
    (tmp_path / "old.txt").write_text(cosignature.with_cosignatures(signed, [line]))
    read = go(go_client, log, "-old", str(tmp_path / "old.txt"))
    assert read.returncode == 0, read.stderr
    assert "which carries 1 signature(s) by keys not given" in read.stdout


def test_the_origin_must_be_the_tiles_prefix(go_client, log):
    refused = go(go_client, log, "-origin", "labledger.local/log")
    assert refused.returncode == 1
    origin = log.prefix.removeprefix("http://")
    assert refused.stderr == (
        f'FAIL: checkpoint origin "{origin}", expected "labledger.local/log"\n'
    )


def test_gos_tlog_catches_an_entry_that_does_not_hash_to_its_tile(go_client, log):
    """The entry bundles are checked, not trusted: a stored leaf changed
    without rebuilding the tree fails both the inclusion proof and -all."""
    system = open_system(log.settings)
    try:
        original = system.db.fetchone("SELECT leaf FROM {t}tlog_leaves WHERE idx = 3")["leaf"]
        system.db.execute("UPDATE {t}tlog_leaves SET leaf = ? WHERE idx = 3", ('{"x":1}',))
        proved = go(go_client, log, "-leaf", "3")
        assert proved.returncode == 1
        assert proved.stderr.startswith("FAIL: leaf 3's entry is not in the tree: ")
        every = go(go_client, log, "-all")
        assert every.returncode == 1
        assert every.stderr == "FAIL: entry 3 does not hash to its leaf hash\n"
    finally:
        system.db.execute("UPDATE {t}tlog_leaves SET leaf = ? WHERE idx = 3", (original,))
        system.close()
    assert go(go_client, log, "-leaf", "3", "-all").returncode == 0


@pytest.fixture
def go_tool() -> str:
    return shutil.which("go") or go_support.missing("no `go` (Debian: golang-go)")


def _tiny(tmp_path: Path, body: str) -> Path:
    source = tmp_path / "tiny"
    source.mkdir(exist_ok=True)
    (source / "go.mod").write_text("module tiny\n\ngo 1.19\n")
    (source / "main.go").write_text(f"package main\n\n{body}\n")
    return source


def _counting_builds(monkeypatch) -> list[Path]:
    builds: list[Path] = []
    compile_client = go_support.compile_client

    def counted(go: str, source: Path, work: Path) -> None:
        builds.append(work)
        compile_client(go, source, work)

    monkeypatch.setattr(go_support, "compile_client", counted)
    return builds


def test_the_client_is_built_once_for_every_caller_of_a_run(go_tool, tmp_path, monkeypatch):
    """Callers holding the lock in turn, as xdist's workers do: the first
    builds, the second takes its binary; changed sources are built anew."""
    source = _tiny(tmp_path, 'import "fmt"\n\nfunc main() { fmt.Println("built") }')
    builds = _counting_builds(monkeypatch)
    with ThreadPoolExecutor(2) as pool:
        binaries = set(pool.map(lambda _: go_support.built(go_tool, source, tmp_path), range(2)))
    assert len(builds) == 1
    (binary,) = binaries
    assert subprocess.run([str(binary)], capture_output=True, text=True).stdout == "built\n"
    _tiny(tmp_path, "func main() {}")
    assert go_support.built(go_tool, source, tmp_path) != binary
    assert len(builds) == 2


def test_a_failed_build_fails_every_caller_with_the_compilers_output(
    go_tool, tmp_path, monkeypatch
):
    source = _tiny(tmp_path, "func main() { notHere() }")
    builds = _counting_builds(monkeypatch)
    for _ in range(2):
        with pytest.raises(pytest.fail.Exception, match="undefined: notHere"):
            go_support.built(go_tool, source, tmp_path)
    assert len(builds) == 1  # the second caller reads the first's output
    assert not [p.name for p in builds[0].iterdir() if p.name.startswith(go_support.BINARY)]


def test_the_build_directory_is_one_per_run(request, tmp_path_factory):
    """xdist gives each worker `<the run's basetemp>/popen-gwN`."""
    base = tmp_path_factory.getbasetemp()
    shared = go_support.run_directory(request.config, tmp_path_factory)
    if hasattr(request.config, "workerinput"):
        assert base.name == f"popen-{request.config.workerinput['workerid']}"
        assert shared == base.parent
    else:
        assert shared == base
