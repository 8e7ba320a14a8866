"""C2SP tlog-tiles: tile paths, and which tiles a tree of each size has."""

from __future__ import annotations

import pytest

from tests.unit.tiles_tree_support import SIZES
from transparency import tiles
from transparency.tiles import Tile, TileError

# ---- paths -------------------------------------------------------------------


def test_index_encoding_follows_the_spec_example():
    assert tiles.encode_index(1234067) == "x001/x234/067"
    assert tiles.encode_index(0) == "000"
    assert tiles.encode_index(999) == "999"
    assert tiles.encode_index(1000) == "x001/000"
    assert Tile(0, 1234067).path == "tile/0/x001/x234/067"
    assert Tile(2, 5, 17).path == "tile/2/005.p/17"
    assert Tile(0, 1000, 3, entries=True).path == "tile/entries/x001/000.p/3"


@pytest.mark.parametrize(
    "tile",
    [
        Tile(0, 0),
        Tile(0, 0, 1),
        Tile(0, 0, 255),
        Tile(1, 999),
        Tile(3, 1000, 7),
        Tile(63, 0),
        Tile(5, 10**18),
        Tile(0, 1234067, 112, entries=True),
        Tile(0, 2**64 - 1),
    ],
)
def test_paths_round_trip(tile):
    assert tiles.parse_path(tile.path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/0",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001.p/256",
        "tile/0/001.p/0",
        "tile/0/001.p/05",
        "tile/64/000",
        "tile/01/000",
        "tile/-1/000",
        "tile/0/x1/000",
        "tile/0/1234",
        "tile/0/000/",
        "tile/0/000.p/",
        "tile/0/001/x002",
        "/tile/0/000",
        "tile/entries/1/000",
        "tile/data/000",
        "tile/1/x018/x446/x744/x073/x709/x551/616",
    ],
)
def test_malformed_or_non_canonical_paths_are_refused(path):
    with pytest.raises(TileError):
        tiles.parse_path(path)


# ---- which tiles exist ---------------------------------------------------------


def test_the_spec_examples_of_which_tiles_a_tree_has():
    tree_70000 = list(tiles.all_tiles(70000))
    assert [t for t in tree_70000 if not t.is_full] == [
        Tile(0, 273, 112),
        Tile(1, 1, 17),
        Tile(2, 0, 1),
    ]
    assert sum(t.is_full and t.level == 0 for t in tree_70000) == 273
    assert [t for t in tree_70000 if t.is_full and t.level > 0] == [Tile(1, 0)]
    assert list(tiles.all_tiles(256)) == [Tile(0, 0), Tile(1, 0, 1)]


@pytest.mark.parametrize("size", SIZES + [70000, 2**24 + 3, 2**40])
def test_tiles_partition_each_level_with_no_empty_tile(size):
    all_tiles = list(tiles.all_tiles(size)) if size < 2**20 else tiles.edge_tiles(size)
    level = 0
    while size >> (8 * level):
        hashes = size >> (8 * level)  # hashes of tree level 8L that a tree of `size` has
        at_level = sorted(t for t in all_tiles if t.level == level)
        if size < 2**20:
            covered = [i for t in at_level for i in range(t.first_node(), t.first_node() + t.width)]
            assert covered == list(range(hashes))
            assert all(t.is_full for t in at_level[:-1])
        partial = [t for t in at_level if not t.is_full]
        assert [t.width for t in partial] == ([hashes % 256] if hashes % 256 else [])
        assert all(1 <= t.width <= 256 for t in at_level)
        level += 1
    assert all(t.level < level for t in all_tiles)
    for tile in all_tiles:
        assert tiles.is_available(tile, size)
        assert tiles.tile_for(tile.level, tile.index, size) == tile
        if not tile.is_full:
            assert not tiles.is_available(Tile(tile.level, tile.index, tile.width + 1), size)


@pytest.mark.parametrize(
    "old,new",
    [
        (0, 0),
        (0, 1),
        (1, 256),
        (255, 257),
        (256, 65536),
        (300, 600),
        (65535, 65537),
        (70000, 70000),
    ],
)
def test_new_tiles_are_exactly_those_the_old_tree_lacks(old, new):
    added = list(tiles.new_tiles(old, new))
    assert len(added) == len(set(added))
    assert set(added) == set(tiles.all_tiles(new)) - set(tiles.all_tiles(old))


def test_a_tree_has_no_tile_beyond_its_size():
    for level, index, size in [(0, 0, 0), (0, 1, 256), (1, 0, 255), (0, 2, 300)]:
        with pytest.raises(TileError):
            tiles.tile_for(level, index, size)
    assert not tiles.is_available(Tile(0, 0, 2), 1)
    assert not tiles.is_available(Tile(0, 0, 1, entries=True), 0)
