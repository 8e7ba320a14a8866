"""The client side of C2SP tlog-tiles: the tree of a verified checkpoint, read
through its tiles, every tile checked before use (`transparency.tiles` has the
paths and contents both sides share). Pure: the caller passes the fetcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from transparency import merkle
from transparency.tiles import (
    HEIGHT,
    WIDTH,
    Tile,
    TileError,
    TileNotFound,
    edge_tiles,
    parse_bundle,
    split_hashes,
    tile_for,
)

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
