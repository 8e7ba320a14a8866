// C2SP tlog-cosignature/v1 (Ed25519) with keys made here; agreement with an
// independent Python implementation is in agreement.test.mjs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bytesToBase64, concat, parseVkey, verifyCosignatures } from "../../web/static/js/verify.js";
import { cosignatureLine, hex, makeKey, signNote } from "./helpers.mjs";

const TIME = 1679315147;
const log = await makeKey("example.com/log");
const w1 = await makeKey("witness.example/w1", 0x04);
const w2 = await makeKey("witness.example/w2", 0x04);
const text = `example.com/log\n20852163\n${bytesToBase64(new Uint8Array(32).fill(7))}\n`;
const signed = await signNote(text, log);
const witnesses = await Promise.all([w1.vkey, w2.vkey].map((vkey) => parseVkey(vkey, 0x04)));
const refused = (promise, message) => assert.rejects(promise, { message });

test("witness keys are vkeys of type 0x04 whose id covers that type", async () => {
  assert.equal(witnesses[0].keyId, w1.id);
  await refused(parseVkey(w1.vkey), "verifier key is not an Ed25519 key"); // not a log key
});

test("cosignatures by the listed witnesses verify and carry their time", async () => {
  const note = signed + (await cosignatureLine(text, w1, TIME)) + (await cosignatureLine(text, w2, TIME + 5));
  assert.deepEqual(await verifyCosignatures(note, witnesses), [
    { name: w1.name, keyId: w1.id, time: TIME },
    { name: w2.name, keyId: w2.id, time: TIME + 5 },
  ]);
  assert.deepEqual(await verifyCosignatures(signed, witnesses), []); // none present
});

test("lines by other keys are ignored: the log's own, a 0x01 key of the witness's name", async () => {
  const impostor = await makeKey(w1.name, 0x01); // same name, key id of another type
  const note = signed + (await cosignatureLine(text, impostor, TIME));
  assert.deepEqual(await verifyCosignatures(note, witnesses), []);
});

test("a cosignature is over 'cosignature/v1', the time and the whole note text", async () => {
  const line = async (message, time = TIME) => {
    const stamp = new Uint8Array(8);
    new DataView(stamp.buffer).setBigUint64(0, BigInt(time));
    const signature = await w1.sign(new TextEncoder().encode(message));
    return `\u2014 ${w1.name} ${bytesToBase64(concat(hex(w1.id), stamp, signature))}\n`;
  };
  const wrong = [
    `cosignature/v1\ntime ${TIME + 1}\n${text}`, // another time than the one stated
    `cosignature/v1\ntime ${TIME}\n${text.trimEnd()}`, // without the final newline
    `cosignature/v2\ntime ${TIME}\n${text}`,
    text, // a plain note signature
  ];
  for (const message of wrong) {
    await refused(verifyCosignatures(signed + (await line(message)), witnesses),
      `the cosignature by ${w1.name} does not verify`);
  }
  assert.equal((await verifyCosignatures(signed + (await line(`cosignature/v1\ntime ${TIME}\n${text}`)), witnesses))
    .length, 1);
});

test("a malformed or altered cosignature by a listed witness rejects the note", async () => {
  const good = await cosignatureLine(text, w1, TIME);
  const blob = Buffer.from(good.split(" ")[2], "base64");
  const withBlob = (bytes) => `${signed}\u2014 ${w1.name} ${Buffer.from(bytes).toString("base64")}\n`;
  const flipped = Uint8Array.from(blob);
  flipped[4 + 8 + 10] ^= 1;
  await refused(verifyCosignatures(withBlob(flipped), witnesses), `the cosignature by ${w1.name} does not verify`);
  const late = Uint8Array.from(blob);
  late[4 + 7] ^= 1; // the timestamp's last byte
  await refused(verifyCosignatures(withBlob(late), witnesses), `the cosignature by ${w1.name} does not verify`);
  await refused(verifyCosignatures(withBlob(blob.subarray(0, 4 + 64)), witnesses),
    `the cosignature by ${w1.name} is not a timestamp and an Ed25519 signature`);
  const huge = Uint8Array.from(blob);
  huge[4] = 0x80; // 2^63 and more
  await refused(verifyCosignatures(withBlob(huge), witnesses), `the cosignature by ${w1.name} has an impossible time`);
  // Another witness's good cosignature does not make up for a bad one.
  await refused(verifyCosignatures(withBlob(flipped) + (await cosignatureLine(text, w2, TIME)), witnesses),
    /does not verify/);
});
