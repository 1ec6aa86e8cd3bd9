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
// (config.js), the conversation (conversation.js), storage (store.js) and the
// socket (chat-socket.js) are modules.
// Removed from the page it closes its socket and stops its timers; added
// back, it picks the conversation up from sessionStorage.
import css from "./clinic-chat.css.js";
import { ChatSocket } from "./chat-socket.js";
import { CONFIG_ATTRIBUTES, DEFAULTS, fetchConfig, resolveConfig } from "./config.js";
import { Conversation } from "./conversation.js";
import { appendRichText } from "./rich-text.js";
import { ChatView } from "./view.js";

export { appendRichText }; // as before the split, for pages that render text the same way

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
    /** @type {ChatSocket | null} */
    this.chat = null;
    /** Config loaded and state restored; attribute changes queue behind it. @type {Promise<void>} */
    this.ready = Promise.resolve();
    this.restored = false;
    // One per connection to a page: aborting it removes the listeners and
    // stops config fetches. Aborted while the element is on no page.
    this.lifetime = new AbortController();
    this.lifetime.abort();
    this.view = new ChatView(this.ownerDocument);
    this.view.brand(this.config);
    const view = this.view;
    this.conversation = new Conversation({
      showMessages: (messages) => view.showMessages(messages),
      add: (message) => view.add(message),
      markPending: (id, pending) => view.markPending(id, pending),
      showReplies: (buttons) => view.showReplies(buttons, (b) => this.send(b.payload, b.title), this.lifetime.signal),
      setTyping: (on) => view.setTyping(on),
      scrollToEnd: () => view.scrollToEnd(),
    }, () => this.config.server);
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
    this.view.setModal(this, false); // the page behind is usable again
    if (this.restored) this.conversation.save();
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
    if (moved) this.restore(this.conversation.state.open); // the panel stays as the patient left it
  }

  /** @param {boolean} [open]  instead of the stored state's */
  restore(open) {
    this.conversation.load(open);
    this.view.notice.hidden = true;
    this.restored = true;
    const { state } = this.conversation;
    const reopen = state.open;
    state.open = false;
    this.showPanel(false);
    if (reopen) this.open({ focus: false });
    else if (state.queue.length) this.connect();
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
    this.view.setModal(this, open);
  }

  /** @param {{focus: boolean}} options */
  async open({ focus }) {
    if (!this.announce("clinic-chat-open")) return;
    const { signal } = this.lifetime;
    this.showPanel(true);
    if (focus) this.view.input.focus();
    await this.ready;
    if (signal.aborted) return;
    this.conversation.setOpen(true);
    this.view.scrollToEnd();
    this.connect();
  }

  close() {
    if (!this.announce("clinic-chat-close")) return;
    this.showPanel(false);
    this.conversation.setOpen(false);
    this.view.launcher.focus();
  }

  // -- connection

  connect() {
    if (this.lifetime.signal.aborted) return; // on no page: no socket
    if (this.chat || !this.config.server) {
      if (!this.config.server) this.view.showOffline(this.config.name, this.config.phone);
      this.conversation.flush(this.chat);
      return;
    }
    let target;
    try {
      target = new URL(this.config.server, this.ownerDocument.baseURI);
    } catch {
      this.view.showOffline(this.config.name, this.config.phone);
      return;
    }
    const conversation = this.conversation;
    const { sessionId, socketId } = conversation.state;
    this.chat = new ChatSocket(target, { sessionId, socketId }, {
      session: (session) => conversation.keepSession(session),
      fresh: () => conversation.startAfresh(),
      ready: () => {
        this.view.notice.hidden = true;
        conversation.flush(this.chat);
      },
      message: (message) => conversation.receive(message),
      offline: () => {
        conversation.interrupted();
        this.view.showOffline(this.config.name, this.config.phone);
      },
    });
  }

  // The socket closed for good (removed from the page, or another server).
  hangUp() {
    if (this.chat) this.chat.close();
    this.chat = null;
    this.conversation.interrupted();
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
    this.conversation.send(message, shown);
    this.connect();
  }
}

if (!customElements.get("clinic-chat")) customElements.define("clinic-chat", ClinicChat);
