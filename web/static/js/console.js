// The console's conveniences; every form works without them.
// - A refused form's problem is focused, so it is read out and in view.
// - A form with data-confirm asks first.
// - A value marked data-copy gets a "Copy" button.
// - A chosen file's SHA-256 is computed here, with WebCrypto, and written into
//   the form's hash field: the file itself is never sent anywhere.
// - A form sent after the session ended comes back filled in, in this tab, once
//   signed in again (drafts.js); it is sent again only when its sender sends it.

import { drafts } from "./drafts.js";

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));

function fileHashing() {
  if (!globalThis.crypto?.subtle) return; // not a secure context: paste the hash instead
  for (const element of document.querySelectorAll("[data-js-only]")) element.hidden = false;
  for (const input of document.querySelectorAll("input[type=file][data-hash-into]")) {
    const target = document.getElementById(input.dataset.hashInto);
    const type = input.dataset.typeInto && document.getElementById(input.dataset.typeInto);
    const status = document.getElementById(input.getAttribute("aria-describedby"));
    const fingerprint = async () => {
      const file = input.files[0];
      if (!file) return;
      status.textContent = `Computing the fingerprint of ${file.name}…`;
      try {
        target.value = await sha256(await file.arrayBuffer());
        if (type && file.type) type.value = file.type;
        status.textContent = `SHA-256 of ${file.name} computed in your browser; the file was not uploaded.`;
      } catch (error) {
        status.textContent = `Could not read ${file.name}: ${error.message}. Paste its SHA-256 instead.`;
      }
    };
    input.addEventListener("change", fingerprint);
    fingerprint(); // a file chosen before this script ran (a slow connection, a restored form)
  }
  for (const area of document.querySelectorAll("textarea[data-hash-text-into]")) {
    const target = document.getElementById(area.dataset.hashTextInto);
    const fingerprint = async () => {
      target.value = area.value ? await sha256(new TextEncoder().encode(area.value)) : "";
    };
    area.addEventListener("input", fingerprint);
    if (area.value) fingerprint(); // typed before this script ran
  }
}

function focusProblem() {
  const problem = document.querySelector(".problem[tabindex]");
  if (problem) problem.focus();
}

function confirmations() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
}

function copyButtons() {
  if (!navigator.clipboard) return;
  for (const input of document.querySelectorAll("[data-copy]")) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary small";
    button.textContent = "Copy";
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(input.value);
      button.textContent = "Copied";
    });
    input.insertAdjacentElement("afterend", button);
  }
}

fileHashing();
focusProblem();
confirmations();
copyButtons();
drafts();
