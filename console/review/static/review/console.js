/* The staff console's one script (the CSP allows scripts from 'self' only, none inline):
   copy buttons. */
"use strict";

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

document.addEventListener("DOMContentLoaded", () => {
  copyButtons(document);
});
