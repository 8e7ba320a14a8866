"""C2SP tlog-tiles: tile paths, which tiles a tree has, tile and bundle contents,
and a client that reads a log through its tiles and verifies what it reads.

A tile at level L holds up to 256 consecutive hashes of tree level 8·L: tile N
holds the complete nodes (8L, 256N) .. (8L, 256N + W - 1). Every one of them is
a complete subtree, so a server builds any tile from the nodes `merkle` stores.
Entry bundle N holds the leaves of level-0 tile N, each as a big-endian uint16
length then the leaf bytes.

Pure: no I/O. A server passes a node fetcher (`TreeStore.fetch_nodes`); a
client passes a tile fetcher (HTTP, files) to `transparency.tile_reader.TileReader`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from transparency import merkle

HEIGHT = 8
WIDTH = 1 << HEIGHT  # hashes in a full tile
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF
MAX_INDEX = 2**64
_PATH = re.compile(r"tile/(entries|0|[1-9][0-9]?)/((?:x[0-9]{3}/)*[0-9]{3})(?:\.p/([1-9][0-9]*))?")


class TileError(ValueError):
    """A malformed tile path, tile or bundle, or tiles that do not match the checkpoint."""


class EntryTooLarge(TileError):
    """A leaf that an entry bundle cannot hold (over 65,535 bytes)."""


class TileNotFound(LookupError):
    """The fetcher has no such tile (a partial tile may be gone once the full one exists)."""


@dataclass(frozen=True, order=True)
class Tile:
    level: int  # L: the tile holds hashes of tree level 8·L (entry bundles: 0)
    index: int  # N
    width: int = WIDTH  # W: 1..256; 256 is a full tile
    entries: bool = False  # the entry bundle of level-0 tile N, not a hash tile

    @property
    def is_full(self) -> bool:
        return self.width == WIDTH

    @property
    def path(self) -> str:
        """tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>], relative to the log's prefix."""
        level = "entries" if self.entries else str(self.level)
        partial = "" if self.is_full else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{partial}"

    def first_node(self) -> int:
        """The index, at tree level 8·L, of the tile's first hash."""
        return self.index * WIDTH

    def nodes(self) -> list[merkle.Node]:
        level = HEIGHT * self.level
        return [(level, self.first_node() + i) for i in range(self.width)]

    def hashed_as(self) -> Tile:
        """The hash tile whose hashes this tile's entries hash to (itself for hash tiles)."""
        return Tile(self.level, self.index, self.width)


def encode_index(index: int) -> str:
    """N in 3-digit groups, all but the last prefixed with x: 1234067 -> x001/x234/067."""
    if not 0 <= index < MAX_INDEX:
        raise TileError(f"tile index {index} is out of range")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def parse_path(path: str) -> Tile:
    """The tile a path names; TileError unless it is exactly the path `Tile.path` writes."""
    match = _PATH.fullmatch(path)
    if match is None:
        raise TileError(f"not a tile path: {path!r}")
    level_text, index_text, width_text = match.groups()
    entries = level_text == "entries"
    level = 0 if entries else int(level_text)
    width = int(width_text) if width_text else WIDTH
    index = int(index_text.replace("x", "").replace("/", ""))
    if level > MAX_LEVEL or (width_text and width >= WIDTH) or index >= MAX_INDEX:
        raise TileError(f"not a tile path: {path!r}")
    tile = Tile(level, index, width, entries)
    if tile.path != path:  # leading zero groups: one tile, one path
        raise TileError(f"not the canonical path of {tile.path!r}: {path!r}")
    return tile


# ---- which tiles a tree has --------------------------------------------------


def edge_width(level: int, size: int) -> int:
    """The width of the partial tile at `level` of a tree of `size` (0: none)."""
    return (size >> (HEIGHT * level)) % WIDTH


def tile_for(level: int, index: int, size: int, entries: bool = False) -> Tile:
    """Tile `index` at `level` as a tree of `size` has it (full or partial); TileError
    if the tree has no such tile."""
    hashes = size >> (HEIGHT * level)
    if index < hashes // WIDTH:
        return Tile(level, index, WIDTH, entries)
    width = edge_width(level, size)
    if index == hashes // WIDTH and width:
        return Tile(level, index, width, entries)
    raise TileError(f"a tree of size {size} has no tile {index} at level {level}")


def is_available(tile: Tile, size: int) -> bool:
    """Whether a tree of `size` holds every hash (or leaf) `tile` covers."""
    if tile.entries and tile.level:
        return False
    return (tile.first_node() + tile.width) << (HEIGHT * tile.level) <= size


def edge_tiles(size: int) -> list[Tile]:
    """The partial hash tiles of a tree of `size`, lowest level first."""
    tiles, level = [], 0
    while size >> (HEIGHT * level):
        width = edge_width(level, size)
        if width:
            tiles.append(Tile(level, size >> (HEIGHT * (level + 1)), width))
        level += 1
    return tiles


def new_tiles(old_size: int, new_size: int) -> Iterator[Tile]:
    """The hash tiles a tree of `new_size` has that one of `old_size` lacks: the full
    tiles completed in between, then the partial tiles of `new_size`."""
    if not 0 <= old_size <= new_size:
        raise TileError(f"no growth from size {old_size} to size {new_size}")
    level = 0
    while new_size >> (HEIGHT * level):
        first = (old_size >> (HEIGHT * level)) // WIDTH
        last = (new_size >> (HEIGHT * level)) // WIDTH
        for index in range(first, last):
            yield Tile(level, index)
        level += 1
    old_edge = set(edge_tiles(old_size))
    yield from (tile for tile in edge_tiles(new_size) if tile not in old_edge)


def all_tiles(size: int) -> Iterator[Tile]:
    return new_tiles(0, size)


# ---- contents, server side ----------------------------------------------------

NodeFetcher = Callable[[list[merkle.Node]], Mapping[merkle.Node, bytes]]


def tile_hashes(tile: Tile, fetch_nodes: NodeFetcher) -> bytes:
    """A hash tile's bytes: its W stored node hashes, concatenated."""
    if tile.entries:
        raise TileError("an entry bundle is built from leaves, not node hashes")
    nodes = tile.nodes()
    hashes = fetch_nodes(nodes)
    return b"".join(hashes[node] for node in nodes)


def check_entry(leaf: bytes) -> bytes:
    if len(leaf) > MAX_ENTRY_SIZE:
        raise EntryTooLarge(
            f"a leaf of {len(leaf)} bytes exceeds the {MAX_ENTRY_SIZE} bytes an entry bundle holds"
        )
    return leaf


def bundle(leaves: Iterable[bytes]) -> bytes:
    """An entry bundle: each leaf as a big-endian uint16 length, then its bytes."""
    return b"".join(len(check_entry(leaf)).to_bytes(2, "big") + leaf for leaf in leaves)


def parse_bundle(data: bytes, count: int) -> list[bytes]:
    """Exactly `count` entries and nothing after them, else TileError."""
    entries, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise TileError("the entry bundle ends inside a length prefix")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise TileError("an entry runs past the end of the bundle")
        entries.append(data[offset : offset + length])
        offset += length
    if len(entries) != count:
        raise TileError(f"the entry bundle holds {len(entries)} entries, {count} expected")
    return entries


def split_hashes(data: bytes, width: int) -> list[bytes]:
    if len(data) != width * merkle.HASH_SIZE:
        raise TileError(f"a tile of width {width} is {width * 32} bytes, not {len(data)}")
    return [data[i : i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)]
