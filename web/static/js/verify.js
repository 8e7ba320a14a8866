// Lab Ledger's ownership-certificate verifier, for the visitor's own browser
// (and Node 20+): the answer must not rest on trusting the server that sent
// the certificate. Plain ES modules (this one and tlog.js, the formats), no
// dependencies, WebCrypto only: SHA-256 and Ed25519, which browsers expose in
// secure contexts (https, or http on localhost/127.0.0.1).
//
// It must agree with the Python verifier (transparency/certificate.py);
// tests/unit/test_js_verifier.py runs both on the service's own certificates.
// One deliberate difference: Python insists that a certificate file is
// byte-for-byte canonical JSON, this module checks facts, so a certificate
// that was re-indented on its way still verifies here. A certificate's
// `corrections` (a retraction, a dispute) are proven like the declaration, as
// transparency/corrections.py proves them: a valid record of a retracted work
// verifies, and says it was retracted.

import {
  KEY_COSIGNATURE_V1, VerifyError, base64ToBytes, bytesToHex, concat, decodeUtf8, equalBytes,
  hexToBytes, leafHash, openNote, parseCheckpoint, parseTlogProof, parseVkey, sha256, utf8,
  verifyCosignatures, verifyInclusion,
} from "./tlog.js";

export * from "./tlog.js";

const fail = (message) => {
  throw new VerifyError(message);
};

/** The leaf field whose `<field>_commitment` commits to the credited name. */
export const CREDIT_FIELD = "credit_name";
export const DECLARATION_TYPE = "work.ownership_declared";
/** Later events that change whether a declaration stands (transparency/corrections.py). */
export const CORRECTIONS = Object.freeze({
  "work.ownership_retracted": "retracted",
  "work.ownership_disputed": "disputed",
});

// ---- ownership certificates ------------------------------------------------

/** SHA-256(salt ‖ field ‖ 0x00 ‖ value) in hex, as ledger/events.py `commitment`. */
export async function commitment(saltHex, field, value) {
  const salt = hexToBytes(saltHex, "the salt");
  return bytesToHex(await sha256(concat(salt, utf8(field), [0x00], utf8(value))));
}

