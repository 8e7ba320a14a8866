// The site's verification pages (/verify and /works/<id>): the visitor's browser
// hashes the file (WebCrypto SHA-256; the file is never sent anywhere), looks the
// hash up in the registry, fetches the certificate and verifies it with verify.js.
// The server only supplies data; the verdict is computed here. Everything taken
// from a certificate or the registry is shown as text, never as HTML.

import { CHECKS, bytesToHex, parseVkey, sha256, verifyCertificate } from "./verify.js";

// A fingerprint as pasted: the hash alone, or the line sha256sum / shasum
// printed ("HASH  FILE"), or their tagged form ("SHA256 (FILE) = HASH"), as
// the server reads it (web/fingerprints.py).
const PASTED = [/^\\?([0-9a-f]{64})(?:[ \t]+\*?\S.*)?$/i, /^SHA2?-?256 ?\(.*\) ?= ?([0-9a-f]{64})$/i];
const pasted = (text) => {
  for (const pattern of PASTED) {
    const found = pattern.exec(text.trim());
    if (found) return found[1].toLowerCase();
  }
  return undefined;
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children); // strings become text nodes
  return node;
}

const byId = (id) => document.getElementById(id);
const status = (text) => {
  byId("verify-status").textContent = text;
};

function when(instant) {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return String(instant);
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

async function fingerprint(file) {
  status(`Computing the fingerprint of “${file.name}” in your browser…`);
  return bytesToHex(await sha256(new Uint8Array(await file.arrayBuffer())));
}

/** A pasted key that cannot be one: said in the visitor's words, before any check runs. */
class PastedKeyError extends Error {}

async function pastedKey(input) {
  const text = input.value.trim();
  try {
    await parseVkey(text);
  } catch (error) {
    input.setAttribute("aria-invalid", "true");
    const shaped = /^[^\s+]+\+[0-9a-f]{8}\+\S+$/u.test(text);
    throw new PastedKeyError(shaped
      ? "The log key you pasted is damaged: its parts do not fit together, so a character may be "
        + "missing or changed. Copy it again, whole, from where you saved it."
      : "What you pasted is not a log key. A log key is one line of three parts joined by “+”: "
        + "the log's name, an 8-character key id and the key itself, like the one on the home page. "
        + "Copy it whole, or clear the field to use the key inside the certificate.",
    { cause: error });
  }
  input.removeAttribute("aria-invalid");
  return text;
}

/** The key the visitor chose to trust: a pasted one, this site's, or none (the certificate's). */
async function trustedKey(form) {
  if (form.elements.pinned?.value.trim()) return pastedKey(form.elements.pinned);
  if (!form.elements.pin?.checked) return undefined;
  const response = await fetch("/v1/transparency/public-key");
  if (!response.ok) throw new Error(`the site's log key could not be read (HTTP ${response.status})`);
  return (await response.text()).trim();
}

function show(...nodes) {
  const out = byId("verify-result");
  out.replaceChildren(...nodes);
  const heading = out.querySelector("h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  status("");
}

function checklist(result, open = false) {
  const list = el("ol", { class: "checks" });
  for (const { id, label } of CHECKS) {
    const check = result.checks.find((c) => c.id === id);
    let state = "not run";
    let mark = "·";
    if (check?.ok && check.skipped) [state, mark] = ["skipped", "–"];
    else if (check?.ok) [state, mark] = ["passed", "✓"];
    else if (check) [state, mark] = ["failed", "✗"];
    const detail = check ? `: ${check.detail}` : "";
    const marked = el("span", { class: "mark", "aria-hidden": "true" }, `${mark} `);
    list.append(el("li", { class: state.replace(" ", "-") }, marked, `${label} (${state})${detail}`));
  }
  const details = el("details", {}, el("summary", {}, "Every check, in order"), list);
  details.open = open;
  return details;
}

/** `pasted`: the fingerprint was pasted, not computed from a file here. */
function verdict(result, pasted = false) {
  if (!result.verified) {
    const { label, detail } = result.failed;
    return el("section", { class: "verdict bad" },
      el("h2", {}, "Not verified"),
      el("p", {}, "The first check that failed: ", el("strong", {}, label), "."),
      el("p", {}, `Why: ${detail}.`),
      el("p", {}, "Do not rely on this certificate: it is not what the log signed, or not for this file."),
      checklist(result, true));
  }
  const p = result.proved;
  const who = p.creditOpened ? el("strong", {}, p.creditedName)
    : el("strong", {}, `participant ${p.artist} (the name has been erased)`);
  const key = result.checks.find((c) => c.id === "log-key");
  const retracted = p.corrections.find((c) => c.status === "retracted");
  const disputed = p.corrections.find((c) => c.status === "disputed");
  // A retracted declaration is a valid record, but no longer a claim of ownership.
  let heading = "Verified";
  if (retracted) heading = `Valid record — ownership retracted on ${when(retracted.at)}`;
  else if (disputed) heading = `Verified — ownership disputed since ${when(disputed.at)}`;
  const corrected = p.corrections.map((c) => el("p", {},
    c.status === "retracted"
      ? `Its artist retracted this declaration on ${when(c.at)} (log position ${c.position}): `
        + "they no longer claim the work."
      : `Staff marked this declaration disputed on ${when(c.at)} (log position ${c.position}); `
        + "it still stands until resolved.",
    " Proven in the same signed log."));
  return el("section", { class: `verdict ${retracted || disputed ? "none" : "ok"}`, "data-status": p.status },
    el("h2", {}, heading),
    ...corrected,
    el("p", {}, `“${p.title}” was declared by `, who, ` on ${when(p.declaredAt)}.`),
    el("p", {}, "Its SHA-256 fingerprint: ", el("code", {}, p.contentSha256),
      p.fileMatched ? (pasted ? " — the one you pasted." : " — the same as your file's.") : "."),
    el("p", {}, `The declaration is record ${p.leafIndex} of the log ${p.origin}, `
      + `signed at ${p.treeSize} records (root ${p.rootHash.slice(0, 16)}…).`),
    el("p", {}, "Key trusted: ", key.detail, "."),
    checklist(result));
}

function undeclared(hash, pasted) {
  return el("section", { class: "verdict none" },
    el("h2", {}, pasted ? "No one has declared this fingerprint" : "No one has declared this file"),
    el("p", {}, "No work in this registry has the fingerprint ", el("code", {}, hash), "."),
    el("p", {}, (pasted ? "" : "Nothing was uploaded: the fingerprint was computed in your browser. ")
      + "A copy that differs by a single byte has another fingerprint."));
}

function trouble(message) {
  return el("section", { class: "verdict bad" }, el("h2", {}, "Could not verify"), el("p", {}, message));
}

async function certificateOf(workId) {
  status("Fetching the ownership certificate…");
  const response = await fetch(`/v1/works/${workId}/certificate`);
  if (!response.ok) throw new Error(`the registry did not serve the certificate (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function check(certificate, form, fileSha256) {
  const trusted = await trustedKey(form);
  status("Verifying the certificate in your browser…");
  return verifyCertificate(certificate, { trustedKey: trusted, fileSha256 });
}

/** Look a fingerprint up, then verify the certificate of the work that has it. */
async function verifyHash(form, hash, pasted = false) {
  status("Looking the fingerprint up in the registry…");
  const response = await fetch(`/v1/works?sha256=${hash}`);
  if (!response.ok) throw new Error(`the registry did not answer (HTTP ${response.status})`);
  const { items } = await response.json();
  // A hash retracted and declared again has several works: the standing one first.
  const work = items.find((w) => w.status !== "retracted") ?? items[0];
  if (!work) return show(undeclared(hash, pasted));
  show(verdict(await check(await certificateOf(work.id), form, hash), pasted));
}

function guarded(task) {
  return async (...args) => {
    try {
      await task(...args);
    } catch (error) {
      if (error instanceof PastedKeyError) {
        const detail = el("details", {}, el("summary", {}, "What the check said"), el("code", {}, error.cause.message));
        show(el("section", { class: "verdict bad" }, el("h2", {}, "Check the pasted log key"), el("p", {}, error.message), detail));
      } else {
        show(trouble(`Something went wrong before the check could finish: ${error.message}.`));
      }
    }
  };
}

function verifyPage(form) {
  for (const node of document.querySelectorAll("[data-js-only]")) node.hidden = false;
  const zone = byId("drop-zone");
  zone.hidden = false;
  const onFile = guarded(async (file) => verifyHash(form, await fingerprint(file)));
  form.elements.file.addEventListener("change", (event) => {
    if (event.target.files[0]) onFile(event.target.files[0]);
  });
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files[0]) onFile(event.dataTransfer.files[0]);
  });
  form.elements.certificate.addEventListener("change", guarded(async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    status(`Reading “${file.name}”…`);
    show(verdict(await check(new Uint8Array(await file.arrayBuffer()), form, undefined)));
  }));
  form.addEventListener("submit", guarded(async (event) => {
    event.preventDefault();
    const hash = pasted(form.elements.sha256.value);
    if (!hash) {
      show(trouble("A SHA-256 fingerprint is 64 hexadecimal characters (0-9 and a-f)."));
      return;
    }
    form.elements.sha256.value = hash;
    history.replaceState(null, "", `?sha256=${hash}`);
    await verifyHash(form, hash, true);
  }));
  const given = pasted(new URLSearchParams(location.search).get("sha256") ?? "");
  if (given) guarded(verifyHash)(form, given, true);
}

function workPage(form) {
  form.hidden = false;
  form.addEventListener("submit", guarded(async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    const hash = file ? await fingerprint(file) : undefined;
    show(verdict(await check(await certificateOf(form.dataset.workId), form, hash)));
  }));
}

function start() {
  const form = byId("verify-form") ?? byId("work-verify");
  if (!form) return;
  if (!globalThis.crypto?.subtle) {
    // WebCrypto exists only in secure contexts: https, or http on this machine.
    show(trouble("Your browser offers its cryptography (WebCrypto) only to secure pages: "
      + "open this site over https, or on http://127.0.0.1 or http://localhost."));
    return;
  }
  // Inputs only this script can use are disabled in the page, so a form sent
  // without JavaScript carries the fingerprint alone.
  for (const input of form.querySelectorAll("input[disabled]")) input.disabled = false;
  if (form.id === "verify-form") verifyPage(form);
  else workPage(form);
}

start();
