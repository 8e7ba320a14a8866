"""Proofs from stored complete nodes, checked by RFC 9162 algorithms written here.

The verifiers below are transcribed from RFC 9162 §2.1.3.2 and §2.1.4.2 on
purpose (not imported from `transparency.merkle`), so a shared mistake in the
code under test and its own verifier cannot hide.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from transparency import merkle

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "rfc6962-vectors.json").read_text())
MAX_SIZE = 260  # every index and size up to here (crosses 2^8)


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf *inputs*."""
    n = len(leaves)
    if n == 0:
        return H(b"")
    if n == 1:
        return H(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return H(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def rfc_verify_inclusion(leaf_index, tree_size, hash_, inclusion_path, root_hash) -> bool:
    """RFC 9162 §2.1.3.2, step by step."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, hash_
    for p in inclusion_path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = H(b"\x01" + p + r)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            r = H(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def rfc_verify_consistency(first, second, first_hash, second_hash, consistency_path) -> bool:
    """RFC 9162 §2.1.4.2, step by step (first < second)."""
    if not consistency_path:
        return False
    path = list(consistency_path)
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = H(b"\x01" + c + fr)
            sr = H(b"\x01" + c + sr)
            if fn % 2 == 0:
                while not (fn % 2 == 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = H(b"\x01" + sr + c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def complete_nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete subtree hash, computed from the MTH definition."""
    nodes = {}
    level = 0
    while (1 << level) <= len(leaves):
        width = 1 << level
        for index in range(len(leaves) // width):
            nodes[(level, index)] = mth(leaves[index * width : (index + 1) * width])
        level += 1
    return nodes


@pytest.fixture(scope="module")
def tree():
    leaves = [f"leaf {i}".encode() for i in range(MAX_SIZE)]
    nodes = complete_nodes(leaves)
    roots = {n: mth(leaves[:n]) for n in range(1, MAX_SIZE + 1)}
    fetch = lambda needed: {node: nodes[node] for node in needed}  # noqa: E731
    return leaves, nodes, roots, fetch


def test_every_inclusion_proof_verifies_with_the_rfc_algorithm(tree):
    leaves, nodes, roots, fetch = tree
    for size in range(1, MAX_SIZE + 1):
        for index in range(size):
            path = merkle.prove(merkle.inclusion_ranges(index, size), fetch)
            leaf = H(b"\x00" + leaves[index])
            assert rfc_verify_inclusion(index, size, leaf, path, roots[size]), (index, size)
            merkle.verify_inclusion(leaf, index, size, path, roots[size])


def test_every_consistency_proof_verifies_with_the_rfc_algorithm(tree):
    leaves, nodes, roots, fetch = tree
    for second in range(1, MAX_SIZE + 1):
        for first in range(1, second):
            proof = merkle.prove(merkle.consistency_ranges(first, second), fetch)
            assert rfc_verify_consistency(first, second, roots[first], roots[second], proof), (
                first,
                second,
            )
            merkle.verify_consistency(first, second, proof, roots[first], roots[second])
        assert merkle.prove(merkle.consistency_ranges(second, second), fetch) == []


def test_proofs_read_logarithmically_many_nodes():
    size = 1_000_003
    for index in (0, 1, size // 2, size - 1):
        nodes = {
            n for lo, hi in merkle.inclusion_ranges(index, size) for n in merkle.range_nodes(lo, hi)
        }
        assert len(nodes) <= 2 * size.bit_length()
    nodes = {
        n for lo, hi in merkle.consistency_ranges(999_999, size) for n in merkle.range_nodes(lo, hi)
    }
    assert len(nodes) <= 2 * size.bit_length()


def test_published_rfc6962_vectors_are_reproduced():
    leaves = [bytes.fromhex(h) for h in VECTORS["leaf_inputs_hex"]]
    nodes = complete_nodes(leaves)
    fetch = lambda needed: {node: nodes[node] for node in needed}  # noqa: E731
    frontier_root = lambda n: merkle.root_from_frontier(  # noqa: E731
        [nodes[node] for node in merkle.frontier(n)]
    )
    for size, root in VECTORS["root_by_tree_size"].items():
        n = int(size)
        assert merkle.root_of([merkle.leaf_hash(leaf) for leaf in leaves[:n]]).hex() == root
        assert frontier_root(n).hex() == root
    for case in VECTORS["inclusion_proofs"]:
        path = merkle.prove(merkle.inclusion_ranges(case["leaf_index"], case["tree_size"]), fetch)
        assert [p.hex() for p in path] == case["audit_path"]
    for case in VECTORS["consistency_proofs"]:
        proof = merkle.prove(merkle.consistency_ranges(case["first"], case["second"]), fetch)
        assert [p.hex() for p in proof] == case["proof"]


def test_stored_ids_are_contiguous_in_append_order():
    next_id = 0
    for size in range(600):
        assert merkle.stored_count(size) == next_id
        for level, index in merkle.appended_nodes(size):
            assert merkle.stored_index(level, index) == next_id
            next_id += 1


def test_tampered_proofs_are_rejected(tree):
    leaves, nodes, roots, fetch = tree
    path = merkle.prove(merkle.inclusion_ranges(5, 13), fetch)
    leaf = merkle.leaf_hash(leaves[5])
    bad = [path[0][:-1] + bytes([path[0][-1] ^ 1])] + path[1:]
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(leaf, 5, 13, bad, roots[13])
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(leaf, 6, 13, path, roots[13])
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(leaf, 5, 13, path[:-1], roots[13])
    proof = merkle.prove(merkle.consistency_ranges(6, 13), fetch)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(6, 13, proof, roots[7], roots[13])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(6, 13, proof + [proof[0]], roots[6], roots[13])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(7, 13, [], roots[7], roots[13])


def test_appending_leaves_writes_every_complete_node_and_tracks_the_root(tree):
    leaves, nodes, roots, fetch = tree
    frontier: list[bytes] = []
    written: dict[int, bytes] = {}
    for size, leaf in enumerate(leaves):
        for node_id, digest in merkle.append_leaf(size, frontier, merkle.leaf_hash(leaf)):
            assert node_id not in written
            written[node_id] = digest
        assert merkle.root_from_frontier(frontier) == roots[size + 1]
    assert written == {merkle.stored_index(*node): h for node, h in nodes.items()}
