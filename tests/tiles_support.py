"""The log's tiles as the C2SP tlog-tiles text defines them, computed from the
leaves alone (not from `transparency.tiles`), and leaves seeded straight
through the tree store: what the tiles tests check a server against."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from transparency.store import LeafRecord

AGGREGATE = "00000000-0000-4000-8000-000000000000"


def leaf(i: int) -> bytes:
    return f'{{"index":{i},"pad":"{"한" * (i % 7)}"}}'.encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(hashes[:k]) + mth(hashes[k:])).digest()


def encode(n: int) -> str:
    """The spec: zero-padded 3-digit path elements, all but the last prefixed x."""
    groups = [f"{n % 1000:03d}"]
    while n >= 1000:
        n //= 1000
        groups.insert(0, f"x{n % 1000:03d}")
    return "/".join(groups)


def expected_tiles(size: int) -> Iterator[tuple[int, int, int]]:
    """(level, index, width) of every hash tile a tree of `size` has."""
    level = 0
    while size // 256**level:
        hashes = size // 256**level
        for n in range(hashes // 256):
            yield level, n, 256
        if hashes % 256:
            yield level, hashes // 256, hashes % 256
        level += 1


def tile_url(level: int | str, n: int, width: int) -> str:
    return f"/log/tile/{level}/{encode(n)}" + ("" if width == 256 else f".p/{width}")


class Tree:
    """What the tiles must hold, from the leaves alone."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.hashes: list[bytes] = []

    def tile(self, level: int, n: int, width: int) -> bytes:
        span = 256**level
        return b"".join(
            mth(self.hashes[(n * 256 + i) * span : (n * 256 + i + 1) * span]) for i in range(width)
        )

    def bundle(self, n: int, width: int) -> bytes:
        entries = self.leaves[n * 256 : n * 256 + width]
        return b"".join(len(e).to_bytes(2, "big") + e for e in entries)


def grow(system, tree: Tree, size: int) -> None:
    store = system.transparency.store
    while len(tree.leaves) < size:
        start = len(tree.leaves)
        batch = [leaf(i) for i in range(start, min(size, start + 5000))]
        records = [
            LeafRecord(i + 1, AGGREGATE, i + 1, "test.leaf", data)
            for i, data in enumerate(batch, start)
        ]
        store.append(store.head(), records)
        tree.leaves += batch
        tree.hashes += [leaf_hash(data) for data in batch]
