// verifyCertificate on certificates built here in the service's format: each
// check, the first failure named, the credit opening, the file, witnesses.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import {
  CHECKS, bytesToBase64, canonicalJson, commitment, utf8, verifyCertificate,
} from "../../web/static/js/verify.js";
import {
  FILE_SHA256, SALT, WORK, cosignatureLine, declaration, makeCertificate, makeKey, signNote,
} from "./helpers.mjs";

const log = await makeKey("test.local/log");
const genuine = await makeCertificate(log);
const copy = () => structuredClone(genuine);

async function failsAt(cert, id, detail, options = {}) {
  const result = await verifyCertificate(cert, options);
  assert.equal(result.verified, false);
  assert.equal(result.failed.id, id, result.failed.detail);
  assert.equal(result.checks.at(-1), result.failed); // stops at the first failure
  assert.ok(result.checks.slice(0, -1).every((c) => c.ok));
  if (detail) assert.match(result.failed.detail, detail);
  assert.equal(result.proved, null);
  return result;
}

test("a genuine certificate verifies and says what was proved", async () => {
  const result = await verifyCertificate(JSON.stringify(genuine), { trustedKey: log.vkey, fileSha256: FILE_SHA256 });
  assert.equal(result.verified, true, result.failed?.detail);
  assert.deepEqual(result.checks.map((c) => [c.id, c.label]), CHECKS.map((c) => [c.id, c.label]));
  assert.ok(result.checks.every((c) => c.ok && typeof c.label === "string" && typeof c.detail === "string"));
  const skipped = result.checks.filter((c) => c.skipped).map((c) => [c.id, c.detail]);
  assert.deepEqual(skipped, [["witnesses", "no witnesses were asked for"],
    ["credit", "no credit opening in this certificate"]]);
  assert.deepEqual({ ...result.proved, rootHash: undefined }, {
    workId: WORK, title: "Han River at Blue Hour", contentSha256: FILE_SHA256,
    artist: "876ba3b8-4aaf-473b-aa18-a64a323b7d56", creditedName: null, creditOpened: false,
    declaredAt: "2026-11-25T20:04:34.848612Z", origin: "test.local/log", treeSize: 11, leafIndex: 5,
    keyPinned: true, witnesses: [], fileMatched: true, rootHash: undefined, status: "declared", corrections: [],
  });
});

test("it takes JSON text, UTF-8 bytes or the parsed object, and checks facts, not bytes", async () => {
  const bytes = utf8(JSON.stringify(genuine));
  for (const form of [JSON.stringify(genuine), bytes, bytes.buffer, genuine, JSON.stringify(genuine, null, 2)]) {
    assert.equal((await verifyCertificate(form)).verified, true);
  }
  const unpinned = await verifyCertificate(genuine);
  assert.equal(unpinned.proved.keyPinned, false);
  assert.match(unpinned.checks[1].detail, /proves the certificate is intact, not who issued it/);
});

test("unreadable certificates fail the first check", async () => {
  await failsAt("{", "format", /not valid JSON/);
  await failsAt("[]", "format", /not a JSON object/);
  await failsAt(Uint8Array.from([0x7b, 0xff, 0x7d]), "format", /not valid UTF-8/);
  const cases = [
    [(c) => { c.work_id = c.work_id.toUpperCase(); }, /work_id is not a lowercase UUID/],
    [(c) => { c.leaf_index = -1; }, /leaf_index/],
    [(c) => { c.leaf_index = "5"; }, /leaf_index/],
    [(c) => { c.inclusion_proof.tree_size = 2 ** 53; }, /inclusion_proof/],
    [(c) => { c.inclusion_proof.audit_path[0] = c.inclusion_proof.audit_path[0].toUpperCase(); }, /audit_path/],
    [(c) => { delete c.tlog_proof; }, /tlog_proof is missing/],
    [(c) => { c.credit = { name: "Kim" }; }, /credit is not null or \{name, salt\}/],
    [(c) => { delete c.credit; }, /credit is missing/],
  ];
  for (const [change, detail] of cases) {
    const cert = copy();
    change(cert);
    await failsAt(cert, "format", detail);
  }
});

test("another log's key fails against the pinned key; a forged signature fails", async () => {
  const other = await makeKey("test.local/log");
  await failsAt(genuine, "log-key", /not the trusted key/, { trustedKey: other.vkey });
  const forged = await makeCertificate(other);
  forged.verifier_key = log.vkey; // claims our key, signed by another
  await failsAt(forged, "signature", /no signature by test\.local\/log\+/);
  const altered = copy();
  altered.checkpoint = altered.checkpoint.replace("\n11\n", "\n12\n");
  await failsAt(altered, "signature", /signature by test\.local\/log does not verify/);
  const elsewhere = await makeCertificate(await makeKey("elsewhere.example/log"));
  elsewhere.checkpoint = elsewhere.checkpoint.replace(/^elsewhere\.example\/log/, "other");
  await failsAt(elsewhere, "signature");
});

