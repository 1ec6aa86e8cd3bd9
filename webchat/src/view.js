// The widget's DOM: built once per element; the element wires the listeners
// and keeps the conversation. Text goes in as text; messages through
// appendRichText.
import { cssUrl } from "./config.js";
import { appendRichText, link } from "./rich-text.js";

const TYPING_TIMEOUT_MS = 60000;
const FULL_SCREEN = "(max-width: 480px)"; // as in clinic-chat.css: there the panel covers the page

/**
 * A message in the log (and in sessionStorage).
 * @typedef {object} Message
 * @property {number} id
 * @property {"bot" | "user"} from
 * @property {string} text
 * @property {boolean} [pending]  typed but not sent yet
 * @property {Reply[]} [buttons]  the bot's quick replies
 */

/**
 * An element with properties, ARIA attributes and children.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {Document} doc
 * @param {K} tag
 * @param {Record<string, string | boolean>} [props]  `class`, `text`, aria-*, role, for, or DOM properties
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(doc, tag, props = {}, children = []) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, String(value));
    else /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node))[key] = value;
  }
  node.append(...children);
  return node;
}

/** @param {Document} doc */
function chatIcon(doc) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = doc.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = doc.createElementNS(ns, "path");
  path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z");
  svg.append(path);
  return svg;
}

/** The quick replies a bot message offers. @typedef {{title: string, payload: string}} Reply */

/**
 * The launcher, the panel and what they show; no state of the conversation.
 * Its `root` goes in the shadow root with `brandSheet` adopted.
 */
