/* A follow-up note kept while it is typed (the CSP allows scripts from 'self' only, none
   inline). The note and outcome of a transcript's "Mark done" form are copied into this
   tab's sessionStorage, keyed by the signed-in user and the conversation's label, so a
   nurse who leaves the transcript before saving finds them there when she comes back.
   The server names the notes it saved (body's data-saved-drafts, review/drafts.py) and
   their copies are dropped; signing out drops them all. sessionStorage ends with the tab. */
"use strict";

const DRAFT_PREFIX = "console-draft:";

function draftKey(user, label) {
  return DRAFT_PREFIX + user + ":" + label;
}

function readDraft(form) {
  const reason = form.querySelector('input[name="reason"]:checked');
  return { note: form.elements.note.value, reason: reason ? reason.value : "" };
}

function restoreDraft(form, stored) {
  const shown = readDraft(form);
  if (shown.note.trim() || shown.reason) return; // a note the server kept comes first
  form.elements.note.value = stored.note || "";
  form.querySelectorAll('input[name="reason"]').forEach((choice) => {
    choice.checked = choice.value === stored.reason;
  });
  const notice = document.createElement("p");
  notice.className = "hint draft-restored";
  notice.setAttribute("role", "status");
  notice.textContent = "Your unsaved note is back: check it and save it.";
  form.querySelector("fieldset").before(notice);
}

function keepDraft(form, key) {
  let stored = null;
  try {
    stored = JSON.parse(sessionStorage.getItem(key) || "null");
  } catch (error) {
    stored = null;
  }
  if (stored && (stored.note || stored.reason)) restoreDraft(form, stored);
  const save = () => {
    const draft = readDraft(form);
    if (draft.note.trim() || draft.reason) sessionStorage.setItem(key, JSON.stringify(draft));
    else sessionStorage.removeItem(key);
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
}

function forgetDrafts(matches) {
  for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
    const key = sessionStorage.key(i);
    if (key && key.startsWith(DRAFT_PREFIX) && matches(key)) sessionStorage.removeItem(key);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const user = document.body.dataset.user;
  if (!user) return;
  const saved = (document.body.dataset.savedDrafts || "").split(" ").filter(Boolean);
  saved.forEach((label) => sessionStorage.removeItem(draftKey(user, label)));
  document.querySelectorAll("form.done-form[data-draft]").forEach((form) => {
    keepDraft(form, draftKey(user, form.dataset.draft));
  });
  document.querySelectorAll("form.signout").forEach((form) => {
    form.addEventListener("submit", () => forgetDrafts(() => true));
  });
});
