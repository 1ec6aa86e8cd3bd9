/* The staff console's one script (the CSP allows scripts from 'self' only, none inline):
   copy buttons, and a warning before the idle timeout signs the user out. */
"use strict";

/* Seconds before the timeout at which to warn: two minutes, or a quarter of a short timeout. */
function warningLead(idleSeconds) {
  return Math.min(120, Math.floor(idleSeconds / 4));
}

function copyButtons(root) {
  root.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      navigator.clipboard.writeText(button.dataset.copy).then(
        () => { button.textContent = "Copied"; },
        () => { button.textContent = "Select and copy"; },
      );
    });
  });
}

function idleWarning(body) {
  const idle = Number(body.dataset.idleSeconds || 0);
  const keepAlive = body.dataset.keepAlive;
  if (!idle || !keepAlive) return;
  const box = document.createElement("div");
  box.className = "idle-warning";
  box.setAttribute("role", "alert");
  box.hidden = true;
  const text = document.createElement("span");
  const stay = document.createElement("button");
  stay.type = "button";
  stay.textContent = "Stay signed in";
  box.append(text, " ", stay);
  body.prepend(box);
  let warnTimer = 0;
  let endTimer = 0;
  const arm = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    box.hidden = true;
    warnTimer = setTimeout(() => {
      text.textContent = "You will be signed out in " + Math.ceil(warningLead(idle) / 60) +
        " min without activity.";
      stay.hidden = false;
      box.hidden = false;
    }, (idle - warningLead(idle)) * 1000);
    endTimer = setTimeout(() => {
      text.textContent = "You were signed out. A note you save now is kept: sign in again when asked, then save it.";
      stay.hidden = true;
      box.hidden = false;
    }, idle * 1000);
  };
  stay.addEventListener("click", () => {
    fetch(keepAlive, { credentials: "same-origin" }).then((reply) => {
      if (reply.ok && !reply.redirected) arm();
    });
  });
  arm();
}

document.addEventListener("DOMContentLoaded", () => {
  copyButtons(document);
  idleWarning(document.body);
});