/** RFC 8785 canonical JSON: JSON.stringify's numbers and strings, keys sorted by UTF-16 units. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const members = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isCount = (n) => Number.isSafeInteger(n) && n >= 0;
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const short = (bytes) => `${bytesToHex(bytes).slice(0, 8)}…${bytesToHex(bytes).slice(-4)}`;
const skipped = (detail) => ({ skipped: detail });

function when(seconds) {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s after 1970` : date.toISOString();
}

function readCertificate(s) {
  let cert = s.input instanceof ArrayBuffer ? new Uint8Array(s.input) : s.input;
  if (cert instanceof Uint8Array) cert = decodeUtf8(cert, "the certificate");
  if (typeof cert === "string") {
    try {
      cert = JSON.parse(cert);
    } catch (error) {
      fail(`the certificate is not valid JSON (${error.message})`);
    }
  }
  if (!isObject(cert)) fail("the certificate is not a JSON object");
  if (typeof cert.work_id !== "string" || !UUID.test(cert.work_id)) fail("work_id is not a lowercase UUID");
  if (!isCount(cert.leaf_index)) fail("leaf_index is not a non-negative integer");
  const proof = cert.inclusion_proof;
  if (!isObject(proof) || !isCount(proof.tree_size) || !Array.isArray(proof.audit_path)) {
    fail("inclusion_proof is not {tree_size, audit_path}");
  }
  if (!proof.audit_path.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))) {
    fail("audit_path entries are not lowercase hex SHA-256 hashes");
  }
  for (const field of ["leaf", "checkpoint", "verifier_key", "tlog_proof"]) {
    if (typeof cert[field] !== "string") fail(`${field} is missing or not text`);
  }
  // Always present: null when the service no longer opens the credit (the
  // artist's personal data was erased); a missing one is a changed certificate.
  if (!("credit" in cert)) fail("credit is missing (null when the log does not open it)");
  if ("corrections" in cert && !Array.isArray(cert.corrections)) fail("corrections is not a list");
  const credit = cert.credit;
  if (credit !== null && !(typeof credit?.name === "string" && typeof credit.salt === "string")) {
    fail("credit is not null or {name, salt}");
  }
  s.cert = cert;
  return `work ${cert.work_id}, record ${cert.leaf_index} of a log of ${proof.tree_size} records`;
}

async function checkLogKey(s, { trustedKey }) {
  s.verifier = await parseVkey(s.cert.verifier_key);
  const named = `${s.verifier.name}+${s.verifier.keyId}`;
  if (!trustedKey) {
    return `no pinned key was given, so the key inside the certificate is used (${named}): `
      + "this proves the certificate is intact, not who issued it";
  }
  const trusted = await parseVkey(trustedKey);
  if (trusted.name !== s.verifier.name || !equalBytes(trusted.publicKey, s.verifier.publicKey)) {
    fail("the certificate's verifier key is not the trusted key");
  }
  s.keyPinned = true;
  return `the certificate names the key you pinned, ${named}`;
}

async function checkSignature(s) {
  s.checkpoint = parseCheckpoint(await openNote(s.cert.checkpoint, s.verifier));
  const { origin, size, root } = s.checkpoint;
  if (origin !== s.verifier.name) {
    fail(`checkpoint origin ${JSON.stringify(origin)} is not the key's log`);
  }
  return `${origin} signed its state at ${size} records (root hash ${short(root)})`;
}

async function checkWitnesses(s, { witnesses: keys, quorum }) {
  keys ??= [];
  if (!keys.length && !quorum) return skipped("no witnesses were asked for");
  const parsed = await Promise.all(keys.map((key) => parseVkey(key, KEY_COSIGNATURE_V1)));
  const same = (a, b) => a.name === b.name && a.keyId === b.keyId;
  const witnesses = parsed.filter((w, i) => parsed.findIndex((o) => same(o, w)) === i); // count once
  const needed = quorum ?? witnesses.length;
  if (!isCount(needed) || needed > witnesses.length) {
    fail(`a quorum of ${needed} cannot be met by ${witnesses.length} witness key(s)`);
  }
  s.witnesses = await verifyCosignatures(s.cert.checkpoint, witnesses);
  if (s.witnesses.length < needed) {
    fail(`${s.witnesses.length} of the ${needed} required witness cosignatures are present`);
  }
  const names = s.witnesses.map((w) => `${w.name} (${when(w.time)})`);
  return `cosigned by ${names.join(", ") || "none (a quorum of 0)"}`;
}

async function checkLeaf(s) {
  s.leaf = base64ToBytes(s.cert.leaf, "leaf");
  s.leafHash = await leafHash(s.leaf);
  return `the record's leaf hash is ${bytesToHex(s.leafHash)}`;
}

async function checkInclusion(s) {
  const { tree_size: size, audit_path: path } = s.cert.inclusion_proof;
  if (BigInt(size) !== s.checkpoint.size) {
    fail(`the proof is for size ${size}, the checkpoint for ${s.checkpoint.size}`);
  }
  s.path = path.map((hash) => hexToBytes(hash));
  await verifyInclusion(s.leafHash, s.cert.leaf_index, size, s.path, s.checkpoint.root);
  return `record ${s.cert.leaf_index} leads, with ${path.length} hashes, to the signed root`;
}

function checkDeclaration(s) {
  const text = decodeUtf8(s.leaf, "the leaf");
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    fail("the leaf is not valid JSON");
  }
  if (canonicalJson(event) !== text) fail("the leaf is not RFC 8785 canonical JSON");
  if (event?.type !== DECLARATION_TYPE) fail(`the leaf is not a ${DECLARATION_TYPE} event`);
  if (event.aggregate_id !== s.cert.work_id || event.aggregate_version !== 1) {
    fail("the leaf is not the ownership declaration of this work");
  }
  s.event = event;
  s.data = isObject(event.data) ? event.data : {};
  return `declared at ${event.timestamp}: “${s.data.title}”, SHA-256 ${s.data.content_sha256}`;
}

function checkProofCopy(s) {
  const copy = parseTlogProof(s.cert.tlog_proof);
  if (!copy.extra || !equalBytes(copy.extra, s.leaf)) fail("tlog_proof carries another leaf");
  if (copy.index !== BigInt(s.cert.leaf_index)) fail("tlog_proof names another leaf index");
  const samePath = copy.path.length === s.path.length && copy.path.every((h, i) => equalBytes(h, s.path[i]));
  if (!samePath) {
    fail("tlog_proof carries another audit path");
  }
  if (copy.checkpoint !== s.cert.checkpoint) fail("tlog_proof carries another checkpoint");
  return "the c2sp.org/tlog-proof text repeats the same leaf, index, path and checkpoint";
}

const CORRECTION_FIELDS = ["audit_path", "leaf", "leaf_index"];

/** One correction, proven like the declaration: its leaf in the same signed tree. */
async function provenCorrection(s, item) {
  if (!isObject(item) || Object.keys(item).sort().join() !== CORRECTION_FIELDS.join()) {
    fail(`a correction has exactly the fields ${CORRECTION_FIELDS.join(", ")}`);
  }
  const { leaf_index: index, audit_path: path } = item;
  if (!isCount(index)) fail("a correction's leaf_index is not a non-negative integer");
  if (!Array.isArray(path) || !path.every((h) => typeof h === "string" && /^[0-9a-f]{64}$/.test(h))) {
    fail("a correction's audit_path is not a list of hex SHA-256 hashes");
  }
  const leaf = base64ToBytes(item.leaf, `correction ${index}'s leaf`);
  const { size, root } = s.checkpoint;
  try {
    await verifyInclusion(await leafHash(leaf), index, size, path.map((h) => hexToBytes(h)), root);
  } catch (error) {
    if (error instanceof VerifyError) fail(`correction ${index}: inclusion proof: ${error.message}`);
    throw error;
  }
  let event;
  try {
    event = JSON.parse(decodeUtf8(leaf, `correction ${index}'s leaf`));
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    fail(`correction ${index}: the leaf is not JSON`);
  }
  if (!isObject(event) || !Object.hasOwn(CORRECTIONS, event.type)) {
    fail(`correction ${index} is not a retraction or a dispute`);
  }
  const version = event.aggregate_version;
  if (event.aggregate_id !== s.cert.work_id || !Number.isSafeInteger(version) || version < 2) {
    fail(`correction ${index} is not an event of work ${s.cert.work_id}`);
  }
  return { index, event };
}

