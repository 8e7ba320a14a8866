"""A log the witness tests grow and sign, and a witness configuration that trusts it."""

from __future__ import annotations

from pathlib import Path

from tests.unit.tlog_support import MemoryTree
from transparency import cosignature, merkle, note
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