export class ChatView {
  /** @param {Document} doc */
  constructor(doc) {
    this.doc = doc;
    const ids = { title: "cc-title", input: "cc-input", notice: "cc-notice", tooLong: "cc-too-long" };
    this.launcher = el(doc, "button", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false", "aria-controls": "cc-panel" },
      [chatIcon(doc), el(doc, "span", { text: "Chat", "aria-hidden": "true" })]);
    this.logo = el(doc, "span", { class: "logo", "aria-hidden": "true" });
    this.titleEl = el(doc, "h2", { id: ids.title, text: "" });
    this.subtitle = el(doc, "p", { class: "subtitle", text: "" });
    this.closeBtn = el(doc, "button", { class: "close", type: "button", "aria-label": "Close chat", text: "×" });
    this.log = el(doc, "div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation" });
    this.replies = el(doc, "div", { class: "replies", role: "group", "aria-label": "Suggested replies" });
    this.scroller = el(doc, "div", { class: "scroll" }, [this.log, this.replies]);
    this.typing = el(doc, "div", { class: "typing", role: "status", hidden: true }, [
      el(doc, "span", { class: "dot", "aria-hidden": "true" }),
      el(doc, "span", { class: "dot", "aria-hidden": "true" }),
      el(doc, "span", { class: "dot", "aria-hidden": "true" }),
      el(doc, "span", { class: "sr", text: "The assistant is typing" }),
    ]);
    this.notice = el(doc, "div", { class: "notice", id: ids.notice, role: "alert", hidden: true });
    this.input = el(doc, "input", {
      id: ids.input, type: "text", autocomplete: "off", enterKeyHint: "send",
      placeholder: "Type your question…", "aria-describedby": ids.tooLong,
    });
    // Not maxLength: it would cut a pasted message short without saying so.
    this.tooLong = el(doc, "p", { class: "too-long", id: ids.tooLong, role: "alert", hidden: true });
    this.form = el(doc, "form", { "aria-label": "Send a message" }, [
      el(doc, "label", { class: "sr", for: ids.input, text: "Your question" }),
      this.input,
      el(doc, "button", { class: "send", type: "submit", text: "Send" }),
    ]);
    this.panel = el(doc, "section", { class: "panel", id: "cc-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": ids.title, hidden: true }, [
      el(doc, "header", {}, [this.logo, el(doc, "div", { class: "heading" }, [this.titleEl, this.subtitle]), this.closeBtn]),
      this.scroller, this.typing, this.notice, this.tooLong, this.form,
    ]);
    this.root = el(doc, "div", { class: "root" }, [this.launcher, this.panel]);
    /** The clinic's colours and logo, per element. */
    this.brandSheet = new CSSStyleSheet();
    /** Hides a typing indicator nobody answered. @type {ReturnType<typeof setTimeout> | undefined} */
    this.typingTimer = undefined;
    /** The page's elements this made inert (phone size). @type {HTMLElement[]} */
    this.inerted = [];
  }

  /** @param {import("./config.js").Config} c */
  brand(c) {
    const vars = [`--cc-primary: ${c.primary_color};`, `--cc-on-primary: ${c.primary_text_color};`];
    if (c.logo) vars.push(`--cc-logo: ${cssUrl(c.logo)};`);
    this.brandSheet.replaceSync(`.root { ${vars.join(" ")} }`);
    this.logo.hidden = !c.logo;
    this.launcher.setAttribute("aria-label", `Open chat with ${c.name}`);
    this.titleEl.textContent = c.title;
    this.subtitle.textContent = c.name;
  }

  /** @param {boolean} open */
  showPanel(open) {
    this.panel.hidden = !open;
    this.launcher.hidden = open;
    this.launcher.setAttribute("aria-expanded", String(open));
  }

  // On a phone the panel covers the whole page: it is then a modal dialog, and
  // the page behind it is inert, so Tab and a screen reader's swipes stay in it.
  /**
   * @param {HTMLElement} host  the element on the page
   * @param {boolean} on  the panel is open
   */
  setModal(host, on) {
    const view = host.ownerDocument.defaultView;
    const modal = on && Boolean(view && view.matchMedia(FULL_SCREEN).matches);
    this.panel.setAttribute("aria-modal", String(modal));
    for (const node of this.inerted) node.inert = false;
    this.inerted = [];
    if (!modal) return;
    for (let node = /** @type {Element} */ (host); node.parentElement; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling instanceof HTMLElement && sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT") {
          sibling.inert = true;
          this.inerted.push(sibling);
        }
      }
    }
  }

  /** @param {Message[]} messages */
  showMessages(messages) {
    this.log.replaceChildren(...messages.map((m) => renderMessage(this.doc, m)));
  }

  /** @param {Message} message */
  add(message) {
    this.log.append(renderMessage(this.doc, message));
  }

  /**
   * @param {Reply[]} buttons
   * @param {(reply: Reply) => void} pick
   * @param {AbortSignal} signal  removes the buttons' listeners with the element's
   */
  showReplies(buttons, pick, signal) {
    this.replies.replaceChildren(...buttons.map((b) => {
      const button = el(this.doc, "button", { type: "button", text: b.title });
      button.addEventListener("click", (event) => {
        pick(b);
        // The button is gone; from the keyboard (detail 0), keep focus in the chat.
        if (event.detail === 0) this.input.focus();
      }, { signal });
      return button;
    }));
    this.replies.hidden = buttons.length === 0;
  }

  /**
   * In place: a replaced node would be a new addition to the live log, read out twice.
   * @param {number} id
   * @param {boolean} pending
   */
  markPending(id, pending) {
    const node = this.log.querySelector(`[data-id="${id}"]`);
    if (!node) return;
    node.classList.toggle("pending", pending);
    const status = node.querySelector(".status");
    if (pending && !status) node.append(pendingStatus(this.doc));
    if (!pending && status) status.remove();
  }

  /** @param {boolean} on */
  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => { this.typing.hidden = true; }, TYPING_TIMEOUT_MS);
    this.scrollToEnd();
  }

  /**
   * "Can't connect", with the clinic's number as a tel: link.
   * @param {string} name
   * @param {string} phone
   */
  showOffline(name, phone) {
    if (!this.notice.hidden) return; // already shown: do not re-announce at every retry
    this.notice.replaceChildren(`Can't connect right now. Please call ${name}`);
    if (phone) this.notice.append(" at ", link(this.doc, `tel:${phone.replace(/[^\d+]/g, "")}`, phone));
    this.notice.append(".");
    this.notice.hidden = false;
  }

  /**
   * @param {number} length
   * @param {number} max
   */
  showTooLong(length, max) {
    this.tooLong.textContent = `That message is ${length} characters long. Please shorten it to ${max} or fewer, or split it in two.`;
    this.tooLong.hidden = false;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}

/** @param {Document} doc */
function pendingStatus(doc) {
  return el(doc, "span", { class: "status", text: "Waiting to send" });
}

/**
 * A message's node in the log: the bot's text with safe links, the patient's as plain text.
 * @param {Document} doc
 * @param {Message} message
 */
export function renderMessage(doc, message) {
  const bot = message.from === "bot";
  const bubble = el(doc, "div", { class: "bubble" }, [
    el(doc, "span", { class: "sr", text: bot ? "Assistant: " : "You: " }),
  ]);
  if (bot) appendRichText(bubble, message.text);
  else bubble.append(doc.createTextNode(message.text));
  const node = el(doc, "div", { class: `msg ${bot ? "bot" : "user"}${message.pending ? " pending" : ""}` }, [bubble]);
  node.dataset.id = String(message.id);
  if (message.pending) node.append(pendingStatus(doc));
  return node;
}
