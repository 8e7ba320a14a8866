// /transparency: the visitor's browser checks each listed checkpoint's signature
// with the log's key, and that it grew from the checkpoint before it (an RFC 9162
// consistency proof fetched from the API, checked against both signed roots: the
// server's own root hashes are never taken on trust).

import { bytesToHex, hexToBytes, openNote, parseCheckpoint, parseVkey, verifyConsistency } from "./verify.js";

async function signedRoot(note, verifier) {
  const checkpoint = parseCheckpoint(await openNote(note, verifier));
  return { size: checkpoint.size, root: checkpoint.root };
}

async function checkOne(item, verifier, previousNote) {
  const signed = await signedRoot(item.querySelector("pre.note").textContent, verifier);
  if (signed.size !== BigInt(item.dataset.size) || bytesToHex(signed.root) !== item.dataset.root) {
    throw new Error("the signed note is not the checkpoint listed");
  }
  const said = [`signed by ${verifier.name}`];
  const first = Number(item.dataset.prevSize ?? 0);
  if (first > 0) {
    const before = await signedRoot(previousNote, verifier);
    const url = `/v1/transparency/proofs/consistency?first=${first}&second=${item.dataset.size}`;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`the consistency proof could not be fetched (HTTP ${response.status})`);
    const proof = (await response.json()).proof.map((hash) => hexToBytes(hash));
    await verifyConsistency(first, BigInt(item.dataset.size), proof, before.root, signed.root);
    said.push(`grew from the checkpoint at ${first} records without changing it`);
  }
  return said.join("; ");
}

async function start() {
  const list = document.querySelector("[data-checkpoints]");
  if (!list || !globalThis.crypto?.subtle) return;
  // Say the browser checks only now that it does (the page says otherwise without this script).
  for (const node of document.querySelectorAll("[data-checking]")) node.hidden = false;
  for (const node of document.querySelectorAll("[data-not-checking]")) node.hidden = true;
  const items = [...list.querySelectorAll("li[data-size]")];
  let verifier;
  try {
    verifier = await parseVkey(list.dataset.vkey);
  } catch (error) {
    for (const item of items) item.querySelector(".status").textContent = `Not checked: ${error.message}`;
    return;
  }
  for (const [n, item] of items.entries()) {
    const out = item.querySelector(".status");
    const previousNote = item.dataset.prevNote ?? items[n + 1]?.querySelector("pre.note").textContent;
    out.textContent = "Checking in your browser…";
    try {
      out.textContent = `✓ Verified in your browser: ${await checkOne(item, verifier, previousNote)}.`;
      out.classList.add("ok");
    } catch (error) {
      out.textContent = `✗ Not verified: ${error.message}.`;
      out.classList.add("bad");
    }
  }
}

start();