test("a checkpoint whose origin is not the key's log is refused", async () => {
  const other = await makeKey("other.example/log");
  const cert = copy();
  cert.checkpoint = await signNote(`${cert.checkpoint.split("\n\n")[0]}\n`, other); // origin test.local/log
  cert.verifier_key = other.vkey;
  await failsAt(cert, "signature", /checkpoint origin "test\.local\/log" is not the key's log/);
});

test("a changed leaf, path, index or size fails the inclusion proof", async () => {
  const leaf = copy();
  leaf.leaf = bytesToBase64(utf8(canonicalJson(declaration({}, { title: "Han River at Blue Hour!" }))));
  await failsAt(leaf, "inclusion", /does not lead to the root hash/);
  const path = copy();
  path.inclusion_proof.audit_path[1] = "00".repeat(32);
  await failsAt(path, "inclusion", /does not lead to the root hash/);
  const index = copy();
  index.leaf_index = 4;
  await failsAt(index, "inclusion");
  const size = copy();
  size.inclusion_proof.tree_size = 12;
  await failsAt(size, "inclusion", /the proof is for size 12, the checkpoint for 11/);
  const base64 = copy();
  base64.leaf = `${base64.leaf}=`;
  await failsAt(base64, "leaf", /leaf is not valid base64/);
});

test("a proven leaf that is not this work's declaration is refused", async () => {
  const version = await makeCertificate(log, { event: declaration({ aggregate_version: 2 }) });
  await failsAt(version, "declaration", /not the ownership declaration of this work/);
  const exhibited = await makeCertificate(log, { event: declaration({ type: "work.exhibited" }) });
  await failsAt(exhibited, "declaration", /not a work\.ownership_declared event/);
  const renamed = copy();
  renamed.work_id = "0be47249-0000-4000-8000-000000000000";
  await failsAt(renamed, "declaration", /not the ownership declaration of this work/);
});

test("a leaf that is not canonical JSON is refused (duplicate keys would be ambiguous)", async () => {
  const text = canonicalJson(declaration());
  const twice = text.replace('"aggregate_version":1', '"aggregate_version":2,"aggregate_version":1');
  assert.equal(JSON.parse(twice).aggregate_version, 1); // which one counts depends on the parser
  await failsAt(await makeCertificate(log, { leafText: twice }), "declaration", /not RFC 8785 canonical JSON/);
  await failsAt(await makeCertificate(log, { leafText: text.replace(",", ", ") }), "declaration", /canonical/);
  await failsAt(await makeCertificate(log, { leafText: "[1]" }), "declaration", /not a work\.ownership_declared/);
  await failsAt(await makeCertificate(log, { leafText: "{" }), "declaration", /not valid JSON/);
});

test("the tlog-proof copy must repeat the same leaf, index, path and checkpoint", async () => {
  const cases = [
    [(t) => t.replace(/^extra \S+$/m, `extra ${bytesToBase64(utf8("x"))}`), /another leaf/],
    [(t) => t.replace(/^extra \S+\n/m, ""), /another leaf/],
    [(t) => t.replace(/^index 5$/m, "index 4"), /another leaf index/],
    [(t) => t.replace(/^index 5$/m, "index 05"), /no well-formed index line/],
    [(t) => t.replace(/^(index 5\n)\S+\n/m, "$1"), /another audit path/],
    [(t) => t.replace(/^(index 5\n)(\S+\n)/m, "$1$2$2"), /another audit path/],
    [(t) => t.replace(/^(index 5\n)\S+/m, `$1${bytesToBase64(new Uint8Array(32))}`), /another audit path/],
    [(t) => t.replace(/^(index 5\n)\S+/m, "$1AAAA"), /not 32 bytes/],
    [(t) => `${t}\u2014 someone AAAAAAA=\n`, /another checkpoint/],
    [(t) => t.replace("c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"), /not a c2sp.org\/tlog-proof@v1/],
    [(t) => t.split("\n\n")[0], /no blank line/],
  ];
  for (const [change, detail] of cases) {
    const cert = copy();
    cert.tlog_proof = change(cert.tlog_proof);
    assert.notEqual(cert.tlog_proof, genuine.tlog_proof);
    await failsAt(cert, "proof-copy", detail);
  }
});

test("the visitor's file must have the declared SHA-256 (any case of hex)", async () => {
  const result = await verifyCertificate(genuine, { fileSha256: FILE_SHA256.toUpperCase() });
  assert.equal(result.proved.fileMatched, true);
  await failsAt(genuine, "file", new RegExp(`your file's SHA-256 is ${"ab".repeat(32)}, the declared work's is ${FILE_SHA256}`),
    { fileSha256: "ab".repeat(32) });
});

test("a commitment is SHA-256(salt ‖ field ‖ 0x00 ‖ value), salt hex-decoded", async () => {
  const expected = createHash("sha256").update(Buffer.from(SALT, "hex")).update("credit_name\0")
    .update("김서연", "utf8").digest("hex");
  assert.equal(await commitment(SALT, "credit_name", "김서연"), expected);
});

test("a credit opening proves the credited name; without one the check is skipped", async () => {
  const credit = { name: "김서연 (Kim Seo-yeon)", salt: SALT };
  const opened = await verifyCertificate(await makeCertificate(log, { credit }));
  assert.equal(opened.verified, true, opened.failed?.detail);
  const check = opened.checks.find((c) => c.id === "credit");
  assert.deepEqual([check.ok, check.skipped], [true, false]);
  assert.equal(opened.proved.creditedName, credit.name);
  assert.equal(opened.proved.creditOpened, true);

  const liar = await makeCertificate(log, { credit });
  liar.credit = { ...credit, name: "Someone Else" };
  await failsAt(liar, "credit", /do not open the commitment/);
  const salted = await makeCertificate(log, { credit });
  salted.credit = { ...credit, salt: "00".repeat(32) };
  await failsAt(salted, "credit", /do not open the commitment/);
  const unsalted = await makeCertificate(log, { credit });
  unsalted.credit = { ...credit, salt: "not hex" };
  await failsAt(unsalted, "credit", /the salt is not hex/);
  const nothing = copy();
  nothing.credit = credit; // an opening for a leaf that committed to no credit
  await failsAt(nothing, "credit", /has no credit_name_commitment to open/);
});

test("after an erasure the credit is null: the certificate verifies and proves no name", async () => {
  const erased = await makeCertificate(log, { event: declaration({}, { credit_name_commitment: "ab".repeat(32) }) });
  const result = await verifyCertificate(erased);
  assert.equal(result.verified, true, result.failed?.detail);
  assert.deepEqual([result.proved.creditedName, result.proved.creditOpened], [null, false]);
});

test("witness cosignatures on the checkpoint are required when witnesses are given", async () => {
  const w1 = await makeKey("witness.example/w1", 0x04);
  const w2 = await makeKey("witness.example/w2", 0x04);
  const cert = copy();
  const text = cert.checkpoint.split("\n\n")[0] + "\n";
  cert.checkpoint += await cosignatureLine(text, w1, 1700000000);
  cert.tlog_proof += await cosignatureLine(text, w1, 1700000000);
  const one = await verifyCertificate(cert, { witnesses: [w1.vkey] });
  assert.equal(one.verified, true, one.failed?.detail);
  assert.deepEqual(one.proved.witnesses, [{ name: w1.name, keyId: w1.id, time: 1700000000 }]);
  assert.match(one.checks[3].detail, /witness\.example\/w1 \(2023-11-14T22:13:20\.000Z\)/);
  assert.equal((await verifyCertificate(cert, { witnesses: [w1.vkey, w2.vkey], quorum: 1 })).verified, true);
  await failsAt(cert, "witnesses", /a quorum of 2 cannot be met by 1 witness key/,
    { witnesses: [w1.vkey, w1.vkey], quorum: 2 }); // the same witness counts once
  await failsAt(cert, "witnesses", /1 of the 2 required witness cosignatures are present/, { witnesses: [w1.vkey, w2.vkey] });
  await failsAt(genuine, "witnesses", /0 of the 1 required/, { witnesses: [w1.vkey] });
  await failsAt(genuine, "witnesses", /a quorum of 2 cannot be met by 1 witness key/, { witnesses: [w1.vkey], quorum: 2 });
  await failsAt(genuine, "witnesses", /cannot be met by 0/, { quorum: 1 });
  await failsAt(genuine, "witnesses", /witness key is not an Ed25519 cosignature\/v1 key/, { witnesses: [log.vkey] });
  const bad = structuredClone(cert);
  bad.checkpoint = bad.checkpoint.replace(/ (\S{10})(\S+)\n$/, (_, a, b) => ` ${a}${b[0] === "A" ? "B" : "A"}${b.slice(1)}\n`);
  await failsAt(bad, "witnesses", /the cosignature by witness\.example\/w1 does not verify/, { witnesses: [w1.vkey] });
  const far = copy(); // a time beyond what a JS Date holds still verifies
  far.checkpoint += await cosignatureLine(text, w1, 2n ** 62n);
  far.tlog_proof += await cosignatureLine(text, w1, 2n ** 62n);
  const farResult = await verifyCertificate(far, { witnesses: [w1.vkey] });
  assert.match(farResult.checks[3].detail, /s after 1970/);
  // Without a witness policy the cosignature is an unknown signature: ignored.
  assert.equal((await verifyCertificate(bad)).verified, false); // ...but tlog_proof now differs
  bad.tlog_proof = bad.tlog_proof.replace(cert.checkpoint, bad.checkpoint);
  assert.equal((await verifyCertificate(bad)).verified, true);
});

test("unexpected errors are reported as a failed check, never thrown", async () => {
  const result = await verifyCertificate(genuine, { witnesses: "not a list" });
  assert.equal(result.verified, false);
  assert.equal(result.failed.id, "witnesses");
  assert.match(result.failed.detail, /^unexpected error: /);
});
