// Agreement with the Python verifier: the demo's certificates as the real service
// serves them, tampered and cosigned copies, and Merkle proofs, with Python's
// verdict on each (tests/js/fixtures/make_certificates.py). The pytest wrapper
// passes the fixtures in LEDGER_JS_FIXTURES; run alone, this file makes them
// with LEDGER_PYTHON (default .venv/bin/python) or skips saying why.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  commitment, verifyCertificate, verifyConsistency, verifyInclusion,
} from "../../web/static/js/verify.js";
import { hex } from "./helpers.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

function fixtures() {
  if (process.env.LEDGER_JS_FIXTURES) return { dir: process.env.LEDGER_JS_FIXTURES };
  const python = process.env.LEDGER_PYTHON ?? join(root, ".venv/bin/python");
  if (!existsSync(python)) return { skip: `no fixtures: set LEDGER_JS_FIXTURES, or LEDGER_PYTHON, or make .venv (${python})` };
  const dir = mkdtempSync(join(tmpdir(), "ledger-js-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync(python, ["-m", "tests.js.fixtures.make_certificates", dir], { cwd: root, stdio: "inherit" });
  return { dir };
}

const { dir, skip } = fixtures();
const manifest = dir ? JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) : { cases: [] };
const read = (file) => new Uint8Array(readFileSync(join(dir, file)));

test("the JS verifier gives the Python verifier's verdict on every certificate case", { skip }, async () => {
  assert.ok(manifest.cases.length >= 20);
  for (const c of manifest.cases) {
    const result = await verifyCertificate(read(c.file), c.options);
    const where = `${c.name} (${c.file}): ${result.failed?.detail}; Python: ${c.python.reason}`;
    assert.equal(result.verified, c.check === null, where);
    assert.equal(result.failed?.id ?? null, c.check, where);
    if (!c.python_differs) assert.equal(result.verified, c.python.ok, where);
  }
});

test("a pinned demo certificate proves who declared which work, when, in which log", { skip }, async () => {
  const [first] = manifest.cases;
  const result = await verifyCertificate(new TextDecoder().decode(read(first.file)), first.options);
  const cert = JSON.parse(new TextDecoder().decode(read(first.file)));
  const event = JSON.parse(Buffer.from(cert.leaf, "base64").toString("utf8"));
  assert.equal(result.verified, true);
  assert.deepEqual(
    [result.proved.workId, result.proved.contentSha256, result.proved.creditedName, result.proved.declaredAt,
      result.proved.origin, result.proved.treeSize, result.proved.keyPinned],
    [cert.work_id, event.data.content_sha256, cert.credit.name, event.timestamp,
      manifest.log_vkey.split("+")[0], cert.inclusion_proof.tree_size, true],
  );
  assert.ok(result.proved.creditedName.length > 0);
});

test("every one-byte change of a certificate is refused, as Python refuses it", { skip }, async () => {
  const data = read(manifest.every_byte.file);
  const accepted = [];
  for (let at = 0; at < data.length; at++) {
    const changed = data.slice();
    changed[at] ^= 0x01;
    if ((await verifyCertificate(changed)).verified) accepted.push(at);
  }
  assert.deepEqual(accepted, manifest.every_byte.python_accepted);
  assert.deepEqual(accepted, []);
});

test("Merkle proofs from transparency/merkle.py: same verdicts, same error messages", { skip }, async () => {
  const outcome = (promise) => promise.then(() => null, (error) => error.message);
  for (const p of manifest.merkle.inclusion) {
    const error = await outcome(verifyInclusion(hex(p.leaf), p.index, p.size, p.path.map(hex), hex(p.root)));
    assert.equal(error, p.error, `inclusion of ${p.index} in ${p.size}`);
  }
  for (const p of manifest.merkle.consistency) {
    const error = await outcome(verifyConsistency(p.first, p.second, p.proof.map(hex), hex(p.first_root),
      hex(p.second_root)));
    assert.equal(error, p.error, `consistency ${p.first} -> ${p.second}`);
  }
  assert.ok(manifest.merkle.inclusion.some((p) => p.error === null));
  assert.ok(new Set(manifest.merkle.inclusion.map((p) => p.error)).size >= 4);
});

test("credit commitments are those of ledger/events.py", { skip }, async () => {
  assert.ok(manifest.commitments.length >= 3);
  for (const c of manifest.commitments) {
    assert.equal(await commitment(c.salt, c.field, c.value), c.commitment, c.value);
  }
});
