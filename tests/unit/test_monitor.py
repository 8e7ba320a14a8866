"""The monitor against a static tiles directory served over HTTP, as a serverless log is."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.tlog_support import MemoryTree
from transparency import cosignature, note
from transparency.monitor import FetchError, MonitorError, monitor

LOG = note.Signer("tiles.test/log", bytes(range(32)))
W1 = cosignature.Cosigner("witness.test/w1", bytes([1] * 32))
W2 = cosignature.Cosigner("witness.test/w2", bytes([2] * 32))
VERIFY = Path(sys.executable).parent / "labledger-verify"


class Handler(http.server.SimpleHTTPRequestHandler):
    gzip_bundles = False

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = Path(self.directory) / self.path.lstrip("/")
        if self.gzip_bundles and "/entries/" in self.path and path.is_file():
            body = gzip.compress(path.read_bytes())
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class StaticLog:
    """A log published as files: checkpoint, tile/..., tile/entries/..."""

    def __init__(self, root: Path, leaves: list[bytes]) -> None:
        self.dir, self.tree = root, MemoryTree(leaves)

    def publish(self, *cosigners: cosignature.Cosigner, root: bytes | None = None) -> None:
        self.tree.write_tiles(self.dir)
        text = note.Checkpoint(LOG.name, self.tree.size, root or self.tree.root()).text()
        signed = LOG.sign(text) + "".join(c.cosign(text, 1_800_000_000) for c in cosigners)
        (self.dir / "checkpoint").write_text(signed, encoding="utf-8")

    def grow(self, n: int, tag: str = "leaf") -> None:
        for _ in range(n):
            self.tree.append(f"{tag} {self.tree.size}".encode())


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(Handler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        Handler.gzip_bundles = False


def leaves(n: int, tag: str = "leaf") -> list[bytes]:
    return [f"{tag} {i}".encode() for i in range(n)]


def test_it_follows_a_growing_log(served, tmp_path):
    url, root = served
    state = tmp_path / "state.json"
    log = StaticLog(root, leaves(300))
    log.publish()
    seen = []
    first = monitor(
        url,
        LOG.verifier.vkey,
        state_file=state,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (first.previous_size, first.size, first.new_entries) == (None, 300, 300)
    assert seen[-1] == (300, 300) and first.root == log.tree.root()
    assert json.loads(state.read_text())["size"] == 300
    for growth in (400, 1, 0, 323):
        log.grow(growth)
        log.publish()
        report = monitor(url, LOG.verifier.vkey, state_file=state)
        assert report.size == log.tree.size and report.new_entries == growth
    assert json.loads(state.read_text())["checkpoint"] == (root / "checkpoint").read_text()


def test_it_detects_a_rewritten_history(served, tmp_path):
    url, root = served
    state = tmp_path / "state.json"
    log = StaticLog(root, leaves(300))
    log.publish()
    monitor(url, LOG.verifier.vkey, state_file=state)
    before = state.read_text()
    rewritten = leaves(700)
    rewritten[5] = b"leaf 5, rewritten"  # one old leaf changed, then the log grew
    shutil.rmtree(root / "tile")
    StaticLog(root, rewritten).publish()  # correctly signed, tiles correct for the new tree
    with pytest.raises(MonitorError, match="does not extend the tree of size 300"):
        monitor(url, LOG.verifier.vkey, state_file=state)
    assert state.read_text() == before  # the verified state is kept...
    evidence = state.with_name("state.json.rejected").read_text()
    assert evidence == (root / "checkpoint").read_text()  # ...and what the log signed beside it


def test_it_detects_a_checkpoint_whose_root_does_not_match_the_tiles(served, tmp_path):
    url, root = served
    log = StaticLog(root, leaves(300))
    log.publish(root=MemoryTree(leaves(300, "other")).root())
    with pytest.raises(MonitorError, match="tiles do not match the checkpoint"):
        monitor(url, LOG.verifier.vkey, state_file=tmp_path / "state.json")
    assert not (tmp_path / "state.json").exists()


def test_it_detects_an_entry_that_does_not_hash_to_its_tile(served, tmp_path):
    url, root = served
    log = StaticLog(root, leaves(300))
    log.publish()
    bundle = root / "tile/entries/000"
    bundle.write_bytes(bundle.read_bytes().replace(b"leaf 17", b"leaf 71"))
    with pytest.raises(MonitorError, match="entry 17"):
        monitor(url, LOG.verifier.vkey, state_file=tmp_path / "state.json")


def test_it_detects_a_shrunk_log_and_a_fork_at_the_same_size(served, tmp_path):
    url, root = served
    state = tmp_path / "state.json"
    StaticLog(root, leaves(300)).publish()
    monitor(url, LOG.verifier.vkey, state_file=state)
    StaticLog(root, leaves(200)).publish()
    with pytest.raises(MonitorError, match="shrank"):
        monitor(url, LOG.verifier.vkey, state_file=state)
    StaticLog(root, leaves(300, "fork")).publish()
    with pytest.raises(MonitorError, match="a fork"):
        monitor(url, LOG.verifier.vkey, state_file=state)


def test_it_requires_the_witness_quorum_and_reads_gzip_bundles(served, tmp_path):
    url, root = served
    Handler.gzip_bundles = True
    log = StaticLog(root, leaves(50))
    log.publish(W1)
    report = monitor(url, LOG.verifier.vkey, [W1.key.vkey], state_file=tmp_path / "s.json")
    assert report.cosigned_by == (W1.key.vkey,)
    with pytest.raises(MonitorError, match="2 required"):
        monitor(url, LOG.verifier.vkey, [W1.key.vkey, W2.key.vkey])
    assert monitor(url, LOG.verifier.vkey, [W1.key.vkey, W2.key.vkey], quorum=1).size == 50
    other_log = note.Signer(LOG.name, bytes([9] * 32))
    with pytest.raises(MonitorError, match="does not verify"):
        monitor(url, other_log.verifier.vkey)


def test_an_unreachable_log_is_a_fetch_error_not_an_inconsistency(served, tmp_path):
    url, root = served
    with pytest.raises(FetchError, match="404"):
        monitor(url, LOG.verifier.vkey)
    log = StaticLog(root, leaves(10))
    log.publish()
    (root / "tile/0/000.p/10").unlink()
    with pytest.raises(FetchError, match="tile/0/000"):
        monitor(url, LOG.verifier.vkey)


def test_the_cli_exits_0_then_1_on_a_rewritten_history(served, tmp_path):
    url, root = served
    state = tmp_path / "state.json"
    key_file = tmp_path / "log.vkey"
    key_file.write_text(LOG.verifier.vkey + "\n")
    StaticLog(root, leaves(100)).publish(W1)
    args = [
        str(VERIFY),
        "monitor",
        url,
        "--key",
        str(key_file),
        "--witness",
        W1.key.vkey,
        "--state",
        str(state),
    ]
    ok = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: log tiles.test/log size 100 ")
    assert "first run" in ok.stdout and "cosigned by 1 witness" in ok.stdout
    rewritten = leaves(150)
    rewritten[0] = b"rewritten"
    StaticLog(root, rewritten).publish(W1)
    bad = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and bad.stderr.startswith("INCONSISTENT: ")
    down = subprocess.run(
        [*args[:2], url + "/nothing-here", *args[3:]], capture_output=True, text=True, timeout=60
    )
    assert down.returncode == 2 and down.stderr.startswith("UNAVAILABLE: ")
