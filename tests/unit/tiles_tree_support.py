"""The trees the tile tests read: one cached 65537-leaf tree, its leaf hashes, and a
TileReader over its tile files."""

from __future__ import annotations

import functools

from tests.unit.tlog_support import MemoryTree
from transparency import merkle, tiles
from transparency.tile_reader import TileReader
from transparency.tiles import Tile

SIZES = [0, 1, 255, 256, 257, 65535, 65536, 65537]


@functools.cache
def big_tree() -> MemoryTree:
    return MemoryTree([f"leaf {i}".encode() for i in range(65537)])


def leaf_hashes(size: int) -> list[bytes]:
    return [merkle.leaf_hash(leaf) for leaf in big_tree().leaves[:size]]


def reader(tree: MemoryTree, size: int, files: dict[str, bytes] | None = None) -> tiles.TileReader:
    files = tree.tile_files(size) if files is None else files

    def fetch(tile: Tile) -> bytes:
        try:
            return files[tile.path]
        except KeyError:
            raise tiles.TileNotFound(tile.path) from None

    return TileReader(size, tree.root(size), fetch)