async function checkCorrections(s) {
  const items = s.cert.corrections ?? [];
  const proven = [];
  for (const item of items) proven.push(await provenCorrection(s, item));
  if (new Set(proven.map((c) => c.index)).size !== proven.length) fail("a correction is listed twice");
  proven.sort((a, b) => a.index - b.index);
  s.corrections = proven.map(({ index, event }) => ({
    status: CORRECTIONS[event.type],
    type: event.type,
    at: event.timestamp ?? null,
    position: event.position ?? null,
    leafIndex: index,
  }));
  const found = new Set(s.corrections.map((c) => c.status));
  s.status = found.has("retracted") ? "retracted" : found.size ? "disputed" : "declared";
  if (!proven.length) {
    return "none in this certificate (one issued before a correction cannot show a later one: "
      + "the registry says what stands now)";
  }
  const said = s.corrections.map((c) => `${c.status} at ${c.at} (record ${c.leafIndex})`);
  return `${said.join("; ")}, each proven in the same signed log`;
}

function checkFile(s, { fileSha256 }) {
  if (fileSha256 === undefined || fileSha256 === null) return skipped("no file was given to compare");
  const given = String(fileSha256).toLowerCase();
  if (given !== s.data.content_sha256) {
    fail(`your file's SHA-256 is ${given}, the declared work's is ${s.data.content_sha256}`);
  }
  s.fileMatched = true;
  return `your file's SHA-256 is the declared ${given}`;
}

