// A certificate's corrections: a retraction or a dispute is proven like the
// declaration (its leaf in the same signed tree), so a valid record of a
// retracted work verifies and says so; a correction that is not proven, not
// of this work, or not a correction, is refused, as transparency/corrections.py
// refuses it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToBase64, canonicalJson, utf8, verifyCertificate } from "../../web/static/js/verify.js";
import { correction, makeCertificate, makeKey } from "./helpers.mjs";

const log = await makeKey("test.local/log");
const RETRACTED = "work.ownership_retracted";
const DISPUTED = "work.ownership_disputed";

test("a certificate without corrections proves a standing declaration", async () => {
  const result = await verifyCertificate(await makeCertificate(log), { trustedKey: log.vkey });
  assert.equal(result.verified, true);
  assert.equal(result.proved.status, "declared");
  assert.deepEqual(result.proved.corrections, []);
  const check = result.checks.find((c) => c.id === "corrections");
  assert.ok(check.ok && !check.skipped);
  assert.match(check.detail, /registry says what stands now/);
});

test("a retracted work's certificate verifies as a valid record of a retracted declaration", async () => {
  const cert = await makeCertificate(log, { corrections: [{ index: 8, event: correction(RETRACTED) }] });
  const result = await verifyCertificate(JSON.stringify(cert, null, 2), { trustedKey: log.vkey });
  assert.equal(result.verified, true, result.failed?.detail);
  assert.equal(result.proved.status, "retracted");
  assert.deepEqual(result.proved.corrections, [{
    status: "retracted", type: RETRACTED, at: "2026-11-27T09:30:00.000000Z", position: 90, leafIndex: 8,
  }]);
});

test("a dispute, then a retraction: retracted, both listed in log order", async () => {
  const cert = await makeCertificate(log, {
    corrections: [
      { index: 9, event: correction(RETRACTED, { aggregate_version: 3, position: 95 }) },
      { index: 7, event: correction(DISPUTED, { actor: { id: "staff", role: "staff" } }) },
    ],
  });
  const result = await verifyCertificate(cert);
  assert.equal(result.verified, true, result.failed?.detail);
  assert.equal(result.proved.status, "retracted");
  assert.deepEqual(result.proved.corrections.map((c) => c.status), ["disputed", "retracted"]);
  const disputed = await verifyCertificate(await makeCertificate(log, {
    corrections: [{ index: 7, event: correction(DISPUTED) }],
  }));
  assert.equal(disputed.proved.status, "disputed");
});

async function refused(change, detail) {
  const cert = await makeCertificate(log, { corrections: [{ index: 8, event: correction(RETRACTED) }] });
  change(cert);
  const result = await verifyCertificate(cert, { trustedKey: log.vkey });
  assert.equal(result.verified, false);
  assert.equal(result.failed.id, "corrections", result.failed.detail);
  assert.match(result.failed.detail, detail);
}

test("a correction not proven in the signed tree, or not of this work, is refused", async () => {
  await refused((c) => { c.corrections[0].audit_path[0] = "00".repeat(32); }, /correction 8: inclusion proof/);
  await refused((c) => { c.corrections[0].leaf_index = 6; }, /correction 6: inclusion proof/);
  await refused((c) => { c.corrections.push(structuredClone(c.corrections[0])); }, /listed twice/);
  await refused((c) => { c.corrections[0].extra = 1; }, /exactly the fields/);
  await refused((c) => { c.corrections[0].audit_path = "x"; }, /audit_path/);
  await refused((c) => { c.corrections[0].leaf = `${c.corrections[0].leaf}=`; }, /base64/);
  // Leaves the log did sign, but not a correction of this work: refused, even when proven.
  const other = correction(RETRACTED, { aggregate_id: "00000000-0000-4000-8000-000000000000" });
  for (const [event, detail] of [
    [other, /not an event of work/],
    [correction(RETRACTED, { aggregate_version: 1 }), /not an event of work/],
    [correction("work.exhibited"), /not a retraction or a dispute/],
  ]) {
    const cert = await makeCertificate(log, { corrections: [{ index: 8, event }] });
    const result = await verifyCertificate(cert);
    assert.equal(result.failed?.id, "corrections");
    assert.match(result.failed.detail, detail);
  }
});

test("a certificate whose corrections were dropped in flight proves only the declaration", async () => {
  // What a verifier can and cannot know: without the field, no correction is proven.
  const cert = await makeCertificate(log, { corrections: [{ index: 8, event: correction(RETRACTED) }] });
  delete cert.corrections;
  const result = await verifyCertificate(cert);
  assert.equal(result.proved.status, "declared");
  const bad = await makeCertificate(log);
  bad.corrections = { leaf: bytesToBase64(utf8(canonicalJson(correction(RETRACTED)))) };
  assert.equal((await verifyCertificate(bad)).failed.id, "format");
});
