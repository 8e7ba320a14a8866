"""An in-memory log for tests: every complete node, its leaves, and its tiles as files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import rfc8785

from transparency import certificate, cosignature, merkle, note, tiles


class MemoryTree:
    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.leaves: list[bytes] = []
        self.nodes: dict[merkle.Node, bytes] = {}
        self._frontier: list[bytes] = []
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.leaves)

    def append(self, leaf: bytes) -> None:
        size = self.size
        rows = merkle.append_leaf(size, self._frontier, merkle.leaf_hash(leaf))
        for node, (_, digest) in zip(merkle.appended_nodes(size), rows, strict=True):
            self.nodes[node] = digest
        self.leaves.append(leaf)

    def fetch_nodes(
        self, nodes: Sequence[merkle.Node], size: int | None = None
    ) -> Mapping[merkle.Node, bytes]:
        size = self.size if size is None else size
        for height, index in nodes:
            if (index + 1) << height > size:
                raise LookupError(f"node ({height}, {index}) is not complete at size {size}")
        return {node: self.nodes[node] for node in nodes}

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        nodes = merkle.frontier(size)
        found = self.fetch_nodes(nodes, size)
        return merkle.root_from_frontier([found[node] for node in nodes])

    def tile_files(self, size: int | None = None) -> dict[str, bytes]:
        """Every hash tile and entry bundle of the tree at `size`, by path."""
        size = self.size if size is None else size
        files = {}
        for tile in tiles.all_tiles(size):
            files[tile.path] = tiles.tile_hashes(tile, lambda ns: self.fetch_nodes(ns, size))
            if tile.level == 0:
                start = tile.first_node()
                bundle = tiles.Tile(0, tile.index, tile.width, entries=True)
                files[bundle.path] = tiles.bundle(self.leaves[start : start + tile.width])
        return files

    def write_tiles(self, directory: Path, size: int | None = None) -> None:
        for path, data in self.tile_files(size).items():
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def certificate_with(signer: note.Signer, cosigners: Sequence[cosignature.Cosigner] = ()) -> bytes:
    """A genuine ownership certificate (leaf 2 of 5) whose checkpoint `cosigners` cosigned."""
    work = "27f9e854-09ea-5fc2-af82-65c54926c658"
    leaf = rfc8785.dumps(
        {
            "position": 3,
            "event_id": "02d144a0-0a49-5b32-a27b-1bc459404791",
            "aggregate_id": work,
            "aggregate_version": 1,
            "type": "work.ownership_declared",
            "timestamp": "2026-11-25T20:04:34.848612Z",
            "actor": {"id": "t", "role": "artist"},
            "data": {"title": "Han River"},
        }
    )
    tree = MemoryTree([b"a", b"b", leaf, b"c", b"d"])
    text = note.Checkpoint(signer.name, tree.size, tree.root()).text()
    signed = signer.sign(text) + "".join(c.cosign(text, 1_700_000_000) for c in cosigners)
    path = merkle.prove(merkle.inclusion_ranges(2, tree.size), tree.fetch_nodes)
    cert = certificate.build_certificate(
        work, 2, leaf, tree.size, path, signed, signer.verifier.vkey
    )
    return certificate.certificate_bytes(cert)
