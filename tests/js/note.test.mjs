// C2SP signed notes, keys and checkpoints: the Go sumdb/note vector (tests/data)
// and the strict parsing of transparency/note.py.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  base64ToBytes, bytesToBase64, keyId, openNote, parseCheckpoint, parseVkey, splitNote, utf8,
} from "../../web/static/js/verify.js";
import { makeKey, signNote, vectors } from "./helpers.mjs";

const V = vectors("signed-note-vectors.json");
const refused = (promise, message) => assert.rejects(promise, { message });

test("the Go sumdb/note example key and note verify", async () => {
  const verifier = await parseVkey(V.verifier_key);
  assert.equal(verifier.name, "PeterNeumann");
  assert.equal(verifier.keyId, "c74f20a3");
  assert.equal(verifier.publicKey.length, 32);
  assert.equal(await openNote(V.signed_note, verifier), V.text);
  assert.equal(await openNote(utf8(V.signed_note), verifier), V.text); // bytes too
});

test("the key id is SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4]", async () => {
  const { publicKey } = await parseVkey(V.verifier_key);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256",
    new Uint8Array([...utf8("PeterNeumann\n"), 0x01, ...publicKey])));
  assert.equal(await keyId("PeterNeumann", 0x01, publicKey), Buffer.from(digest.slice(0, 4)).toString("hex"));
  assert.notEqual(await keyId("PeterNeumann", 0x04, publicKey), "c74f20a3");
});

test("an altered note is refused", async () => {
  const verifier = await parseVkey(V.verifier_key);
  const note = V.signed_note;
  const cases = [
    [note.replace("answer", "Answer"), "the signature by PeterNeumann does not verify"],
    [note.replace("— PeterNeumann", "— PeterNeumann2"), "the note carries no signature by PeterNeumann+c74f20a3"],
    [note.slice(0, -1), "malformed note: no blank line before the signatures"],
    [note.replace("\n\n", "\n"), "malformed note: no blank line before the signatures"],
    [note.replace("— ", "-- "), /^malformed signature line/],
    [note.replace("problem,", "problem,\r"), "notes must not contain control characters other than newline"],
    [note.replace(/ (\S+)\n$/, " AAAA\n"), "signature too short"],
    [note.replace(/=\n$/, "\n"), "signature is not valid base64"],
    [Uint8Array.from([...utf8(note), 0xff]), "the note is not valid UTF-8"],
  ];
  for (const [bad, message] of cases) await refused(openNote(bad, verifier), message);
  // A signature by an unknown key is ignored; the note still needs one by ours.
  const other = await makeKey("PeterNeumann");
  const both = `${await signNote(V.text, other)}`.replace(/\n$/, `\n${note.split("\n\n")[1]}`);
  assert.equal(await openNote(both, verifier), V.text);
  await refused(openNote(await signNote(V.text, other), verifier), /no signature by PeterNeumann\+c74f20a3/);
});

test("notes keep blank lines in their text; the last blank line starts the signatures", async () => {
  const key = await makeKey("example.com/log");
  const text = "line one\n\nline three\n";
  const note = await signNote(text, key);
  assert.equal(await openNote(note, await parseVkey(key.vkey)), text);
  assert.deepEqual(splitNote(note).signatures.map((s) => s.keyId), [key.id]);
});

test("verifier keys are parsed strictly", async () => {
  const good = V.verifier_key;
  const [name, id, key] = good.split("+");
  assert.equal((await parseVkey(` ${good}\n`)).name, "PeterNeumann"); // surrounding space is fine
  const cases = [
    [`${name}+c74f20a4+${key}`, "verifier key id does not match its name and key"],
    [`${name}+C74F20A3+${key}`, "malformed verifier key"],
    [`${name}+${id}`, "malformed verifier key"],
    [`Peter Neumann+${id}+${key}`, /must be non-empty, without spaces or '\+'/],
    [`+${id}+${key}`, /must be non-empty/],
    [`${name}+${id}+${key.slice(0, -1)}`, "verifier key is not valid base64"],
    [`${name}+${id}+${bytesToBase64(new Uint8Array(33))}`, "verifier key is not an Ed25519 key"],
  ];
  for (const [bad, message] of cases) await refused(parseVkey(bad), message);
  await refused(parseVkey(good, 0x04), "witness key is not an Ed25519 cosignature/v1 key");
});

test("base64 must be canonical standard base64", () => {
  assert.deepEqual(base64ToBytes("AAE="), new Uint8Array([0, 1]));
  for (const bad of ["AAF=", "AAE", "AA==AA==", "AA-_", "AAE=\n", " AAE="]) {
    assert.throws(() => base64ToBytes(bad), { message: /base64/ }, bad);
  }
});

test("checkpoints are parsed strictly, with extension lines kept", () => {
  const root = bytesToBase64(new Uint8Array(32));
  const parsed = parseCheckpoint(`o\n7\n${root}\n`);
  assert.deepEqual([parsed.origin, parsed.size, parsed.root, parsed.extensions], ["o", 7n, new Uint8Array(32), []]);
  assert.deepEqual(parseCheckpoint(`o\n0\n${root}\next one\n`).extensions, ["ext one"]);
  assert.equal(parseCheckpoint(`o\n9223372036854775807\n${root}\n`).size, 2n ** 63n - 1n); // exact
  for (const [bad, message] of [
    [`o\n07\n${root}\n`, /not a decimal without leading zeros/],
    [`o\n-1\n${root}\n`, /not a decimal without leading zeros/],
    [`o\n18446744073709551615\n${root}\n`, /not a decimal/], // 20 digits: as transparency/note.py
    [`o\n7\n${root}`, /at least three non-empty lines/],
    [`o\n\n${root}\n`, /at least three non-empty lines/],
    [`o\n7\n${root}\n\next\n`, /at least three non-empty lines/],
    ["o\n7\nAAAA\n", "checkpoint root hash is not 32 bytes"],
  ]) {
    assert.throws(() => parseCheckpoint(bad), { message }, bad);
  }
});
