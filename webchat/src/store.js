// What a tab keeps of a conversation, per Rasa server, in sessionStorage
// (gone when the browser closes: shared family computers), read back warily.

const STORAGE_PREFIX = "clinic-chat:v1:";
const MAX_HISTORY = 200;

/** @typedef {import("./view.js").Message} Message */
/** @typedef {{id: number, message: string, hidden?: boolean}} Outgoing */
/**
 * @typedef {object} State
 * @property {string | null} sessionId  the signed session token
 * @property {string | null} socketId  the socket that last held it
 * @property {boolean} open  the panel is open
 * @property {boolean} greeted  the conversation's /greet is sent or queued
 * @property {Message[]} messages  the log, the latest MAX_HISTORY
 * @property {Outgoing[]} queue  typed, not sent yet
 */

/** @returns {State} */
export function freshState() {
  return { sessionId: null, socketId: null, open: false, greeted: false, messages: [], queue: [] };
}

/** @param {string} server  the Rasa base URL, or "" */
function key(server) {
  return STORAGE_PREFIX + (server || "none");
}

/**
 * The state stored for `server`, checked; null if there is none or it is unreadable.
 * @param {string} server
 * @returns {State | null}
 */
export function readState(server) {
  try {
    const saved = JSON.parse(sessionStorage.getItem(key(server)) || "null");
    if (!saved || typeof saved !== "object") return null;
    return {
      sessionId: typeof saved.sessionId === "string" ? saved.sessionId : null,
      socketId: typeof saved.socketId === "string" ? saved.socketId : null,
      open: Boolean(saved.open),
      greeted: Boolean(saved.greeted),
      messages: Array.isArray(saved.messages) ? saved.messages.filter((/** @type {any} */ m) => m && typeof m.text === "string") : [],
      queue: Array.isArray(saved.queue) ? saved.queue.filter((/** @type {any} */ q) => q && typeof q.message === "string") : [],
    };
  } catch {
    return null; // unreadable storage: start afresh
  }
}

/**
 * Stores `state` for `server`, trimming its log to the latest MAX_HISTORY messages.
 * @param {string} server
 * @param {State} state
 */
export function writeState(server, state) {
  state.messages = state.messages.slice(-MAX_HISTORY);
  try {
    sessionStorage.setItem(key(server), JSON.stringify(state));
  } catch {
    // storage full or disabled: the conversation still works on this page
  }
}
