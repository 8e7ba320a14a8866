"""RFC 9162 §2.1 Merkle trees: hashing, proofs from stored nodes, verification.

The tree is kept as its *complete* subtrees only (a node covering 2^level
leaves starting at a multiple of 2^level). Every hash a proof needs is either
one such node or the hash of an incomplete right edge, which decomposes into
at most log2(n) complete nodes, so a proof reads O(log n) stored nodes.

Complete nodes are numbered in the order an append-only builder completes them
(the storage layout of Go's sumdb `tlog`): appending leaf i writes ids
`stored_count(i)` .. `stored_count(i + 1) - 1`, the leaf first, then each
subtree it completes, lowest first. A stored tree is therefore one contiguous,
append-only sequence that a checker can stream in order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]  # (level, index at that level)


class ProofError(ValueError):
    """A proof, index or size that cannot be valid."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): the MTH split point."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, straight from the definition (small trees, tests)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = _split(len(leaf_hashes))
    return node_hash(root_of(leaf_hashes[:k]), root_of(leaf_hashes[k:]))


# ---- storage layout --------------------------------------------------------


def stored_index(level: int, index: int) -> int:
    """The storage id of the complete node (level, index)."""
    # The node is written right after the last leaf under it, leaf number
    # (index + 1) * 2^level - 1, and after the `level` nodes below it on its right edge.
    last_leaf = ((index + 1) << level) - 1
    return stored_count(last_leaf) + level


def stored_count(size: int) -> int:
    """How many node ids a tree of `size` leaves has written (so: the id of leaf `size`)."""
    # `size` leaves and every complete node above them: n + n/2 + n/4 + ... = 2n - popcount(n).
    return 2 * size - bin(size).count("1")


def appended_nodes(size: int) -> list[Node]:
    """The complete nodes that appending leaf number `size` creates, in id order."""
    nodes = [(0, size)]
    level, index = 0, size
    while index & 1:
        level, index = level + 1, index >> 1
        nodes.append((level, index))
    return nodes


def frontier(size: int) -> list[Node]:
    """The complete subtrees whose concatenation is the whole tree, left to right."""
    nodes, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, start >> level))
            start += 1 << level
    return nodes


# ---- which nodes a hash of a leaf range needs -------------------------------


def range_nodes(lo: int, hi: int) -> list[Node]:
    """Complete nodes whose hashes fold into MTH(D[lo:hi]) (ranges from the split rule)."""
    width = hi - lo
    if width & (width - 1) == 0 and lo % width == 0:
        level = width.bit_length() - 1
        return [(level, lo >> level)]
    k = _split(width)
    return range_nodes(lo, lo + k) + range_nodes(lo + k, hi)


def range_hash(lo: int, hi: int, hashes: Mapping[Node, bytes]) -> bytes:
    width = hi - lo
    if width & (width - 1) == 0 and lo % width == 0:
        level = width.bit_length() - 1
        return hashes[(level, lo >> level)]
    k = _split(width)
    return node_hash(range_hash(lo, lo + k, hashes), range_hash(lo + k, hi, hashes))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) as leaf ranges, leaf's sibling first."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) as leaf ranges, in proof order."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        ranges.append((lo, hi))
    return ranges[::-1]


def prove(
    ranges: Iterable[tuple[int, int]], fetch: Callable[[list[Node]], Mapping[Node, bytes]]
) -> list[bytes]:
    """Hashes of the ranges, reading every needed node with one `fetch`."""
    ranges = list(ranges)
    needed = sorted({node for lo, hi in ranges for node in range_nodes(lo, hi)})
    hashes = fetch(needed)
    return [range_hash(lo, hi, hashes) for lo, hi in ranges]


def root_from_frontier(hashes: Sequence[bytes]) -> bytes:
    """MTH of a tree given its frontier subtree hashes (left to right)."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


# ---- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -------------------------


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofError unless `path` proves leaf hash `leaf` at `index` under `root`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the root hash")


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Raise ProofError unless `proof` shows tree `first` is a prefix of tree `second`."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == second:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("equal tree sizes with different root hashes")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root starts the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != first_root:
        raise ProofError("the consistency proof does not lead to the first root hash")
    if sr != second_root:
        raise ProofError("the consistency proof does not lead to the second root hash")


def append_leaf(size: int, frontier_hashes: list[bytes], leaf: bytes) -> list[tuple[int, bytes]]:
    """Append leaf hash number `size`: update `frontier_hashes` (the hashes of
    `frontier(size)`) in place and return the new nodes as (stored id, hash)."""
    next_id = stored_count(size)
    rows = [(next_id, leaf)]
    carry, index = leaf, size
    while index & 1:
        carry = node_hash(frontier_hashes.pop(), carry)
        index >>= 1
        next_id += 1
        rows.append((next_id, carry))
    frontier_hashes.append(carry)
    return rows
