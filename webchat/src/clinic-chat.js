// <clinic-chat>: the clinic's website chat widget.
//
//   <script type="module" src="/webchat/clinic-chat.js"></script>
//   <clinic-chat config="/webchat/config.json"></clinic-chat>
//
// Attributes, observed (a change after load takes effect): `config`, the URL
// of the branding JSON (name, phone, title, primary_color, primary_text_color,
// logo, server, max_message_chars); `server`, the Rasa base URL (overrides the
// config's); `name`, `phone`, `title` and `logo` stand in for what the config
// does not say, or if it cannot be loaded (it is retried for about 15 s first).
//
// Events on the element, bubbling, composed and cancelable, before the panel
// opens or closes: `clinic-chat-open`, `clinic-chat-close`; preventDefault()
// keeps the panel as it is.
//
// This class only wires the lifecycle; the styles (clinic-chat.css, a
// constructed stylesheet, so a CSP without 'unsafe-inline' works), the DOM
// (view.js; every text goes in as text, never HTML: rich-text.js), the config
// (config.js), storage (store.js) and the socket (chat-socket.js) are modules.
// Removed from the page it closes its socket and stops its timers; added
// back, it picks the conversation up from sessionStorage.
import css from "./clinic-chat.css.js";
import { ChatSocket } from "./chat-socket.js";
import { CONFIG_ATTRIBUTES, DEFAULTS, fetchConfig, resolveConfig } from "./config.js";
import { appendRichText } from "./rich-text.js";
import { freshState, readState, writeState } from "./store.js";
import { ChatView, cleanButtons } from "./view.js";

export { appendRichText }; // as before the split, for pages that render text the same way

const MAX_BUTTONS = 12;
const FULL_SCREEN = "(max-width: 480px)"; // as in clinic-chat.css: there the panel covers the page

/** @type {CSSStyleSheet | null} */
let sharedSheet = null;
function baseSheet() {
  if (!sharedSheet) {
    sharedSheet = new CSSStyleSheet();
    sharedSheet.replaceSync(css);
  }
  return sharedSheet;
}

export class ClinicChat extends HTMLElement {
  static observedAttributes = ["config", ...CONFIG_ATTRIBUTES];

  constructor() {
    super();
    /** @type {import("./config.js").Config} */
    this.config = { ...DEFAULTS };
    /** The config JSON last loaded, and the URL its relative URLs are relative to. */
    this.loaded = { values: /** @type {Record<string, unknown>} */ ({}), base: "" };
    this.state = freshState();
    /** Sent, not answered yet: sent again after a reconnection. @type {import("./store.js").Outgoing[]} */
    this.inflight = [];
    /** @type {ChatSocket | null} */
    this.chat = null;
    this.nextId = 1;
    /** Config loaded and state restored; attribute changes queue behind it. @type {Promise<void>} */
    this.ready = Promise.resolve();
    this.restored = false;
    /** The page's elements this made inert (phone size). @type {HTMLElement[]} */
    this.inerted = [];
    // One per connection to a page: aborting it removes the listeners and
    // stops config fetches. Aborted while the element is on no page.
    this.lifetime = new AbortController();
    this.lifetime.abort();
    this.view = new ChatView(this.ownerDocument);
    this.view.brand(this.config);
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [baseSheet(), this.view.brandSheet];
    root.append(this.view.root);
  }

  connectedCallback() {
    this.lifetime = new AbortController();
    const { signal } = this.lifetime;
    this.listen(signal);
    this.ready = this.loadConfig().then(() => {
      if (!signal.aborted) this.restore();
    });
  }

  disconnectedCallback() {
    this.lifetime.abort();
    this.hangUp();
    this.setModal(false); // the page behind is usable again
    if (this.restored) this.save();
    this.restored = false;
  }

  /**
   * @param {string} name
   * @param {string | null} old
   * @param {string | null} value
   */
  attributeChangedCallback(name, old, value) {
    if (old === value || this.lifetime.signal.aborted) return; // connectedCallback reads them all
    this.ready = this.ready.then(() => (name === "config" ? this.loadConfig() : this.updateConfig()));
  }