async function checkCredit(s) {
  const credit = s.cert.credit;
  if (credit === null) return skipped("no credit opening in this certificate");
  const field = `${CREDIT_FIELD}_commitment`;
  if (typeof s.data[field] !== "string") fail(`the log's record has no ${field} to open`);
  if ((await commitment(credit.salt, CREDIT_FIELD, credit.name)) !== s.data[field]) {
    fail("the credited name and salt do not open the commitment in the log");
  }
  s.creditName = credit.name;
  return `the log committed to the name “${credit.name}”`;
}

const STEPS = [
  ["format", "The certificate can be read", readCertificate],
  ["log-key", "The log's key is the one you trust", checkLogKey],
  ["signature", "The log signed its current state", checkSignature],
  ["witnesses", "Independent witnesses saw the same log", checkWitnesses],
  ["leaf", "The declaration's fingerprint is computed in your browser", checkLeaf],
  ["inclusion", "The declaration is part of the signed log", checkInclusion],
  ["declaration", "The record is this work's ownership declaration", checkDeclaration],
  ["proof-copy", "The certificate's two copies of the proof agree", checkProofCopy],
  ["corrections", "Any later retraction or dispute is in the same signed log", checkCorrections],
  ["file", "Your file is the declared work", checkFile],
  ["credit", "The credited name is the one the log committed to", checkCredit],
];

/** The checks' ids and labels, in order: a page can list them before any has run. */
export const CHECKS = Object.freeze(STEPS.map(([id, label]) => Object.freeze({ id, label })));

function proved(s) {
  return {
    workId: s.cert.work_id,
    title: s.data.title ?? null,
    contentSha256: s.data.content_sha256 ?? null,
    artist: s.data.artist ?? null, // the participant's opaque id
    creditedName: s.creditName ?? null,
    creditOpened: s.creditName !== undefined,
    declaredAt: s.event.timestamp ?? null,
    origin: s.checkpoint.origin,
    treeSize: Number(s.checkpoint.size),
    rootHash: bytesToHex(s.checkpoint.root),
    leafIndex: s.cert.leaf_index,
    keyPinned: s.keyPinned,
    witnesses: s.witnesses,
    fileMatched: s.fileMatched,
    // declared, disputed or retracted: as far as this certificate proves.
    status: s.status,
    corrections: s.corrections,
  };
}

/**
 * Verify an ownership certificate: JSON text, UTF-8 bytes (Uint8Array or ArrayBuffer)
 * or the parsed object. options: trustedKey (the log's vkey, pinned out of band),
 * witnesses (vkeys of cosignature/v1 witnesses), quorum (how many of them must have
 * cosigned; default: all given), fileSha256 (hex SHA-256 of the visitor's file).
 *
 * Never throws. Returns {verified, checks: [{id, label, ok, skipped, detail}], failed,
 * proved}: the checks run in CHECKS order and stop at the first failure (`failed`);
 * on success `proved` says what was shown. Details quote the certificate (titles,
 * names): render them as text, never as HTML.
 */
export async function verifyCertificate(certificate, options = {}) {
  const s = { input: certificate, keyPinned: false, witnesses: [], fileMatched: false };
  const checks = [];
  for (const [id, label, run] of STEPS) {
    try {
      const outcome = await run(s, options);
      const skip = typeof outcome === "object";
      checks.push({ id, label, ok: true, skipped: skip, detail: skip ? outcome.skipped : outcome });
    } catch (error) {
      const detail = error instanceof VerifyError ? error.message : `unexpected error: ${error}`;
      const failed = { id, label, ok: false, skipped: false, detail };
      checks.push(failed);
      return { verified: false, checks, failed, proved: null };
    }
  }
  return { verified: true, checks, failed: null, proved: proved(s) };
}
