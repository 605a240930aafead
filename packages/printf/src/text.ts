import { isUtf8 } from "node:buffer";
import { types } from "node:util";
import { CH_NEWLINE, CH_TAB } from "./spec.js";

/* ------------------------------------------------------------------------------------------------ */
/* Making text safe                                                                                  */
/* ------------------------------------------------------------------------------------------------ */

/** U+2400..U+241F for 0x00..0x1F and U+2421 for DEL: visible, single-column, never interpreted. */
const PICTURES: string[] = [];
for (let c = 0; c < 0x20; c++) PICTURES.push(String.fromCharCode(0x2400 + c));
const DEL_PICTURE = "\u2421";

// Compiled once: V8 scans with it much faster than a charCodeAt loop, and almost every argument
// contains none of these, so the slow path below is rarely entered. Tab is allowed through.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f\ud800-\udfff]/;

/**
 * The text with control characters replaced by pictures and every newline followed by a tab (so a
 * continuation line can never pass for a new log record), or `null` when the text holds a lone
 * surrogate: such text cannot be encoded as UTF-8 and is quoted instead, as Prosody does.
 */
export function sanitize(s: string): string | null {
  if (!UNSAFE.test(s)) return s;
  let out = "";
  let last = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) {
      if (c === CH_TAB) continue;
      out += s.slice(last, i);
      if (c === CH_NEWLINE) {
        out += "\n\t";
        // An existing tab after the newline is the indentation already, not a second one.
        if (s.charCodeAt(i + 1) === CH_TAB) i++;
      } else {
        out += c === 0x7f ? DEL_PICTURE : PICTURES[c];
      }
      last = i + 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      if (c <= 0xdbff) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          i++;
          continue;
        }
      }
      return null;
    }
  }
  return out + s.slice(last);
}

/** Like {@link sanitize}, for the format string itself, which cannot be quoted: lone surrogates become U+FFFD. */
export function sanitizeLiteral(s: string): string {
  return sanitize(s) ?? sanitize(toWellFormed(s)) ?? "";
}

/** String.prototype.toWellFormed, which the ES2023 library types do not declare. */
function toWellFormed(s: string): string {
  let out = "";
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const d = s.charCodeAt(i + 1);
    if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
      i++;
      continue;
    }
    out += s.slice(last, i) + "\ufffd";
    last = i + 1;
  }
  return out + s.slice(last);
}

/** Lua's serializer escapes, used for byte strings that are not UTF-8. */
const BYTE_ESCAPES: string[] = [];
for (let b = 0; b < 256; b++) {
  BYTE_ESCAPES.push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "\\" + String(b).padStart(3, "0"));
}
BYTE_ESCAPES[0x07] = "\\a";
BYTE_ESCAPES[0x08] = "\\b";
BYTE_ESCAPES[0x09] = "\\t";
BYTE_ESCAPES[0x0a] = "\\n";
BYTE_ESCAPES[0x0b] = "\\v";
BYTE_ESCAPES[0x0c] = "\\f";
BYTE_ESCAPES[0x0d] = "\\r";
BYTE_ESCAPES[0x22] = '\\"';
BYTE_ESCAPES[0x27] = "\\'";
BYTE_ESCAPES[0x5c] = "\\\\";

/** Every byte outside printable ASCII as `\ddd`: the whole string stays readable and reversible. */
export function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) out += BYTE_ESCAPES[b];
  return out + '"';
}

/**
 * The same bytes a lone-surrogate string would have in WTF-8 (TextEncoder would replace them with
 * U+FFFD and so hide what was actually there).
 */
function wtf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/** `%q` of a string: quoted and escaped; valid text keeps its non-ASCII characters. */
export function quoteString(s: string): string {
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = "\\\\";
    else if (c === CH_NEWLINE) esc = "\\n";
    else if (c === CH_TAB) esc = "\\t";
    else if (c < 0x20) esc = PICTURES[c];
    else if (c === 0x7f) esc = DEL_PICTURE;
    else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return quoteBytes(wtf8(s));
    }
    if (esc !== undefined) {
      out += s.slice(last, i) + esc;
      last = i + 1;
    }
  }
  return out + s.slice(last) + '"';
}

const textDecoder = new TextDecoder("utf-8");

/** Bytes are Lua's strings: shown as text when they are UTF-8, quoted byte by byte when not. */
export function bytesText(bytes: Uint8Array): string | null {
  return isUtf8(bytes) ? textDecoder.decode(bytes) : null;
}

/* ------------------------------------------------------------------------------------------------ */
/* tostring                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

const objectToString = Object.prototype.toString;
const arrayToString = Array.prototype.toString;

/**
 * Lua's tostring for a value that is not a string, nil or bytes. It never throws: a hostile
 * toString, getter or revoked proxy gives a generic description instead of losing the log line.
 */
function tostring(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
    case "symbol":
      return String(value);
    case "undefined":
      return "nil";
    case "function": {
      let name = "";
      try {
        name = typeof value.name === "string" ? value.name : "";
      } catch {
        // A throwing `name` getter still leaves the function printable.
      }
      return "function: " + (name || "(anonymous)");
    }
    default:
      break;
  }
  if (value === null) return "nil";
  const obj = value as { toString?: unknown };
  try {
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    }
    const own = obj.toString;
    // Only a toString someone wrote (Element, Error, JID, URL...) says more than the type does;
    // Array's would call every element's toString and can be arbitrarily large.
    if (typeof own === "function" && own !== objectToString && own !== arrayToString) {
      const text: unknown = own.call(value);
      if (typeof text === "string") return text;
    }
  } catch {
    // Fall back to the type description below.
  }
  try {
    return objectToString.call(value);
  } catch {
    return "[object]";
  }
}

/** What an argument shows as text, made safe; `{ quoted }` when it had to be quoted instead. */
type Display = string | { readonly quoted: string };

export function display(value: unknown): Display {
  // Numbers and booleans cannot carry unsafe characters; skipping the scan keeps extras cheap.
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (typeof value === "string") {
    const safe = sanitize(value);
    return safe ?? { quoted: quoteString(value) };
  }
  // util.types rather than instanceof: instanceof runs proxy traps, which may throw.
  if (types.isUint8Array(value)) {
    const text = bytesText(value);
    if (text === null) return { quoted: quoteBytes(value) };
    return sanitize(text) ?? { quoted: quoteBytes(value) };
  }
  const text = tostring(value);
  return sanitize(text) ?? { quoted: quoteString(text) };
}
