// Test helpers: read tests/data, and a tiny log (signer, tree, certificates)
// built with WebCrypto, so the certificate tests need no Python.
import { readFileSync } from "node:fs";
import {
  bytesToBase64, bytesToHex, canonicalJson, commitment, concat, keyId, leafHash, nodeHash, utf8,
} from "../../web/static/js/verify.js";

export const vectors = (name) => JSON.parse(readFileSync(new URL(`../data/${name}`, import.meta.url)));
export const hex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** RFC 9162 §2.1.1 MTH over leaf hashes, from the definition. */
export async function rootOf(hashes) {
  if (hashes.length === 0) return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array()));
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(await rootOf(hashes.slice(0, k)), await rootOf(hashes.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) over leaf hashes, from the definition. */
export async function pathOf(index, hashes) {
  if (hashes.length <= 1) return [];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return index < k
    ? [...(await pathOf(index, hashes.slice(0, k))), await rootOf(hashes.slice(k))]
    : [...(await pathOf(index - k, hashes.slice(k))), await rootOf(hashes.slice(0, k))];
}

/** An Ed25519 key in the signed-note forms: sign(bytes), and its vkey of `type`. */
export async function makeKey(name, type = 0x01) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const id = await keyId(name, type, publicKey);
  return {
    name, id, publicKey,
    vkey: `${name}+${id}+${bytesToBase64(concat([type], publicKey))}`,
    sign: async (bytes) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, pair.privateKey, bytes)),
  };
}

/** A signed note: text, blank line, one signature line by `key`. */
export async function signNote(text, key) {
  const signature = await key.sign(utf8(text));
  return `${text}\n\u2014 ${key.name} ${bytesToBase64(concat(hex(key.id), signature))}\n`;
}

/** A cosignature/v1 line by witness `key` (made with type 0x04) over the note's text. */
export async function cosignatureLine(noteText, key, time) {
  const stamp = new Uint8Array(8);
  new DataView(stamp.buffer).setBigUint64(0, BigInt(time));
  const signature = await key.sign(utf8(`cosignature/v1\ntime ${BigInt(time)}\n${noteText}`));
  return `\u2014 ${key.name} ${bytesToBase64(concat(hex(key.id), stamp, signature))}\n`;
}

export const WORK = "27f9e854-09ea-5fc2-af82-65c54926c658";
export const SALT = "5a".repeat(32);
export const FILE_SHA256 = "e03142c72220e60ffe68665cf583c6c2ec5919da2a9424a366f6f4f92fd2ba3d";

export function declaration(overrides = {}, data = {}) {
  return {
    position: 78, event_id: "02d144a0-0a49-5b32-a27b-1bc459404791", aggregate_id: WORK,
    aggregate_version: 1, type: "work.ownership_declared", timestamp: "2026-11-25T20:04:34.848612Z",
    actor: { id: "demo-artist-0", role: "artist" },
    data: { artist: "876ba3b8-4aaf-473b-aa18-a64a323b7d56", content_sha256: FILE_SHA256,
      title: "Han River at Blue Hour", ...data },
    ...overrides,
  };
}

/**
 * A certificate in the service's format for `event` at leaf `index` of a log of `size`
 * leaves, signed by `log` (from makeKey); `leafText` replaces the event's canonical JSON;
 * `credit` ({name, salt}) commits to the name in the event and adds the opening
 * (without it the certificate's credit is null, as after an erasure); `corrections`
 * ([{index, event}]) are later events of the work, proven in the same tree.
 */
export async function makeCertificate(log, { event = declaration(), leafText, index = 5, size = 11, credit, corrections = [] } = {}) {
  if (credit) event.data.credit_name_commitment = await commitment(credit.salt, "credit_name", credit.name);
  const leaf = utf8(leafText ?? canonicalJson(event));
  const hashes = await Promise.all(Array.from({ length: size }, (_, i) => leafHash(utf8(`other ${i}`))));
  hashes[index] = await leafHash(leaf);
  const later = corrections.map((c) => ({ index: c.index, leaf: utf8(canonicalJson(c.event)) }));
  for (const c of later) hashes[c.index] = await leafHash(c.leaf);
  const path = await pathOf(index, hashes);
  const proven = await Promise.all(later.map(async (c) => ({
    leaf_index: c.index, leaf: bytesToBase64(c.leaf), audit_path: (await pathOf(c.index, hashes)).map(bytesToHex),
  })));
  const text = `${log.name}\n${size}\n${bytesToBase64(await rootOf(hashes))}\n`;
  const checkpoint = await signNote(text, log);
  const lines = ["c2sp.org/tlog-proof@v1", `extra ${bytesToBase64(leaf)}`, `index ${index}`,
    ...path.map(bytesToBase64)];
  return {
    work_id: event.aggregate_id, leaf_index: index, leaf: bytesToBase64(leaf),
    inclusion_proof: { tree_size: size, audit_path: path.map(bytesToHex) },
    checkpoint, verifier_key: log.vkey, tlog_proof: `${lines.join("\n")}\n\n${checkpoint}`,
    credit: credit ?? null,
    ...(proven.length ? { corrections: proven } : {}),
  };
}

/** A later event of the declared work: a retraction (by its artist) or a dispute (by staff). */
export function correction(type, overrides = {}) {
  return {
    position: 90, event_id: "5c0f1a4e-3c2b-5d7e-9f10-2a3b4c5d6e7f", aggregate_id: WORK, aggregate_version: 2,
    type, timestamp: "2026-11-27T09:30:00.000000Z", actor: { id: "demo-artist-0", role: "artist" },
    data: { reason_commitment: "ab".repeat(32) },
    ...overrides,
  };
}
