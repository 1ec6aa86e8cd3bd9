// The widget's settings: the branding JSON its `config` attribute names
// (webchat/serve.py makes it from clinic.yml), checked, with the element's
// own attributes and DEFAULTS standing in for what it does not say.
import { safeHref } from "./rich-text.js";

/**
 * @typedef {object} Config
 * @property {string} name  the clinic's name
 * @property {string} phone  the clinic's phone number, for the offline notice
 * @property {string} title  the panel's heading
 * @property {string} primary_color  a CSS colour
 * @property {string} primary_text_color  a CSS colour readable on primary_color
 * @property {string} logo  an absolute http(s) URL, or ""
 * @property {string} server  the Rasa base URL, or "" (offline)
 * @property {number} max_message_chars  the longest message the server takes
 */

/**
 * The only branding defaults (serve.py passes on only what clinic.yml sets).
 * @type {Readonly<Config>}
 */
export const DEFAULTS = Object.freeze({
  name: "the clinic",
  phone: "",
  title: "Questions? Ask us",
  primary_color: "#0b5a8a",
  primary_text_color: "#ffffff",
  logo: "",
  server: "",
  max_message_chars: 2000,
});

/** The element's attributes that stand in for the config's values (server overrides it). */
export const CONFIG_ATTRIBUTES = ["name", "phone", "title", "logo", "server"];
// A server restarting or a network blip must not leave the widget without
// the clinic's phone number: retry for about 15 s before falling back.
const RETRIES_MS = [0, 1000, 2000, 4000, 8000];

/**
 * Resolves after `ms`, or at once when `signal` aborts.
 * @param {number} ms
 * @param {AbortSignal} signal
 */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(undefined);
    }, { once: true });
  });
}

/**
 * The branding JSON at `url`, retried while the server errs; {} if it never comes.
 * @param {string | null} url
 * @param {AbortSignal} signal  stops the retries (the element left the page)
 * @returns {Promise<Record<string, unknown>>}
 */
export async function fetchConfig(url, signal) {
  for (const wait of url ? RETRIES_MS : []) {
    if (wait) await pause(wait, signal);
    if (signal.aborted) break;
    try {
      const response = await fetch(/** @type {string} */ (url), { credentials: "same-origin", signal });
      if (response.ok) {
        const loaded = await response.json();
        return loaded && typeof loaded === "object" ? loaded : {};
      }
      if (response.status < 500) break; // not there: retrying will not help
    } catch {
      // unreachable (or aborted): try again, unless aborted
    }
  }
  return {};
}

/**
 * The value if it is a plain CSS colour (hex, rgb(a), hsl(a)), else `fallback`.
 * @param {unknown} value
 * @param {string} fallback
 */
function safeColor(value, fallback) {
  return typeof value === "string" && /^(#[0-9a-f]{3,8}|(rgb|hsl)a?\([\d\s.,%]+\))$/i.test(value.trim())
    ? value.trim()
    : fallback;
}

/**
 * A CSS url() for an already checked URL.
 * @param {string} url
 */
export function cssUrl(url) {
  return `url("${url.replace(/["\\\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}")`;
}

/**
 * The settings from the loaded JSON, the element's attributes and DEFAULTS.
 * @param {Record<string, unknown>} loaded  what fetchConfig returned
 * @param {(name: string) => string | null} attribute  the element's getAttribute
 * @param {string} base  the URL relative logo URLs are relative to (the config's own)
 * @returns {Config}
 */
export function resolveConfig(loaded, attribute, base) {
  /** @param {string} key */
  const given = (key) => {
    const value = loaded[key];
    return (typeof value === "string" && value.trim()) || (attribute(key) || "").trim();
  };
  /** @param {"name" | "phone" | "title" | "logo" | "server"} key */
  const pick = (key) => given(key) || DEFAULTS[key];
  const logo = pick("logo") ? safeHref(new URL(pick("logo"), base).href) : null;
  const max = Number.parseInt(String(loaded.max_message_chars), 10);
  return {
    name: pick("name"),
    phone: pick("phone"),
    title: pick("title"),
    primary_color: safeColor(loaded.primary_color, DEFAULTS.primary_color),
    primary_text_color: safeColor(loaded.primary_text_color, DEFAULTS.primary_text_color),
    logo: logo && /^https?:/.test(logo) ? logo : "",
    server: attribute("server") || pick("server"),
    max_message_chars: Number.isFinite(max) && max > 0 ? max : DEFAULTS.max_message_chars,
  };
}
