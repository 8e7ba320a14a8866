"""C2SP tlog-tiles: tile paths, which tiles a tree has, tile and bundle contents,
and a client that reads a log through its tiles and verifies what it reads.

A tile at level L holds up to 256 consecutive hashes of tree level 8·L: tile N
holds the complete nodes (8L, 256N) .. (8L, 256N + W - 1). Every one of them is
a complete subtree, so a server builds any tile from the nodes `merkle` stores.
Entry bundle N holds the leaves of level-0 tile N, each as a big-endian uint16
length then the leaf bytes.

Pure: no I/O. A server passes a node fetcher (`TreeStore.fetch_nodes`); a
client passes a tile fetcher (HTTP, files) to `TileReader`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


# ---- the client side -----------------------------------------------------------

TileFetcher = Callable[[Tile], bytes]


class TileReader:
    """The tree of a verified checkpoint (size, root), read through its tiles.

    Every tile is checked before use: the partial tiles at the tree's right
    edge must fold into the checkpoint's root, and each full tile must hash to
    its entry in the tile above. So every hash, proof and entry this reader
    returns belongs to the checkpoint's tree, or it raises TileError.
    """

    def __init__(self, size: int, root: bytes, fetch: TileFetcher) -> None:
        self.size, self.root, self._fetch = size, root, fetch
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        self._last_leaf_tile: tuple[int, list[bytes]] | None = None
        for tile in edge_tiles(size):
            self._tiles[(tile.level, tile.index)] = self._get(tile)
        nodes = merkle.frontier(size)
        computed = merkle.root_from_frontier([self._node(*node) for node in nodes])
        if computed != root:
            raise TileError(
                f"the tiles of tree size {size} give root {computed.hex()}, "
                f"the checkpoint says {root.hex()}"
            )

    def _fetch_tile(self, tile: Tile) -> tuple[bytes, int]:
        """A tile's bytes and the width they hold: a partial tile that is gone (the
        spec lets a log delete it once the full tile exists) is read from the full one."""
        try:
            return self._fetch(tile), tile.width
        except TileNotFound:
            if tile.is_full:
                raise
            return self._fetch(Tile(tile.level, tile.index, WIDTH, tile.entries)), WIDTH

    def _get(self, tile: Tile) -> list[bytes]:
        data, width = self._fetch_tile(tile)
        return split_hashes(data, width)[: tile.width]

    def _tile(self, level: int, index: int) -> list[bytes]:
        """The verified hashes of hash tile (level, index) of this tree."""
        cached = self._tiles.get((level, index))
        if cached is not None:
            return cached
        if level == 0 and self._last_leaf_tile and self._last_leaf_tile[0] == index:
            return self._last_leaf_tile[1]
        tile = tile_for(level, index, self.size)
        hashes = self._get(tile)
        if merkle.root_of(hashes) != self._hash(level + 1, index):
            raise TileError(f"{tile.path} does not hash to its entry in the tile above")
        if level:  # levels above 0 are 1/256 of the data: keep them all
            self._tiles[(level, index)] = hashes
        else:  # leaf tiles are read in order: keep the last one
            self._last_leaf_tile = (index, hashes)
        return hashes

    def _hash(self, level: int, index: int) -> bytes:
        """Hash `index` of tile level `level` (tree level 8·level)."""
        return self._tile(level, index // WIDTH)[index % WIDTH]

    def _node(self, height: int, index: int) -> bytes:
        """The complete node (height, index), folded from the tile at its level's floor."""
        level, rise = divmod(height, HEIGHT)
        first = index << rise
        hashes = self._tile(level, first // WIDTH)
        start = first % WIDTH
        return merkle.root_of(hashes[start : start + (1 << rise)])

    def fetch_nodes(self, nodes: Sequence[merkle.Node]) -> dict[merkle.Node, bytes]:
        """Complete node hashes, in the shape `merkle.prove` takes."""
        for height, index in nodes:
            if ((index + 1) << height) > self.size:
                raise TileError(f"node ({height}, {index}) is not complete at size {self.size}")
        return {node: self._node(*node) for node in nodes}

    def leaf_hash(self, index: int) -> bytes:
        return self.fetch_nodes([(0, index)])[(0, index)]

    def inclusion_proof(self, index: int) -> list[bytes]:
        return merkle.prove(merkle.inclusion_ranges(index, self.size), self.fetch_nodes)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        return merkle.prove(merkle.consistency_ranges(old_size, self.size), self.fetch_nodes)

    def entries(self, start: int, end: int) -> Iterator[bytes]:
        """Leaves start..end-1 from the entry bundles, each checked against its leaf hash."""
        if not 0 <= start <= end <= self.size:
            raise TileError(f"entries {start}..{end} are not in a tree of size {self.size}")
        for index in range(start // WIDTH, (end + WIDTH - 1) // WIDTH):
            tile = tile_for(0, index, self.size, entries=True)
            data, width = self._fetch_tile(tile)
            leaves = parse_bundle(data, width)[: tile.width]
            hashes = self._tile(0, index)
            for offset, leaf in enumerate(leaves):
                if merkle.leaf_hash(leaf) != hashes[offset]:
                    raise TileError(
                        f"entry {index * WIDTH + offset} in {tile.path} does not hash to its "
                        "leaf hash in the level-0 tile"
                    )
            lo, hi = max(start - index * WIDTH, 0), end - index * WIDTH
            yield from leaves[lo:hi]
