"""C2SP tlog-tiles: the bytes of each tile and bundle, and reading a tree (of any size)
back through its tiles."""

from __future__ import annotations

import functools
import hashlib

import pytest

from tests.unit.tiles_tree_support import SIZES, big_tree, leaf_hashes, reader
from transparency import merkle, tiles
from transparency.tile_reader import TileReader
from transparency.tiles import Tile, TileError

# ---- contents ------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_tile_bytes_are_the_spec_hashes(size):
    tree = big_tree()
    hashes = leaf_hashes(size)
    files = tree.tile_files(size)
    for tile in tiles.all_tiles(size):
        data = files[tile.path]
        assert len(data) == 32 * tile.width
        if tile.level > 1:
            continue
        # MTH(D[(n * 256 + i) * 256**l : (n * 256 + i + 1) * 256**l]), i < W
        span = 256**tile.level
        expected = [
            merkle.root_of(
                hashes[(tile.index * 256 + i) * span : (tile.index * 256 + i + 1) * span]
            )
            for i in range(tile.width)
        ]
        assert data == b"".join(expected)
    for tile in (t for t in tiles.all_tiles(size) if t.level == 0):
        bundle = files[Tile(0, tile.index, tile.width, entries=True).path]
        start, offset = tile.index * 256, 0
        for i in range(tile.width):
            leaf = tree.leaves[start + i]
            assert bundle[offset : offset + 2] == len(leaf).to_bytes(2, "big")
            assert bundle[offset + 2 : offset + 2 + len(leaf)] == leaf
            offset += 2 + len(leaf)
        assert offset == len(bundle)


def test_bundles_hold_leaves_up_to_65535_bytes():
    leaves = [b"", b"a", bytes(65535)]
    data = tiles.bundle(leaves)
    assert data[:4] == b"\x00\x00\x00\x01" and data[5:7] == b"\xff\xff"
    assert tiles.parse_bundle(data, 3) == leaves
    with pytest.raises(tiles.EntryTooLarge):
        tiles.bundle([bytes(65536)])
    with pytest.raises(tiles.EntryTooLarge):
        tiles.check_entry(bytes(65536))
    for bad, count in [(data[:-1], 3), (data, 2), (data + b"\x00", 3), (b"\x00\x05abc", 1)]:
        with pytest.raises(TileError):
            tiles.parse_bundle(bad, count)


# ---- reading a tree back through its tiles ----------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_a_client_recomputes_the_root_and_proofs_from_tiles(size):
    tree = big_tree()
    tiles_reader = reader(tree, size)  # raises unless the tiles fold into the root
    assert merkle.root_of(leaf_hashes(size)) == tree.root(size)
    for index in {0, size // 2, size - 1} if size else set():
        proof = tiles_reader.inclusion_proof(index)
        merkle.verify_inclusion(tree.nodes[(0, index)], index, size, proof, tree.root(size))
    for old in {1, 255, 256, size // 3, size - 1} if size > 1 else set():
        if 0 < old < size:
            proof = tiles_reader.consistency_proof(old)
            merkle.verify_consistency(old, size, proof, tree.root(old), tree.root(size))
    lo = max(size - 300, 0)
    assert list(tiles_reader.entries(lo, size)) == tree.leaves[lo:size]


def test_the_client_refuses_tiles_that_do_not_match_the_checkpoint():
    tree = big_tree()
    files = tree.tile_files(65537)
    with pytest.raises(TileError, match="give root"):
        TileReader(65537, hashlib.sha256(b"another root").digest(), lambda tile: files[tile.path])
    forged = dict(files)
    tile = forged["tile/0/007"]
    forged["tile/0/007"] = tile[:32] + bytes(32) + tile[64:]
    with pytest.raises(TileError, match="tile/0/007 does not hash"):
        reader(tree, 65537, forged).inclusion_proof(7 * 256 + 1)
    forged = dict(files)
    bundle = tiles.parse_bundle(forged["tile/entries/003"], 256)
    bundle[5] = b"rewritten"
    forged["tile/entries/003"] = tiles.bundle(bundle)
    with pytest.raises(TileError, match="entry 773"):
        list(reader(tree, 65537, forged).entries(700, 800))


def test_a_deleted_partial_tile_is_read_from_the_full_tile():
    tree = big_tree()
    files = tree.tile_files(65537)
    files.update({p: d for p, d in tree.tile_files(600).items() if ".p/" not in p})
    old = {p: d for p, d in files.items() if ".p/" not in p or p.startswith("tile/2/")}
    tiles_reader = reader(tree, 300, old)
    assert list(tiles_reader.entries(290, 300)) == tree.leaves[290:300]


# ---- large trees, from a fake node store ---------------------------------------


class SparseTree:
    """A consistent tree of any size: all leaves equal except a few marked ones,
    so every node is computable in O(depth · marks)."""

    def __init__(self, size: int, marks: dict[int, bytes]) -> None:
        self.size, self.marks = size, sorted(marks)
        self.leaf = {i: merkle.leaf_hash(data) for i, data in marks.items()}
        self.plain = [merkle.leaf_hash(b"plain")]
        for _ in range(64):
            self.plain.append(merkle.node_hash(self.plain[-1], self.plain[-1]))

    @functools.cache  # noqa: B019 (a test object, kept for the test's life)
    def node(self, height: int, index: int) -> bytes:
        lo, hi = index << height, (index + 1) << height
        if not any(lo <= m < hi for m in self.marks):
            return self.plain[height]
        if height == 0:
            return self.leaf[index]
        left, right = self.node(height - 1, 2 * index), self.node(height - 1, 2 * index + 1)
        return merkle.node_hash(left, right)

    def fetch_nodes(self, nodes: list[merkle.Node]) -> dict[merkle.Node, bytes]:
        assert all((i + 1) << h <= self.size for h, i in nodes)
        return {(h, i): self.node(h, i) for h, i in nodes}

    def root(self, size: int) -> bytes:
        return merkle.root_from_frontier([self.node(*n) for n in merkle.frontier(size)])


@pytest.mark.parametrize("size", [2**24 + 12345, 2**32 + 7, 2**40 + 2**16 + 1, 10**15 + 3])
def test_large_trees_read_back_through_tiles(size):
    marks = {0: b"first", 65536: b"m1", size // 2: b"middle", size - 1: b"last"}
    tree = SparseTree(size, marks)
    fetched = []

    def fetch(tile: Tile) -> bytes:
        fetched.append(tile)
        assert tiles.is_available(tile, size)
        return tiles.tile_hashes(tile, tree.fetch_nodes)

    tiles_reader = TileReader(size, tree.root(size), fetch)
    assert set(fetched) == set(tiles.edge_tiles(size))
    for index in marks:
        proof = tiles_reader.inclusion_proof(index)
        merkle.verify_inclusion(tree.leaf[index], index, size, proof, tree.root(size))
    for old in (size // 2, size - 1, 65537):
        proof = tiles_reader.consistency_proof(old)
        merkle.verify_consistency(old, size, proof, tree.root(old), tree.root(size))
