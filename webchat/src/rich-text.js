// Text for the chat log, whoever wrote it, as DOM text nodes: never HTML.
// Only absolute http(s), tel and mailto links become <a>; anything else,
// `javascript:` included, stays part of the text.

const LINK_SCHEMES = new Set(["http:", "https:", "tel:", "mailto:"]);
// [label](url), or a bare http(s) URL.
const LINK_TOKEN = /\[([^[\]\n]{1,300})\]\(([^()\s]{1,2000})\)|\bhttps?:\/\/[^\s<>"'`]+/gi;

/**
 * The URL, normalised, if it is absolute and its scheme is allowed.
 * @param {string} url
 * @returns {string | null}
 */
export function safeHref(url) {
  try {
    const parsed = new URL(url); // absolute URLs only: relative ones stay text
    return LINK_SCHEMES.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/**
 * A bare URL without the sentence's trailing punctuation or an unmatched ")".
 * @param {string} url
 */
function trimUrl(url) {
  let out = url.replace(/[.,;:!?'"]+$/, "");
  const count = (/** @type {RegExp} */ re) => (out.match(re) || []).length;
  while (out.endsWith(")") && count(/\(/g) < count(/\)/g)) {
    out = out.slice(0, -1).replace(/[.,;:!?]+$/, "");
  }
  return out;
}

/**
 * An <a> for an already checked `href`; web links open in a new tab, and say so.
 * @param {Document} doc
 * @param {string} href  from safeHref, or a tel: URL built from digits
 * @param {string} label
 */
export function link(doc, href, label) {
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

/**
 * Appends `text` to `parent` as text nodes, with safe links as <a>.
 * @param {Element} parent
 * @param {string} text
 */
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
    const at = match.index ?? 0;
    parent.append(doc.createTextNode(text.slice(last, at)));
    parent.append(link(doc, href, label));
    last = at + whole.length;
  }
  parent.append(doc.createTextNode(text.slice(last)));
}
