// The widget's connection to Rasa's socket.io channel, with the events Rasa's
// own widgets use (session_request / session_confirm / user_uttered /
// bot_uttered) plus the clinic channel's session_renewed.
//
// The session id it asks for is a signed token that expires after an hour
// without messages; when the server confirms another one than was asked for,
// the old conversation is over (expired, or open in another tab) and the
// widget starts afresh. socket.io reconnects on its own, except after the
// server closed the socket on purpose: then this retries once, after 2 s.
import { io } from "./vendor/socket.io.esm.min.js";

const SERVER_CLOSED_RETRY_MS = 2000;

/**
 * What the widget keeps of a conversation's connection (in sessionStorage).
 * @typedef {object} Session
 * @property {string | null} sessionId  the signed token of the conversation
 * @property {string | null} socketId  the socket that last held it
 */

/**
 * What the socket tells the widget.
 * @typedef {object} SocketHandlers
 * @property {(session: Session) => void} session  the token or socket id changed: keep it
 * @property {() => void} fresh  the server began a new conversation instead of the one asked for
 * @property {() => void} ready  confirmed: messages can be sent
 * @property {(message: unknown) => void} message  a bot_uttered payload, unchecked
 * @property {() => void} offline  the connection failed or was lost
 */

/** 32 random hex digits (getRandomValues works on plain-http pages too). */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * socket.io's options for a Rasa base URL, which may have a path prefix.
 * @param {URL} server
 */
function socketOptions(server) {
  return {
    path: `${server.pathname.replace(/\/+$/, "")}/socket.io`,
    // Sent with every long-polling and websocket request: a proxy in front of
    // several Rasa servers hashes it to keep this socket on one of them
    // (deploy/nginx/clinic.conf.template). Random, so it says nothing of the patient.
    query: { affinity: randomKey() },
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 5000,
  };
}

export class ChatSocket {
  /**
   * Connects at once; `close()` ends it for good.
   * @param {URL} server  the Rasa base URL
   * @param {Session} session  the conversation to ask for
   * @param {SocketHandlers} handlers
   */
  constructor(server, session, handlers) {
    /** @type {Session} */
    this.session = { ...session };
    this.handlers = handlers;
    this.confirmed = false;
    /** The token asked for at the latest (re)connection. @type {string | null} */
    this.requested = null;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    this.socket = io(server.origin, socketOptions(server));
    this.listen(this.socket);
  }

  /** Connected and given a conversation: what is sent now is answered. */
  get ready() {
    return this.socket.connected && this.confirmed;
  }

  /**
   * Sends a message in the confirmed conversation.
   * @param {string} message
   */
  send(message) {
    this.socket.emit("user_uttered", { message, session_id: this.session.sessionId });
  }

  /** Disconnects, stops retrying and tells the widget nothing more. */
  close() {
    clearTimeout(this.retryTimer);
    this.socket.off(); // no offline notice for a socket closed on purpose
    this.socket.disconnect();
    this.confirmed = false;
  }

  /** @param {import("./vendor/socket.io.esm.min.js").Socket} socket */
  listen(socket) {
    socket.on("connect", () => {
      // Every (re)connection: ask for the same conversation before sending
      // anything, naming the socket that had it (only this tab knows its id),
      // in case the server has not yet noticed that socket is gone.
      this.confirmed = false;
      this.requested = this.session.sessionId;
      socket.emit("session_request", { session_id: this.requested, previous_socket: this.session.socketId });
      this.update({ socketId: socket.id ?? null });
    });
    socket.on("session_confirm", (/** @type {unknown} */ data) => {
      const id = data && typeof data === "object" ? /** @type {{session_id?: unknown}} */ (data).session_id : data;
      if (typeof id !== "string" || !id) return;
      if (this.requested && id !== this.requested) this.handlers.fresh();
      this.confirmed = true;
      this.update({ sessionId: id });
      this.handlers.ready();
    });
    socket.on("session_renewed", (/** @type {unknown} */ id) => {
      // The token of this conversation, renewed at its latest turn.
      if (typeof id !== "string" || !id || !this.confirmed) return;
      this.update({ sessionId: id });
    });
    socket.on("bot_uttered", (/** @type {unknown} */ message) => this.handlers.message(message));
    socket.on("connect_error", () => this.lost());
    socket.on("disconnect", (reason) => {
      this.lost();
      // The server closed the socket on purpose: socket.io does not retry then.
      if (reason === "io server disconnect") {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => socket.connect(), SERVER_CLOSED_RETRY_MS);
      }
    });
  }

  lost() {
    this.confirmed = false;
    this.handlers.offline();
  }

  /** @param {Partial<Session>} change */
  update(change) {
    this.session = { ...this.session, ...change };
    this.handlers.session(this.session);
  }
}