  /** @param {AbortSignal} signal */
  listen(signal) {
    const { launcher, closeBtn, panel, form, input, tooLong } = this.view;
    launcher.addEventListener("click", () => this.open({ focus: true }), { signal });
    closeBtn.addEventListener("click", () => this.close(), { signal });
    panel.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.close();
    }, { signal });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.sendText(input.value);
    }, { signal });
    input.addEventListener("input", () => {
      if (!tooLong.hidden && input.value.trim().length <= this.config.max_message_chars) tooLong.hidden = true;
    }, { signal });
  }

  // -- configuration and state

  async loadConfig() {
    const { signal } = this.lifetime;
    const url = this.getAttribute("config");
    const values = await fetchConfig(url, signal);
    if (signal.aborted) return;
    let base = this.ownerDocument.baseURI;
    try {
      if (url) base = new URL(url, base).href;
    } catch {
      // not a URL: nothing was loaded from it either
    }
    this.loaded = { values, base };
    this.updateConfig();
  }

  updateConfig() {
    const next = resolveConfig(this.loaded.values, (name) => this.getAttribute(name), this.loaded.base || this.ownerDocument.baseURI);
    // Another server is another assistant: its own conversation (and token).
    const moved = this.restored && next.server !== this.config.server;
    if (moved) this.hangUp();
    this.config = next;
    this.view.brand(next);
    if (moved) this.restore(this.state.open); // the panel stays as the patient left it
  }

  /** @param {boolean} [open]  instead of the stored state's */
  restore(open) {
    this.state = readState(this.config.server) || freshState();
    if (open !== undefined) this.state.open = open;
    this.inflight = [];
    for (const m of [...this.state.messages, ...this.state.queue]) this.nextId = Math.max(this.nextId, (m.id || 0) + 1);
    this.view.showMessages(this.state.messages);
    this.renderReplies();
    this.view.notice.hidden = true;
    this.restored = true;
    const reopen = this.state.open;
    this.state.open = false;
    this.showPanel(false);
    if (reopen) this.open({ focus: false });
    else if (this.state.queue.length) this.connect();
  }

  save() {
    writeState(this.config.server, this.state);
  }

  // -- panel

  /**
   * Tells the host page; false if it said no (preventDefault).
   * @param {"clinic-chat-open" | "clinic-chat-close"} type
   */
  announce(type) {
    return this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, cancelable: true }));
  }

  /** @param {boolean} open */
  showPanel(open) {
    this.view.showPanel(open);
    this.setModal(open);
  }

  /** @param {{focus: boolean}} options */
  async open({ focus }) {
    if (!this.announce("clinic-chat-open")) return;
    const { signal } = this.lifetime;
    this.showPanel(true);
    if (focus) this.view.input.focus();
    await this.ready;
    if (signal.aborted) return;
    this.state.open = true;
    if (!this.state.greeted && this.state.messages.length === 0) this.greet();
    this.save();
    this.view.scrollToEnd();
    this.connect();
  }

  close() {
    if (!this.announce("clinic-chat-close")) return;
    this.showPanel(false);
    this.state.open = false;
    this.save();
    this.view.launcher.focus();
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
    this.view.showMessages(this.state.messages);
    this.renderReplies();
    this.state.greeted = false;
    if (this.state.open) this.greet();
  }

  // On a phone the panel covers the whole page: it is then a modal dialog, and
  // the page behind it is inert, so Tab and a screen reader's swipes stay in it.
  /** @param {boolean} on */
  setModal(on) {
    const view = this.ownerDocument.defaultView;
    const modal = on && Boolean(view && view.matchMedia(FULL_SCREEN).matches);
    this.view.panel.setAttribute("aria-modal", String(modal));
    for (const node of this.inerted) node.inert = false;
    this.inerted = [];
    if (!modal) return;
    for (let node = /** @type {Element} */ (this); node.parentElement; node = node.parentElement) {
      for (const sibling of node.parentElement.children) {
        if (sibling instanceof HTMLElement && sibling !== node && !sibling.inert && sibling.tagName !== "SCRIPT") {
          sibling.inert = true;
          this.inerted.push(sibling);
        }
      }
    }
  }

  // -- connection

  connect() {
    if (this.lifetime.signal.aborted) return; // on no page: no socket
    if (this.chat || !this.config.server) {
      if (!this.config.server) this.view.showOffline(this.config.name, this.config.phone);
      this.flush();
      return;
    }
    let target;
    try {
      target = new URL(this.config.server, this.ownerDocument.baseURI);
    } catch {
      this.view.showOffline(this.config.name, this.config.phone);
      return;
    }
    const { sessionId, socketId } = this.state;
    this.chat = new ChatSocket(target, { sessionId, socketId }, {
      session: (session) => {
        Object.assign(this.state, session);
        this.save();
      },
      fresh: () => this.startAfresh(),
      ready: () => {
        this.view.notice.hidden = true;
        this.flush();
      },
      message: (message) => this.receive(message),
      offline: () => {
        this.requeue();
        this.view.setTyping(false);
        this.view.showOffline(this.config.name, this.config.phone);
      },
    });
  }

  // The socket closed for good (removed from the page, or another server).
  hangUp() {
    if (this.chat) this.chat.close();
    this.chat = null;
    this.requeue();
    this.view.setTyping(false);
  }

  // Sent but unanswered: send again after reconnecting rather than lose it.
  requeue() {
    if (!this.inflight.length) return;
    this.state.queue.unshift(...this.inflight);
    for (const item of this.inflight) this.markPending(item.id, true);
    this.inflight = [];
    this.save();
  }

  flush() {
    const chat = this.chat;
    if (!chat || !chat.ready) return;
    for (let item = this.state.queue.shift(); item; item = this.state.queue.shift()) {
      chat.send(item.message);
      this.inflight.push(item);
      this.markPending(item.id, false);
    }
    if (this.inflight.length) this.view.setTyping(true);
    this.save();
  }

  // -- messages

  /** @param {string} raw */
  sendText(raw) {
    const text = raw.trim();
    if (!text) return;
    const max = this.config.max_message_chars;
    if (text.length > max) { // kept in the box to shorten, not sent, not cut
      this.view.showTooLong(text.length, max);
      return;
    }
    this.view.tooLong.hidden = true;
    this.view.input.value = "";
    this.send(text, text);
  }

  /**
   * @param {string} message  what the server gets (a button's payload, or the text)
   * @param {string} shown  what the log shows
   */
  send(message, shown) {
    const id = this.nextId++;
    this.clearReplies();
    this.addMessage({ id, from: "user", text: shown, pending: true });
    this.state.queue.push({ id, message });
    this.save();
    this.connect();
  }

  /** @param {unknown} payload  a bot_uttered message, unchecked */
  receive(payload) {
    if (!payload || typeof payload !== "object") return;
    const message = /** @type {Record<string, unknown>} */ (payload);
    this.inflight = [];
    const text = typeof message.text === "string" ? message.text : "";
    const buttons = cleanButtons(message, MAX_BUTTONS);
    if (!text.trim() && !buttons.length) return;
    this.clearReplies();
    this.addMessage({ id: this.nextId++, from: "bot", text, buttons: buttons.length ? buttons : undefined });
    this.view.setTyping(false);
    this.save();
  }

  /** @param {import("./view.js").Message} message */
  addMessage(message) {
    this.state.messages.push(message);
    this.view.add(message);
    this.renderReplies();
    this.view.scrollToEnd();
  }

  clearReplies() {
    for (const m of this.state.messages) delete m.buttons;
    this.renderReplies();
  }

  /**
   * @param {number} id
   * @param {boolean} pending
   */
  markPending(id, pending) {
    const message = this.state.messages.find((m) => m.id === id);
    if (!message || Boolean(message.pending) === pending) return;
    message.pending = pending;
    this.view.markPending(id, pending);
  }

  // The latest message's quick replies, if the bot wrote it.
  renderReplies() {
    const last = this.state.messages[this.state.messages.length - 1];
    const buttons = last && last.from === "bot" && Array.isArray(last.buttons) ? last.buttons : [];
    this.view.showReplies(buttons, (b) => this.send(b.payload, b.title), this.lifetime.signal);
  }
}

if (!customElements.get("clinic-chat")) customElements.define("clinic-chat", ClinicChat);
