// <clinic-chat>: the clinic's website chat widget.
//
//   <script type="module" src="/webchat/clinic-chat.js"></script>
//   <clinic-chat config="/webchat/config.json"></clinic-chat>
//
// Attributes: `config`, the URL of the branding JSON (name, phone, title,
// primary_color, primary_text_color, logo, server, max_message_chars), and
// `server`, the Rasa base URL (optional: the config's `server` otherwise);
// `name` and `phone` stand in if the config cannot be loaded (it is retried
// for about 15 s first).
//
// It talks to Rasa's socket.io channel with the events Rasa's own widgets use
// (session_request / session_confirm / user_uttered / bot_uttered), plus the
// clinic channel's session_renewed. The session id it keeps is a signed token
// that expires after an hour without messages; when the server confirms
// another one than it asked for, the old conversation is over (expired, or
// open in another tab) and the widget starts afresh, without an error. No
// framework, no build step, no external fonts or scripts; styles are a
// constructed stylesheet, so a CSP without 'unsafe-inline' works. Every text,
// whoever wrote it, goes into the DOM as text, never as HTML.
import { io } from "./vendor/socket.io.esm.min.js";

const STORAGE_PREFIX = "clinic-chat:v1:";
const MAX_HISTORY = 200;
const MAX_BUTTONS = 12;
const CONFIG_RETRIES_MS = [0, 1000, 2000, 4000, 8000];
const FULL_SCREEN = "(max-width: 480px)"; // where the panel covers the page
const LINK_SCHEMES = new Set(["http:", "https:", "tel:", "mailto:"]);
// [label](url), or a bare http(s) URL.
const LINK_TOKEN = /\[([^[\]\n]{1,300})\]\(([^()\s]{1,2000})\)|\bhttps?:\/\/[^\s<>"'`]+/gi;
const DEFAULTS = {
  name: "the clinic",
  phone: "",
  title: "Questions? Ask us",
  primary_color: "#0b5a8a",
  primary_text_color: "#ffffff",
  logo: "",
  server: "",
  max_message_chars: 2000,
};

const CSS = `
:host { all: initial; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --cc-ink: #1b1f24;
  --cc-muted: #4a5560;
  --cc-line: #c9d1d8;
  --cc-bot-bg: #eef1f4;
  --cc-focus: #1b1f24;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 16px;
  line-height: 1.45;
  color: var(--cc-ink);
}
.sr {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;
  overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap;
}
button, input { font: inherit; color: inherit; }
button { cursor: pointer; }
:focus-visible { outline: 3px solid var(--cc-focus); outline-offset: 2px; }
.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: 8px;
  min-height: 52px; padding: 12px 20px 12px 16px; border: 0; border-radius: 26px;
  background: var(--cc-primary); color: var(--cc-on-primary);
  font-weight: 600; box-shadow: 0 4px 14px rgba(0, 0, 0, .28);
}
.launcher svg { width: 24px; height: 24px; fill: currentColor; flex: none; }
.launcher:focus-visible { outline-offset: 3px; box-shadow: 0 0 0 3px #fff, 0 4px 14px rgba(0, 0, 0, .28); }
.panel {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483001;
  display: flex; flex-direction: column;
  width: 380px; height: min(620px, calc(100vh - 40px)); max-height: calc(100vh - 40px);
  background: #fff; border-radius: 14px; overflow: hidden;
  box-shadow: 0 10px 40px rgba(0, 0, 0, .3); border: 1px solid var(--cc-line);
}
header {
  display: flex; align-items: center; gap: 10px; flex: none;
  padding: 10px 8px 10px 14px; background: var(--cc-primary); color: var(--cc-on-primary);
}
header :focus-visible { outline-color: var(--cc-on-primary); }
.logo {
  width: 36px; height: 36px; flex: none; border-radius: 50%;
  background: var(--cc-logo, none) center / contain no-repeat;
}
.heading { flex: 1; min-width: 0; }
h2 { margin: 0; font-size: 17px; line-height: 1.25; font-weight: 700; }
.subtitle { margin: 2px 0 0; font-size: 13px; }
.close {
  flex: none; width: 44px; height: 44px; border: 0; border-radius: 8px;
  background: transparent; color: inherit; font-size: 26px; line-height: 1;
}
.close:hover { background: rgba(0, 0, 0, .18); }
.scroll { flex: 1; overflow-y: auto; padding: 14px 12px 6px; overscroll-behavior: contain; }
.log { display: flex; flex-direction: column; gap: 8px; }
.msg { display: flex; flex-direction: column; max-width: 86%; }
.msg.bot { align-self: flex-start; }
.msg.user { align-self: flex-end; align-items: flex-end; }
.bubble {
  padding: 9px 13px; border-radius: 16px; white-space: pre-wrap;
  overflow-wrap: anywhere; word-break: break-word;
}
.bot .bubble { background: var(--cc-bot-bg); color: var(--cc-ink); border-bottom-left-radius: 4px; }
.user .bubble {
  background: var(--cc-primary); color: var(--cc-on-primary); border-bottom-right-radius: 4px;
}
.bubble a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.bubble a:focus-visible { outline-color: currentColor; }
.user.pending .bubble {
  background: #fff; color: var(--cc-ink); border: 2px dashed var(--cc-primary);
}
.status { font-size: 12px; color: var(--cc-muted); margin-top: 2px; }
.replies { display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 0 4px; }
.replies button {
  min-height: 40px; padding: 8px 14px; border-radius: 20px;
  background: #fff; color: var(--cc-ink); border: 2px solid var(--cc-primary); font-size: 15px;
  text-align: left;
}
.replies button:hover { background: var(--cc-primary); color: var(--cc-on-primary); }
.typing { display: flex; align-items: center; gap: 4px; padding: 6px 14px 2px; flex: none; }
.typing .dot {
  width: 8px; height: 8px; border-radius: 50%; background: var(--cc-muted);
  animation: cc-blink 1.2s infinite ease-in-out;
}
.typing .dot:nth-child(2) { animation-delay: .2s; }
.typing .dot:nth-child(3) { animation-delay: .4s; }
@keyframes cc-blink { 0%, 80%, 100% { opacity: .25; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing .dot { animation: none; } }
.notice {
  flex: none; margin: 6px 12px 0; padding: 9px 12px; border-radius: 8px;
  background: #fff4e5; color: #5c3900; border: 1px solid #e0a54b; font-size: 15px;
}
.notice a { color: inherit; font-weight: 700; }
.too-long { flex: none; margin: 6px 12px 0; color: #8a1c1c; font-size: 15px; }
form { display: flex; gap: 8px; align-items: center; flex: none; padding: 10px 12px 12px; border-top: 1px solid var(--cc-line); margin-top: 6px; }
input {
  flex: 1; min-width: 0; min-height: 44px; padding: 9px 12px;
  border: 2px solid #6b7680; border-radius: 10px; background: #fff; font-size: 16px;
}
input::placeholder { color: #5b6570; }
input:focus-visible { outline-offset: 1px; border-color: var(--cc-primary); }
.send {
  flex: none; min-height: 44px; padding: 0 16px; border: 0; border-radius: 10px;
  background: var(--cc-primary); color: var(--cc-on-primary); font-weight: 600;
}
@media ${FULL_SCREEN} {
  .panel {
    inset: 0; width: 100%; height: 100%; max-height: none;
    border-radius: 0; border: 0;
  }
  .launcher { right: 12px; bottom: 12px; }
}
@media (forced-colors: active) {
  .bubble, .replies button, .launcher, .send, .notice { border: 1px solid CanvasText; }
}
`;

let sheet = null;
function baseSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

// ---- rendering text safely -------------------------------------------------

function safeHref(url) {
  try {
    const parsed = new URL(url); // absolute URLs only: relative ones stay text
    return LINK_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function trimUrl(url) {
  // Trailing punctuation belongs to the sentence, as does an unmatched ")".
  let out = url.replace(/[.,;:!?'"]+$/, "");
  while (out.endsWith(")") && (out.match(/\(/g) || []).length < (out.match(/\)/g) || []).length) {
    out = out.slice(0, -1).replace(/[.,;:!?]+$/, "");
  }
  return out;
}

function link(doc, href, label) {
  const a = doc.createElement("a");
  a.href = href;
  a.rel = "noopener noreferrer";
  a.textContent = label;
  if (href.startsWith("http")) {
    a.target = "_blank";
    const hint = doc.createElement("span");
    hint.className = "sr";
    hint.textContent = " (opens in a new tab)";
    a.append(hint);
  }
  return a;
}

/** Appends `text` to `parent` as text nodes, with safe links as <a>. */
export function appendRichText(parent, text) {
  const doc = parent.ownerDocument;
  let last = 0;
  for (const match of text.matchAll(LINK_TOKEN)) {
    let [whole, label, url] = match;
    let href = null;
    if (label !== undefined) {
      href = safeHref(url);
    } else {
      whole = trimUrl(whole);
      label = whole;
      href = safeHref(whole);
    }
    if (!href) continue; // not a link we allow: stays part of the text
    parent.append(doc.createTextNode(text.slice(last, match.index)));
    parent.append(link(doc, href, label));
    last = match.index + whole.length;
  }
  parent.append(doc.createTextNode(text.slice(last)));
}

function cleanButtons(message) {
  const raw = Array.isArray(message.quick_replies) && message.quick_replies.length
    ? message.quick_replies
    : Array.isArray(message.buttons) ? message.buttons : [];
  return raw
    .filter((b) => b && typeof b.title === "string" && b.title.trim() && typeof b.payload === "string")
    .slice(0, MAX_BUTTONS)
    .map((b) => ({ title: b.title, payload: b.payload }));
}

function safeColor(value, fallback) {
  return typeof value === "string" && /^(#[0-9a-f]{3,8}|(rgb|hsl)a?\([\d\s.,%]+\))$/i.test(value.trim())
    ? value.trim()
    : fallback;
}

function cssUrl(url) {
  return `url("${url.replace(/["\\\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}")`;
}

function el(doc, tag, props = {}, children = []) {
  const node = doc.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("aria-") || key === "role" || key === "for") node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children);
  return node;
}

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

// ---- the element -----------------------------------------------------------

class ClinicChat extends HTMLElement {
  constructor() {
    super();
    this.config = { ...DEFAULTS };
    this.state = { sessionId: null, socketId: null, open: false, greeted: false, messages: [], queue: [] };
    this.inflight = [];
    this.socket = null;
    this.confirmed = false;
    this.nextId = 1;
    this.ready = null;
    this.typingTimer = null;
  }

  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [baseSheet(), new CSSStyleSheet()];
    this.build(root);
    this.ready = this.loadConfig().then(() => this.restore());
  }

  disconnectedCallback() {
    if (this.socket) this.socket.disconnect();
    this.socket = null;
  }

  // -- structure

  build(root) {
    const doc = this.ownerDocument;
    const ids = { title: "cc-title", input: "cc-input", notice: "cc-notice", tooLong: "cc-too-long" };
    this.launcher = el(doc, "button", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false", "aria-controls": "cc-panel" },
      [chatIcon(doc), el(doc, "span", { text: "Chat", "aria-hidden": "true" })]);
    this.logo = el(doc, "span", { class: "logo", "aria-hidden": "true" });
    this.titleEl = el(doc, "h2", { id: ids.title, text: DEFAULTS.title });
    this.subtitleEl = el(doc, "p", { class: "subtitle", text: "" });
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
      el(doc, "header", {}, [this.logo, el(doc, "div", { class: "heading" }, [this.titleEl, this.subtitleEl]), this.closeBtn]),
      this.scroller, this.typing, this.notice, this.tooLong, this.form,
    ]);
    root.append(el(doc, "div", { class: "root" }, [this.launcher, this.panel]));

    this.launcher.addEventListener("click", () => this.open({ focus: true }));
    this.closeBtn.addEventListener("click", () => this.close());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText(this.input.value);
    });
    this.input.addEventListener("input", () => {
      if (!this.tooLong.hidden && this.input.value.trim().length <= this.config.max_message_chars) this.tooLong.hidden = true;
    });
  }

  // -- configuration and state

  async loadConfig() {
    const url = this.getAttribute("config");
    let loaded = {};
    // A server restarting or a network blip must not leave the widget without
    // the clinic's phone number: retry a few times before falling back.
    for (const wait of url ? CONFIG_RETRIES_MS : []) {
      if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok) {
          loaded = await response.json();
          break;
        }
        if (response.status < 500) break; // not there: retrying will not help
      } catch {
        // unreachable: try again
      }
    }
    if (!loaded || typeof loaded !== "object") loaded = {};
    // The element's own attributes (phone="...", name="...") stand in for a config that never came.
    const given = (key) => (typeof loaded[key] === "string" && loaded[key].trim()) || (this.getAttribute(key) || "").trim();
    const pick = (key) => given(key) || DEFAULTS[key];
    const base = url ? new URL(url, this.ownerDocument.baseURI) : this.ownerDocument.baseURI;
    const logo = pick("logo") ? safeHref(new URL(pick("logo"), base).href) : null;
    const max = Number.parseInt(loaded.max_message_chars, 10);
    this.config = {
      name: pick("name"),
      phone: pick("phone"),
      title: pick("title"),
      primary_color: safeColor(loaded.primary_color, DEFAULTS.primary_color),
      primary_text_color: safeColor(loaded.primary_text_color, DEFAULTS.primary_text_color),
      logo: logo && /^https?:/.test(logo) ? logo : "",
      server: this.getAttribute("server") || pick("server"),
      max_message_chars: Number.isFinite(max) && max > 0 ? max : DEFAULTS.max_message_chars,
    };
    this.applyConfig();
  }

  applyConfig() {
    const c = this.config;
    const vars = [`--cc-primary: ${c.primary_color};`, `--cc-on-primary: ${c.primary_text_color};`];
    if (c.logo) vars.push(`--cc-logo: ${cssUrl(c.logo)};`);
    this.shadowRoot.adoptedStyleSheets[1].replaceSync(`.root { ${vars.join(" ")} }`);
    this.logo.hidden = !c.logo;
    this.launcher.setAttribute("aria-label", `Open chat with ${c.name}`);
    this.titleEl.textContent = c.title;
    this.subtitleEl.textContent = c.name;
  }

  storageKey() {
    return STORAGE_PREFIX + (this.config.server || "none");
  }

  restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.storageKey()) || "null");
      if (saved && typeof saved === "object") {
        this.state = {
          sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
          socketId: typeof saved.socketId === "string" ? saved.socketId : null,
          open: Boolean(saved.open),
          greeted: Boolean(saved.greeted),
          messages: Array.isArray(saved.messages) ? saved.messages.filter((m) => m && typeof m.text === "string") : [],
          queue: Array.isArray(saved.queue) ? saved.queue.filter((q) => q && typeof q.message === "string") : [],
        };
      }
    } catch {
      // unreadable storage: start afresh
    }
    for (const m of [...this.state.messages, ...this.state.queue]) this.nextId = Math.max(this.nextId, (m.id || 0) + 1);
    for (const message of this.state.messages) this.log.append(this.renderMessage(message));
    this.renderReplies();
    if (this.state.open) this.open({ focus: false });
    else if (this.state.queue.length) this.connect();
  }

  save() {
    const messages = this.state.messages.slice(-MAX_HISTORY);
    this.state.messages = messages;
    try {
      sessionStorage.setItem(this.storageKey(), JSON.stringify(this.state));
    } catch {
      // storage full or disabled: the conversation still works on this page
    }
  }

  // -- panel

  async open({ focus }) {
    this.panel.hidden = false;
    this.launcher.hidden = true;
    this.setModal(true);
    this.launcher.setAttribute("aria-expanded", "true");
    if (focus) this.input.focus();
    await this.ready;
    this.state.open = true;
    if (!this.state.greeted && this.state.messages.length === 0) this.greet();
    this.save();
    this.scrollToEnd();
    this.connect();
  }

  // First open of a conversation: greet the assistant; its reply (notice and
  // topics) is the first message, before anything the patient already typed.
  greet() {
    this.state.greeted = true;
    this.state.queue.unshift({ id: this.nextId++, message: "/greet", hidden: true });
  }

  // The server began a new conversation instead of the one asked for: the
  // old one is not shown any more; messages still waiting to be sent stay.
  startAfresh() {
    const waiting = new Set(this.state.queue.map((item) => item.id));
    this.state.messages = this.state.messages.filter((m) => waiting.has(m.id));
    this.log.replaceChildren(...this.state.messages.map((m) => this.renderMessage(m)));
    this.renderReplies();
    this.state.greeted = false;
    if (this.state.open) this.greet();
  }

  close() {
    this.setModal(false);
    this.panel.hidden = true;
    this.launcher.hidden = false;
    this.launcher.setAttribute("aria-expanded", "false");
    this.state.open = false;
    this.save();
    this.launcher.focus();
  }

  // On a phone the panel covers the whole page: it is then a modal dialog, and
  // the page behind it is inert, so Tab and a screen reader's swipes stay in it.
  setModal(on) {
    const view = this.ownerDocument.defaultView;
    const modal = on && Boolean(view && view.matchMedia(FULL_SCREEN).matches);
    this.panel.setAttribute("aria-modal", String(modal));
    for (const node of this.inerted || []) node.inert = false;
    this.inerted = [];
    if (!modal) return;
    for (let node = this; node && node.parentElement; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT") {
          sibling.inert = true;
          this.inerted.push(sibling);
        }
      }
    }
  }

  // -- connection

  connect() {
    if (this.socket || !this.config.server) {
      if (!this.config.server) this.showOffline();
      this.flush();
      return;
    }
    let target;
    try {
      target = new URL(this.config.server, this.ownerDocument.baseURI);
    } catch {
      this.showOffline();
      return;
    }
    const socket = io(target.origin, {
      path: `${target.pathname.replace(/\/+$/, "")}/socket.io`,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    let requested = null;
    socket.on("connect", () => {
      // Every (re)connection: ask for the same conversation before sending
      // anything, naming the socket that had it (only this tab knows its id),
      // in case the server has not yet noticed that socket is gone.
      this.confirmed = false;
      requested = this.state.sessionId;
      socket.emit("session_request", { session_id: requested, previous_socket: this.state.socketId });
      this.state.socketId = socket.id;
      this.save();
    });
    socket.on("session_confirm", (data) => {
      const id = data && typeof data === "object" ? data.session_id : data;
      if (typeof id !== "string" || !id) return;
      if (requested && id !== requested) this.startAfresh();
      this.state.sessionId = id;
      this.confirmed = true;
      this.notice.hidden = true;
      this.save();
      this.flush();
    });
    socket.on("session_renewed", (id) => {
      // The token of this conversation, renewed at its latest turn.
      if (typeof id !== "string" || !id || !this.confirmed) return;
      this.state.sessionId = id;
      this.save();
    });
    socket.on("bot_uttered", (message) => this.receive(message));
    socket.on("connect_error", () => this.offline());
    socket.on("disconnect", (reason) => {
      this.offline();
      // The server closed the socket on purpose: socket.io does not retry then.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 2000);
    });
  }

  offline() {
    this.confirmed = false;
    if (this.inflight.length) {
      // Sent but unanswered: send again after reconnecting rather than lose it.
      this.state.queue.unshift(...this.inflight);
      for (const item of this.inflight) this.markPending(item.id, true);
      this.inflight = [];
      this.save();
    }
    this.setTyping(false);
    this.showOffline();
  }

  showOffline() {
    if (!this.notice.hidden) return; // already shown: do not re-announce at every retry
    const { name, phone } = this.config;
    this.notice.replaceChildren(`Can't connect right now. Please call ${name}`);
    if (phone) {
      this.notice.append(" at ", link(this.ownerDocument, `tel:${phone.replace(/[^\d+]/g, "")}`, phone));
    }
    this.notice.append(".");
    this.notice.hidden = false;
  }

  flush() {
    if (!this.socket || !this.socket.connected || !this.confirmed) return;
    while (this.state.queue.length) {
      const item = this.state.queue.shift();
      this.socket.emit("user_uttered", { message: item.message, session_id: this.state.sessionId });
      this.inflight.push(item);
      this.markPending(item.id, false);
    }
    if (this.inflight.length) this.setTyping(true);
    this.save();
  }

  // -- messages

  sendText(raw) {
    const text = raw.trim();
    if (!text) return;
    const max = this.config.max_message_chars;
    if (text.length > max) {  // kept in the box to shorten, not sent, not cut
      this.tooLong.textContent = `That message is ${text.length} characters long. Please shorten it to ${max} or fewer, or split it in two.`;
      this.tooLong.hidden = false;
      return;
    }
    this.tooLong.hidden = true;
    this.input.value = "";
    this.send(text, text);
  }

  send(message, shown) {
    const id = this.nextId++;
    this.clearReplies();
    this.addMessage({ id, from: "user", text: shown, pending: true });
    this.state.queue.push({ id, message });
    this.save();
    this.connect();
  }

  receive(message) {
    if (!message || typeof message !== "object") return;
    this.inflight = [];
    const text = typeof message.text === "string" ? message.text : "";
    const buttons = cleanButtons(message);
    if (!text.trim() && !buttons.length) return;
    this.clearReplies();
    this.addMessage({ id: this.nextId++, from: "bot", text, buttons: buttons.length ? buttons : undefined });
    this.setTyping(false);
    this.save();
  }

  addMessage(message) {
    this.state.messages.push(message);
    this.log.append(this.renderMessage(message));
    this.renderReplies();
    this.scrollToEnd();
  }

  clearReplies() {
    for (const m of this.state.messages) delete m.buttons;
    this.renderReplies();
  }

  markPending(id, pending) {
    const message = this.state.messages.find((m) => m.id === id);
    if (!message || Boolean(message.pending) === pending) return;
    message.pending = pending;
    const node = this.log.querySelector(`[data-id="${id}"]`);
    if (!node) return;
    // In place: a replaced node would be a new addition to the live log, read out twice.
    node.classList.toggle("pending", pending);
    const status = node.querySelector(".status");
    if (pending && !status) node.append(el(this.ownerDocument, "span", { class: "status", text: "Waiting to send" }));
    if (!pending && status) status.remove();
  }

  renderMessage(message) {
    const doc = this.ownerDocument;
    const bot = message.from === "bot";
    const bubble = el(doc, "div", { class: "bubble" }, [
      el(doc, "span", { class: "sr", text: bot ? "Assistant: " : "You: " }),
    ]);
    if (bot) appendRichText(bubble, message.text);
    else bubble.append(doc.createTextNode(message.text));
    const node = el(doc, "div", { class: `msg ${bot ? "bot" : "user"}${message.pending ? " pending" : ""}` }, [bubble]);
    node.dataset.id = String(message.id);
    if (message.pending) node.append(el(doc, "span", { class: "status", text: "Waiting to send" }));
    return node;
  }

  renderReplies() {
    const last = this.state.messages[this.state.messages.length - 1];
    const buttons = last && last.from === "bot" && Array.isArray(last.buttons) ? last.buttons : [];
    this.replies.replaceChildren(...buttons.map((b) => {
      const button = el(this.ownerDocument, "button", { type: "button", text: b.title });
      button.addEventListener("click", (event) => {
        this.send(b.payload, b.title);
        // The button is gone; from the keyboard (detail 0), keep focus in the chat.
        if (event.detail === 0) this.input.focus();
      });
      return button;
    }));
    this.replies.hidden = buttons.length === 0;
  }

  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => { this.typing.hidden = true; }, 60000);
    this.scrollToEnd();
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }
}

if (!customElements.get("clinic-chat")) customElements.define("clinic-chat", ClinicChat);
