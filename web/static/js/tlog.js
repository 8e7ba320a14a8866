// Transparency-log formats, verified with WebCrypto alone (browsers and Node 20+):
// RFC 9162 §2.1 Merkle proofs and the C2SP signed-note, tlog-checkpoint,
// tlog-cosignature (cosignature/v1, Ed25519) and tlog-proof texts. The same
// checks and messages as transparency/merkle.py and transparency/note.py.
// verify.js re-exports all of it; import that.

export const KEY_ED25519 = 0x01; // signed-note signature type of the log's key
export const KEY_COSIGNATURE_V1 = 0x04; // tlog-cosignature Ed25519 witness key
const EM_DASH = "\u2014";

/** Why a proof, note, key or certificate does not verify. */
export class VerifyError extends Error {}

const fail = (message) => {
  throw new VerifyError(message);
};

// ---- bytes -----------------------------------------------------------------

const encoder = new TextEncoder();
export const utf8 = (text) => encoder.encode(text);

export function decodeUtf8(bytes, what) {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    fail(`${what} is not valid UTF-8`);
  }
}

export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function equalBytes(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export const bytesToHex = (bytes) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

export function hexToBytes(hex, what = "hex") {
  if (typeof hex !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(hex)) {
    fail(`${what} is not hex`);
  }
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

export const bytesToBase64 = (bytes) =>
  btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 whose re-encoding is exactly `text` (no slack bits, no missing padding). */
export function base64ToBytes(text, what = "base64") {
  if (typeof text !== "string" || !BASE64.test(text)) fail(`${what} is not valid base64`);
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  if (bytesToBase64(bytes) !== text) fail(`${what} is not in canonical base64`);
  return bytes;
}

export const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

// ---- RFC 9162 §2.1 Merkle trees (the same checks and errors as transparency/merkle.py) ----

export const leafHash = (data) => sha256(concat([0x00], data));
export const nodeHash = (left, right) => sha256(concat([0x01], left, right));

// Indexes and sizes are BigInts inside: JS bit operators work on 32 bits only.
function big(n, what) {
  if (typeof n === "bigint") return n;
  if (Number.isSafeInteger(n)) return BigInt(n);
  fail(`${what} ${n} is not an integer`);
}

/** Throw VerifyError unless `path` proves leaf hash `leaf` at `index` under `root` (§2.1.3.2). */
export async function verifyInclusion(leaf, index, size, path, root) {
  let fn = big(index, "leaf index");
  let sn = big(size, "tree size");
  if (fn < 0n || fn >= sn) fail(`leaf index ${index} is not in a tree of size ${size}`);
  sn -= 1n;
  let r = leaf;
  for (const p of path) {
    if (sn === 0n) fail("the inclusion proof is longer than the tree is deep");
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1n) && fn !== 0n) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      r = await nodeHash(r, p);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) fail("the inclusion proof is shorter than the tree is deep");
  if (!equalBytes(r, root)) fail("the inclusion proof does not lead to the root hash");
}

/** Throw VerifyError unless `proof` shows tree `first` is a prefix of tree `second` (§2.1.4.2). */
export async function verifyConsistency(first, second, proof, firstRoot, secondRoot) {
  let fn = big(first, "first size");
  let sn = big(second, "second size");
  if (fn <= 0n || fn > sn) fail(`no consistency proof from size ${first} to size ${second}`);
  if (fn === sn) {
    if (proof.length) fail("a proof between equal sizes must be empty");
    if (!equalBytes(firstRoot, secondRoot)) fail("equal tree sizes with different root hashes");
    return;
  }
  if (!proof.length) fail("the consistency proof is empty");
  // When `first` is a power of two, its root starts the path.
  const path = (fn & (fn - 1n)) === 0n ? [firstRoot, ...proof] : [...proof];
  [fn, sn] = [fn - 1n, sn - 1n];
  while (fn & 1n) [fn, sn] = [fn >> 1n, sn >> 1n];
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0n) fail("the consistency proof is too long");
    if (fn & 1n || fn === sn) {
      [fr, sr] = [await nodeHash(c, fr), await nodeHash(c, sr)];
      while (!(fn & 1n) && fn !== 0n) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      sr = await nodeHash(sr, c);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  if (sn !== 0n) fail("the consistency proof is too short");
  if (!equalBytes(fr, firstRoot)) {
    fail("the consistency proof does not lead to the first root hash");
  }
  if (!equalBytes(sr, secondRoot)) {
    fail("the consistency proof does not lead to the second root hash");
  }
}

// ---- C2SP signed notes, checkpoints, cosignatures -------------------------

/** Key id: SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4], as 8 lowercase hex digits. */
export async function keyId(name, type, publicKey) {
  return bytesToHex((await sha256(concat(utf8(name), [0x0a, type], publicKey))).slice(0, 4));
}

