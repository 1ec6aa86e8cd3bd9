// A conversation as the widget keeps it, with no DOM: the log, the messages
// typed and not sent yet (the queue), those sent and not answered yet (in
// flight), the greeting and starting afresh. What the patient should see it
// tells a Display (the element hands it the view); what a tab keeps of it is
// in sessionStorage (store.js), saved after every change.
import { freshState, readState, writeState } from "./store.js";

const MAX_BUTTONS = 12;

/** @typedef {import("./view.js").Message} Message */
/** @typedef {import("./view.js").Reply} Reply */

/**
 * What the conversation shows the patient.
 * @typedef {object} Display
 * @property {(messages: Message[]) => void} showMessages  the whole log, anew
 * @property {(message: Message) => void} add  one more message at the end of the log
 * @property {(id: number, pending: boolean) => void} markPending  a message is waiting to be sent, or not any more
 * @property {(buttons: Reply[]) => void} showReplies  the quick replies on offer (none: hidden)
 * @property {(on: boolean) => void} setTyping  the assistant is (not) answering
 * @property {() => void} scrollToEnd
 */

/**
 * Where messages go: the socket, once the server confirmed the conversation.
 * @typedef {object} Sender
 * @property {boolean} ready
 * @property {(message: string) => void} send
 */

/**
 * The quick replies a bot message offers, checked and at most `max`.
 * @param {Record<string, unknown>} message  a bot_uttered payload
 * @param {number} max
 * @returns {Reply[]}
 */
export function cleanButtons(message, max) {
  const raw = Array.isArray(message.quick_replies) && message.quick_replies.length
    ? message.quick_replies
    : Array.isArray(message.buttons) ? message.buttons : [];
  return raw
    .filter((b) => b && typeof b.title === "string" && b.title.trim() && typeof b.payload === "string")
    .slice(0, max)
    .map((b) => ({ title: b.title, payload: b.payload }));
}

export class Conversation {
  /**
   * @param {Display} display
   * @param {() => string} server  the Rasa base URL it is stored under (the element's current one)
   */
  constructor(display, server) {
    this.display = display;
    this.server = server;
    this.state = freshState();
    /** Sent, not answered yet: sent again after a reconnection. @type {import("./store.js").Outgoing[]} */
    this.inflight = [];
    this.nextId = 1;
  }

  /**
   * Picks up the conversation stored for the current server (or a fresh one) and shows it.
   * @param {boolean} [open]  instead of the stored state's
   */
  load(open) {
    this.state = readState(this.server()) || freshState();
    if (open !== undefined) this.state.open = open;
    this.inflight = [];
    for (const m of [...this.state.messages, ...this.state.queue]) this.nextId = Math.max(this.nextId, (m.id || 0) + 1);
    this.display.showMessages(this.state.messages);
    this.renderReplies();
  }

  save() {
    writeState(this.server(), this.state);
  }

  /**
   * The socket's token or socket id changed: keep it.
   * @param {import("./chat-socket.js").Session} session
   */
  keepSession(session) {
    Object.assign(this.state, session);
    this.save();
  }

  /**
   * The panel opened (greeting the assistant if nobody has yet) or closed.
   * @param {boolean} open
   */
  setOpen(open) {
    this.state.open = open;
    if (open && !this.state.greeted && this.state.messages.length === 0) this.greet();
    this.save();
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
    this.display.showMessages(this.state.messages);
    this.renderReplies();
    this.state.greeted = false;
    if (this.state.open) this.greet();
  }

  // The connection is gone (lost, or closed on purpose): nobody is answering.
  interrupted() {
    this.requeue();
    this.display.setTyping(false);
  }

  // Sent but unanswered: send again after reconnecting rather than lose it.
  requeue() {
    if (!this.inflight.length) return;
    this.state.queue.unshift(...this.inflight);
    for (const item of this.inflight) this.markPending(item.id, true);
    this.inflight = [];
    this.save();
  }

  /**
   * Sends what is queued, if `chat` is ready for it.
   * @param {Sender | null} chat
   */
  flush(chat) {
    if (!chat || !chat.ready) return;
    for (let item = this.state.queue.shift(); item; item = this.state.queue.shift()) {
      chat.send(item.message);
      this.inflight.push(item);
      this.markPending(item.id, false);
    }
    if (this.inflight.length) this.display.setTyping(true);
    this.save();
  }

  /**
   * Queues a message from the patient and shows it, waiting to be sent.
   * @param {string} message  what the server gets (a button's payload, or the text)
   * @param {string} shown  what the log shows
   */
  send(message, shown) {
    const id = this.nextId++;
    this.clearReplies();
    this.addMessage({ id, from: "user", text: shown, pending: true });
    this.state.queue.push({ id, message });
    this.save();
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
    this.display.setTyping(false);
    this.save();
  }

  /** @param {Message} message */
  addMessage(message) {
    this.state.messages.push(message);
    this.display.add(message);
    this.renderReplies();
    this.display.scrollToEnd();
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
    this.display.markPending(id, pending);
  }

  // The latest message's quick replies, if the bot wrote it.
  renderReplies() {
    const last = this.state.messages[this.state.messages.length - 1];
    const buttons = last && last.from === "bot" && Array.isArray(last.buttons) ? last.buttons : [];
    this.display.showReplies(buttons);
  }
}
