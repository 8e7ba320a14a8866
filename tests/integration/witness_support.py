"""A log the witness tests grow and sign, a witness configuration that trusts
it, and what the cosigning tests share: a witness served over real HTTP, the
log's settings naming it, its cosigning worker."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from werkzeug.serving import make_server

from ledger.settings import Settings, WitnessSetting
from tests.unit.tlog_support import MemoryTree
from transparency import cosignature, merkle, note
from transparency.cosigning import SUBMISSIONS, Cosigning
from witness.config import WitnessConfig, parse_log

LOG = note.Signer("log.example/ledger", bytes(range(32)))


class Log:
    """A log the test grows and signs, as our tree builder would."""

    def __init__(self, tag: str = "a", signer: note.Signer = LOG) -> None:
        self.tree, self.signer, self.tag = MemoryTree(), signer, tag

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.tree.append(f"{self.tag} {self.tree.size}".encode())

    def signed(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        checkpoint = note.Checkpoint(self.signer.name, size, self.tree.root(size))
        return self.signer.sign(checkpoint.text())

    def body(self, old: int, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        proof = (
            merkle.prove(
                merkle.consistency_ranges(old, size), lambda ns: self.tree.fetch_nodes(ns, size)
            )
            if 0 < old < size
            else []
        )
        return cosignature.add_checkpoint_body(old, proof, self.signed(size))


def config(tmp_path: Path, *vkeys: str) -> WitnessConfig:
    logs: dict[str, tuple[note.Verifier, ...]] = {}
    for vkey in vkeys or (LOG.verifier.vkey,):
        origin, verifier = parse_log(vkey)
        logs[origin] = (*logs.get(origin, ()), verifier)
    return WitnessConfig(
        "witness.test/w1", tmp_path / "witness.key", tmp_path / "witness.sqlite3", logs
    )


class Served:
    def __init__(self, app, port: int = 0) -> None:
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def witness_key(config: WitnessConfig) -> cosignature.WitnessKey:
    return cosignature.load_or_create_cosigner(config.key_file, config.name).key


def witnessed(settings: Settings, url: str, key: cosignature.WitnessKey, **kw) -> Settings:
    return replace(settings, witnesses=(WitnessSetting(url, key.vkey),), witness_quorum=1, **kw)


def worker(system) -> Cosigning:
    (witness,) = system.witness_policy.witnesses
    return Cosigning(system.db, witness, interval=0.05, timeout=2.0)


def count(name: str, outcome: str) -> float:
    return SUBMISSIONS.labels(name, outcome)._value.get()