/** A vkey `<name>+<hex key id>+<base64(type ‖ 32-byte key)>`: {name, type, keyId, publicKey}. */
export async function parseVkey(text, type = KEY_ED25519) {
  const parts = String(text).trim().split("+"); // the base64 part may hold "+"
  const [name, id, encoded] = [parts[0], parts[1], parts.slice(2).join("+")];
  if (parts.length < 3 || !/^[0-9a-f]{8}$/.test(id)) fail("malformed verifier key");
  if (!/^[^\s+]+$/u.test(name)) {
    fail(`key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  }
  const raw = base64ToBytes(encoded, "verifier key");
  if (raw.length !== 33 || raw[0] !== type) {
    fail(type === KEY_ED25519 ? "verifier key is not an Ed25519 key"
      : "witness key is not an Ed25519 cosignature/v1 key");
  }
  const publicKey = raw.slice(1);
  if ((await keyId(name, type, publicKey)) !== id) {
    fail("verifier key id does not match its name and key");
  }
  return { name, type, keyId: id, publicKey };
}

async function ed25519Verify(publicKey, signature, message) {
  if (signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return await crypto.subtle.verify("Ed25519", key, signature, message);
  } catch {
    return false; // a key WebCrypto refuses verifies nothing
  }
}

/** A note's text and its signature lines [{name, keyId, signature}]; nothing verified yet. */
export function splitNote(note) {
  if (note instanceof Uint8Array) note = decodeUtf8(note, "the note");
  if (typeof note !== "string") fail("the note is not text");
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) {
    fail("notes must not contain control characters other than newline");
  }
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) {
    fail("malformed note: no blank line before the signatures");
  }
  const block = note.slice(split + 2, -1);
  const signatures = (block ? block.split("\n") : []).map((line) => {
    const parts = line.split(" ");
    if (parts.length !== 3 || parts[0] !== EM_DASH) {
      fail(`malformed signature line ${JSON.stringify(line)}`);
    }
    const blob = base64ToBytes(parts[2], "signature");
    if (blob.length < 5) fail("signature too short");
    return { name: parts[1], keyId: bytesToHex(blob.slice(0, 4)), signature: blob.slice(4) };
  });
  return { text: note.slice(0, split + 1), signatures };
}

/** The note's text if `verifier` (from parseVkey) signed it; VerifyError otherwise. */
export async function openNote(note, verifier) {
  const { text, signatures } = splitNote(note);
  let verified = false;
  for (const s of signatures) {
    if (s.name !== verifier.name || s.keyId !== verifier.keyId) continue; // unknown keys: ignored
    if (!(await ed25519Verify(verifier.publicKey, s.signature, utf8(text)))) {
      fail(`the signature by ${verifier.name} does not verify`);
    }
    verified = true;
  }
  if (!verified) {
    fail(`the note carries no signature by ${verifier.name}+${verifier.keyId}`);
  }
  return text;
}

/** C2SP tlog-checkpoint text: {origin, size (BigInt), root, extensions}. */
export function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines.at(-1) !== "" || lines.slice(0, -1).some((line) => !line)) {
    fail("a checkpoint is at least three non-empty lines, newline-terminated");
  }
  const [origin, size, root] = lines;
  if (!/^(?:0|[1-9][0-9]{0,18})$/.test(size)) {
    fail(`checkpoint tree size ${JSON.stringify(size)} is not a decimal without leading zeros`);
  }
  const digest = base64ToBytes(root, "checkpoint root hash");
  if (digest.length !== 32) fail("checkpoint root hash is not 32 bytes");
  return { origin, size: BigInt(size), root: digest, extensions: lines.slice(3, -1) };
}

async function checkCosignature(witness, signature, text) {
  if (signature.length !== 8 + 64) {
    fail(`the cosignature by ${witness.name} is not a timestamp and an Ed25519 signature`);
  }
  const time = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0); // big-endian
  if (time >= 2n ** 63n) {
    fail(`the cosignature by ${witness.name} has an impossible time`);
  }
  const message = utf8(`cosignature/v1\ntime ${time}\n${text}`);
  if (!(await ed25519Verify(witness.publicKey, signature.slice(8), message))) {
    fail(`the cosignature by ${witness.name} does not verify`);
  }
  return Number(time);
}

/** The witnesses (from parseVkey(vkey, KEY_COSIGNATURE_V1)) whose cosignature/v1 on the note
 * verifies: [{name, keyId, time}], time in POSIX seconds. A bad cosignature by a listed
 * witness rejects the note (signed-note: "clients SHOULD reject the whole note"). */
export async function verifyCosignatures(note, witnesses) {
  const { text, signatures } = splitNote(note);
  const found = [];
  for (const witness of witnesses) {
    let time = null;
    for (const s of signatures) {
      if (s.name !== witness.name || s.keyId !== witness.keyId) continue; // not this witness
      time = await checkCosignature(witness, s.signature, text);
    }
    if (time !== null) found.push({ name: witness.name, keyId: witness.keyId, time });
  }
  return found;
}

/** A c2sp.org/tlog-proof@v1 text: {extra, index (BigInt), path, checkpoint}. */
export function parseTlogProof(text) {
  const split = text.indexOf("\n\n");
  if (split < 0) fail("tlog_proof has no blank line before its checkpoint");
  const lines = text.slice(0, split).split("\n");
  if (lines.shift() !== "c2sp.org/tlog-proof@v1") fail("tlog_proof is not a c2sp.org/tlog-proof@v1 text");
  const hasExtra = lines[0]?.startsWith("extra ");
  const extra = hasExtra ? base64ToBytes(lines.shift().slice(6), "tlog_proof extra data") : null;
  const index = /^index (0|[1-9][0-9]*)$/.exec(lines.shift() ?? "");
  if (!index) fail("tlog_proof has no well-formed index line");
  const path = lines.map((line) => base64ToBytes(line, "a tlog_proof hash"));
  if (path.some((hash) => hash.length !== 32)) fail("a tlog_proof hash is not 32 bytes");
  return { extra, index: BigInt(index[1]), path, checkpoint: text.slice(split + 2) };
}

