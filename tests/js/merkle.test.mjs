// RFC 9162 §2.1 proofs on the published RFC 6962 vectors (tests/data), and the
// error cases of transparency/merkle.py, message for message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { leafHash, nodeHash, sha256, verifyConsistency, verifyInclusion } from "../../web/static/js/verify.js";
import { hex, rootOf, vectors } from "./helpers.mjs";

const V = vectors("rfc6962-vectors.json");
const leaves = await Promise.all(V.leaf_inputs_hex.map((input) => leafHash(hex(input))));
const root = (size) => hex(V.root_by_tree_size[size]);
const refused = (promise, message) => assert.rejects(promise, { name: "Error", message });

test("leaf and node hashes rebuild every published root", async () => {
  for (let size = 0; size <= leaves.length; size++) {
    assert.deepEqual(await rootOf(leaves.slice(0, size)), root(size), `size ${size}`);
  }
  assert.deepEqual(root(0), await sha256(new Uint8Array()));
});

test("every published inclusion proof verifies", async () => {
  for (const p of V.inclusion_proofs) {
    await verifyInclusion(leaves[p.leaf_index], p.leaf_index, p.tree_size, p.audit_path.map(hex), root(p.tree_size));
  }
});

test("every published consistency proof verifies", async () => {
  for (const p of V.consistency_proofs) {
    await verifyConsistency(p.first, p.second, p.proof.map(hex), root(p.first), root(p.second));
  }
});

test("an inclusion proof fails for another leaf, index or root, or a changed hash", async () => {
  const p = V.inclusion_proofs[1]; // leaf 5 of 8
  const path = p.audit_path.map(hex);
  const bad = "the inclusion proof does not lead to the root hash";
  await refused(verifyInclusion(leaves[4], 5, 8, path, root(8)), bad);
  await refused(verifyInclusion(leaves[5], 4, 8, path, root(8)), bad);
  await refused(verifyInclusion(leaves[5], 5, 8, path, root(7)), bad);
  for (let i = 0; i < path.length; i++) {
    const changed = path.map((h) => h.slice());
    changed[i][31] ^= 1;
    await refused(verifyInclusion(leaves[5], 5, 8, changed, root(8)), bad);
  }
});

test("inclusion errors are those of transparency/merkle.py", async () => {
  const path = V.inclusion_proofs[1].audit_path.map(hex);
  await refused(verifyInclusion(leaves[5], 8, 8, path, root(8)), "leaf index 8 is not in a tree of size 8");
  await refused(verifyInclusion(leaves[0], 0, 0, [], root(0)), "leaf index 0 is not in a tree of size 0");
  await refused(verifyInclusion(leaves[5], -1, 8, path, root(8)), "leaf index -1 is not in a tree of size 8");
  await refused(verifyInclusion(leaves[5], 5, 8, [...path, path[0]], root(8)),
    "the inclusion proof is longer than the tree is deep");
  await refused(verifyInclusion(leaves[5], 5, 8, path.slice(0, 2), root(8)),
    "the inclusion proof is shorter than the tree is deep");
  await refused(verifyInclusion(leaves[5], 0.5, 8, path, root(8)), "leaf index 0.5 is not an integer");
});

test("consistency errors are those of transparency/merkle.py", async () => {
  const p = V.consistency_proofs[2]; // 6 -> 8
  const proof = p.proof.map(hex);
  await refused(verifyConsistency(0, 8, proof, root(0), root(8)), "no consistency proof from size 0 to size 8");
  await refused(verifyConsistency(8, 6, proof, root(8), root(6)), "no consistency proof from size 8 to size 6");
  await refused(verifyConsistency(8, 8, proof, root(8), root(8)), "a proof between equal sizes must be empty");
  await refused(verifyConsistency(8, 8, [], root(8), root(7)), "equal tree sizes with different root hashes");
  await refused(verifyConsistency(6, 8, [], root(6), root(8)), "the consistency proof is empty");
  await refused(verifyConsistency(6, 8, [...proof, proof[0]], root(6), root(8)), "the consistency proof is too long");
  await refused(verifyConsistency(6, 8, proof.slice(0, 2), root(6), root(8)), "the consistency proof is too short");
  await refused(verifyConsistency(6, 8, proof, root(5), root(8)),
    "the consistency proof does not lead to the first root hash");
  await refused(verifyConsistency(6, 8, proof, root(6), root(7)),
    "the consistency proof does not lead to the second root hash");
});

test("indexes beyond 32 bits work (bit operators on JS numbers would truncate them)", async () => {
  // The last leaf of a tree of 2^40 + 1 leaves: its path is one hash, the root of
  // the first 2^40 leaves.
  const left = leaves[7];
  const size = 2 ** 40 + 1;
  await verifyInclusion(leaves[0], 2 ** 40, size, [left], await nodeHash(left, leaves[0]));
  await verifyInclusion(leaves[0], 2n ** 40n, BigInt(size), [left], await nodeHash(left, leaves[0]));
  await refused(verifyInclusion(leaves[0], 2 ** 40, size, [left], await nodeHash(leaves[0], left)),
    "the inclusion proof does not lead to the root hash");
  // 2^33 -> 2^33 + 1: the first root starts the path, the new leaf completes it.
  const first = leaves[3];
  await verifyConsistency(2 ** 33, 2 ** 33 + 1, [leaves[4]], first, await nodeHash(first, leaves[4]));
});
