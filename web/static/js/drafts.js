// What was typed in a console form, kept in this tab when the form is sent, so
// that a form sent after the session ended (web/console/session.py answers it
// with the sign-in page, `ended=1`, `next=` the form's page) comes back filled
// in on that page once its sender has signed in again. It is never sent by
// itself: the person reads it and sends it, under the new session's CSRF token.
//
// The same when the session ended and was signed in again in another tab: the
// form, sent with the ended session's CSRF token, is refused ("This form has
// expired", nothing written) with a link back to its page (data-form-page),
// which restores it as the sign-in's `next` does.
//
// sessionStorage: this tab only, gone when it closes. One draft at a time (a
// form sent leaves the page): the first page after it that is not the sign-in
// or that expired form's refusal drops it, or restores it if it is the draft's
// page, reached from either of those, signed in as the same account, within a
// session's idle time. Sign-out drops it. Never kept: hidden, password, file
// and read-only fields, and any field in or under [data-no-draft].

const KEY = "labledger.console.draft";
const IDLE_MS = 12 * 60 * 60 * 1000; // ledger/sessions.py IDLE: no session outlives it unused
const ONE_OFF = ["at", "notice"]; // web/console/session.py ONE_OFF: not part of a page's address
const NEVER = new Set(["csrf", "page", "form_id"]);
const UNTYPED = new Set(["hidden", "password", "file", "submit", "button", "reset", "image"]);
const RESTORED =
  "Filled in again with what you typed before your session ended. It has not been sent: check it, then send it.";
const BACK = "Back to the form, with what you typed";

const read = () => {
  try {
    return JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    return null; // storage refused (privacy settings) or a damaged value: as without JavaScript
  }
};
const write = (draft) => {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(draft));
  } catch {
    // full or refused: the form is sent all the same
  }
};
const drop = () => {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing kept
  }
};

/** A console page's address without the one-off parameters of a write just made. */
function pageOf(address) {
  const url = new URL(address, location.href);
  const query = [...url.searchParams].filter(([name]) => !ONE_OFF.includes(name));
  return `${url.pathname}?${new URLSearchParams(query)}`;
}

const isPost = (form) => form instanceof HTMLFormElement && form.getAttribute("method")?.toLowerCase() === "post";
const actionOf = (form) => pageOf(form.getAttribute("action") ?? "");
const owner = () => document.querySelector("form.signout")?.dataset.account ?? null;

/** The form's place on its page: its action, and which of the forms with that action. */
function placeOf(form) {
  const action = actionOf(form);
  const same = [...document.forms].filter((f) => isPost(f) && actionOf(f) === action);
  return { action, index: same.indexOf(form) };
}

function typed(field) {
  return (
    field.name &&
    !field.disabled &&
    !field.readOnly &&
    !UNTYPED.has(field.type) &&
    !NEVER.has(field.name) &&
    !field.closest("[data-no-draft]") &&
    ["INPUT", "TEXTAREA", "SELECT"].includes(field.tagName)
  );
}

const checkable = (field) => field.type === "checkbox" || field.type === "radio";

function fieldsOf(form) {
  return [...form.elements].filter(typed).map((field) => {
    if (checkable(field)) return { name: field.name, value: field.value, checked: field.checked };
    if (field.type === "select-multiple") {
      return { name: field.name, values: [...field.selectedOptions].map((option) => option.value) };
    }
    return { name: field.name, value: field.value };
  });
}

/** Put `fields` back into `form`; a field no longer on the page, or an option no longer offered, is left out. */
function fill(form, fields) {
  const checks = new Map();
  const values = new Map();
  for (const saved of fields) {
    if ("checked" in saved) checks.set(`${saved.name}\n${saved.value}`, saved.checked);
    else values.set(saved.name, [...(values.get(saved.name) ?? []), saved]);
  }
  for (const field of [...form.elements].filter(typed)) {
    if (checkable(field)) {
      const checked = checks.get(`${field.name}\n${field.value}`);
      if (checked !== undefined) field.checked = checked;
    } else {
      const saved = values.get(field.name)?.shift();
      if (!saved) continue;
      if (field.tagName === "SELECT") {
        const chosen = saved.values ?? [saved.value];
        const options = [...field.options];
        if (!options.some((option) => chosen.includes(option.value))) continue;
        for (const option of options) option.selected = chosen.includes(option.value);
      } else {
        field.value = saved.value ?? "";
      }
    }
    // What listens to the field (a fingerprint computed from it) sees the value.
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function restore(draft) {
  const form = [...document.forms].filter((f) => isPost(f) && actionOf(f) === draft.action)[draft.index];
  if (!form) return;
  fill(form, draft.fields);
  for (let open = form.closest("details"); open; open = open.parentElement?.closest("details")) open.open = true;
  const notice = document.createElement("p");
  notice.className = "notice restored";
  notice.setAttribute("role", "status");
  notice.tabIndex = -1;
  notice.textContent = RESTORED;
  form.prepend(notice);
  notice.focus(); // read out and in view, as a refusal's problem is
}

function keep(event) {
  const form = event.target;
  if (event.defaultPrevented || !isPost(form) || form.matches("[data-sign-in]")) return; // a draft waits
  if (form.matches(".signout")) return drop();
  const fields = fieldsOf(form);
  if (fields.length === 0) return; // a one-button form: nothing typed to lose (its page drops the last draft)
  const given = form.elements.namedItem("page");
  const page = pageOf(given instanceof HTMLInputElement && given.value ? given.value : location.href);
  write({ page, ...placeOf(form), owner: owner(), saved: Date.now(), ended: false, fields });
}

export function drafts() {
  document.addEventListener("submit", keep); // after a form's own listeners (data-confirm may cancel it)
  const draft = read();
  if (!draft) return;
  const signIn = document.querySelector("form[data-sign-in]");
  const params = new URLSearchParams(location.search);
  if (Date.now() - draft.saved > IDLE_MS || params.has("signed_out")) return drop();
  if (signIn) {
    // The sign-in that a form sent after the session ended lands on: its draft waits for the page.
    const next = params.get("next");
    if (params.has("ended") && next && pageOf(next) === draft.page) write({ ...draft, ended: true });
    return; // a token refused on the way keeps it waiting
  }
  const back = document.querySelector("a[data-form-page]");
  if (back && pageOf(back.dataset.formPage) === draft.page && draft.owner && draft.owner === owner()) {
    // The refusal of this very form, sent with the ended session's CSRF token: its link returns to the page.
    write({ ...draft, ended: true });
    back.textContent = BACK;
    return;
  }
  drop();
  if (draft.ended && draft.page === pageOf(location.href) && draft.owner && draft.owner === owner()) {
    restore(draft);
  }
}
