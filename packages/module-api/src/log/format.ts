/**
 * Prosody's safe printf (util.format) for JavaScript values.
 *
 * A log call must never throw and must never let an argument forge log lines or terminal escapes:
 * whatever the format string and the arguments, the result is one string in which control
 * characters are visible pictures, continuation lines are indented, and text that is not valid
 * Unicode is quoted instead of being written raw.
 */

import { isUtf8 } from "node:buffer";
import { types } from "node:util";

/** A parsed conversion such as `%-8.3f`. */
interface Spec {
  /** The conversion character's code (`s`, `d`, `q`, ...). */
  readonly option: number;
  readonly kind: Kind;
  readonly left: boolean;
  readonly plus: boolean;
  readonly space: boolean;
  readonly alt: boolean;
  readonly zero: boolean;
  readonly width: number;
  /** -1 when the conversion has no precision. */
  readonly precision: number;
  /** No flags, width or precision: the common case, which skips padding entirely. */
  readonly plain: boolean;
}

// Plain constants rather than an enum, so the file stays erasable TypeScript.
const Kind = {
  Text: 0,
  Quote: 1,
  Pointer: 2,
  /** c d i o u x X: Lua refuses anything but an integer here, so the rest is bracketed. */
  Integer: 3,
  /** a A e E f g G */
  Float: 4,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

type Part = string | Spec;

const CH_PERCENT = 0x25;
const CH_NEWLINE = 0x0a;
const CH_TAB = 0x09;

// The conversion characters util.format recognises (c d i o u x X a A e E f g G p q s %); everything
// between `%` and the first of them is the spec.
const OPTION_KIND = new Int8Array(128).fill(-1);
for (const ch of "cdiouxX") OPTION_KIND[ch.charCodeAt(0)] = Kind.Integer;
for (const ch of "aAeEfgG") OPTION_KIND[ch.charCodeAt(0)] = Kind.Float;
OPTION_KIND["s".charCodeAt(0)] = Kind.Text;
OPTION_KIND["q".charCodeAt(0)] = Kind.Quote;
OPTION_KIND["p".charCodeAt(0)] = Kind.Pointer;
// `%%` ends a spec like a conversion does, but has no kind: it consumes no argument.
OPTION_KIND[CH_PERCENT] = 99;

function isOption(code: number): boolean {
  return code < 128 && OPTION_KIND[code] !== -1;
}

// Lua keeps widths and precisions to two digits; clamping keeps `%999999999s` from allocating.
const MAX_FIELD = 99;

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
function sanitize(s: string): string | null {
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
function sanitizeLiteral(s: string): string {
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
function quoteBytes(bytes: Uint8Array): string {
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
function quoteString(s: string): string {
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
function bytesText(bytes: Uint8Array): string | null {
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

function display(value: unknown): Display {
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

/* ------------------------------------------------------------------------------------------------ */
/* %q: Prosody's one-line debug serialization                                                        */
/* ------------------------------------------------------------------------------------------------ */

const LUA_KEYWORDS = new Set([
  "and",
  "break",
  "do",
  "else",
  "elseif",
  "end",
  "false",
  "for",
  "function",
  "goto",
  "if",
  "in",
  "local",
  "nil",
  "not",
  "or",
  "repeat",
  "return",
  "then",
  "true",
  "until",
  "while",
]);

const MAX_DEPTH = 127;

function isIdentifier(key: string): boolean {
  if (key.length === 0 || LUA_KEYWORDS.has(key)) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
    if (!alpha && (i === 0 || c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

function fallback(type: string, why: string): string {
  return `{__type="${type}",__error="${why}"}`;
}

function serializeNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return "(1/0)";
  if (n === Number.NEGATIVE_INFINITY) return "(-1/0)";
  if (Number.isNaN(n)) return "(0/0)";
  return String(n);
}

function serialize(value: unknown, seen: Set<object>, depth: number): string {
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      return serializeNumber(value);
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return "nil";
    case "function":
    case "symbol":
      return fallback(typeof value, "fail");
    default:
      break;
  }
  if (value === null) return "nil";
  const obj = value as object;
  if (types.isUint8Array(obj)) {
    const text = bytesText(obj);
    return text === null ? quoteBytes(obj) : quoteString(text);
  }
  // Like Prosody, any object met twice (not only a cycle) is not expanded again.
  if (seen.has(obj)) return fallback("object", "table has multiple references");
  if (depth > MAX_DEPTH) return fallback("object", "max table depth reached");
  seen.add(obj);
  try {
    return serializeObject(obj, seen, depth);
  } catch {
    return fallback("object", "fail");
  }
}

function serializeObject(obj: object, seen: Set<object>, depth: number): string {
  // toJSON is JavaScript's counterpart of the __freeze metamethod: the object's own idea of its data.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const frozen: unknown = toJSON.call(obj);
    if (typeof frozen !== "object" || frozen === null) return serialize(frozen, seen, depth);
    if (frozen !== obj) obj = frozen;
  }
  const items: string[] = [];
  const add = (key: unknown, v: unknown): void => {
    if (v === undefined) return; // a nil field does not exist in a Lua table
    let k: string;
    if (typeof key === "string" && isIdentifier(key)) k = key + " = ";
    else k = "[" + serialize(key, seen, depth + 1) + "] = ";
    items.push(k + serialize(v, seen, depth + 1));
  };
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) items.push(serialize(obj[i], seen, depth + 1));
  } else if (obj instanceof Set) {
    for (const v of obj) items.push(serialize(v, seen, depth + 1));
  } else if (obj instanceof Map) {
    for (const [k, v] of obj) add(k, v);
  } else {
    const isError = obj instanceof Error;
    if (obj instanceof Error) {
      // name and message are not enumerable, yet they are what anyone logging an error wants.
      add("name", obj.name);
      add("message", obj.message);
    }
    for (const key of Object.keys(obj)) {
      if (isError && (key === "name" || key === "message")) continue;
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch {
        v = fallback("object", "fail");
        items.push((isIdentifier(key) ? key : "[" + quoteString(key) + "]") + " = " + v);
        continue;
      }
      add(key, v);
    }
  }
  return items.length === 0 ? "{ }" : "{ " + items.join("; ") + " }";
}

/* ------------------------------------------------------------------------------------------------ */
/* %p                                                                                               */
/* ------------------------------------------------------------------------------------------------ */

// JavaScript has no addresses; a stable per-object number serves the same purpose (telling two
// objects apart across log lines) without keeping anything alive.
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

function pointer(value: unknown): string {
  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    let id = identities.get(value);
    if (id === undefined) {
      id = nextIdentity++;
      identities.set(value, id);
    }
    return "0x" + id.toString(16).padStart(8, "0");
  }
  const d = display(value);
  return typeof d === "string" ? "[" + d + "]" : d.quoted;
}

/* ------------------------------------------------------------------------------------------------ */
/* Numbers                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

function pad(spec: Spec, sign: string, body: string, zeroPad: boolean): string {
  const len = sign.length + body.length;
  if (len >= spec.width) return sign + body;
  const fill = spec.width - len;
  if (spec.left) return sign + body + " ".repeat(fill);
  if (zeroPad && spec.zero) return sign + "0".repeat(fill) + body;
  return " ".repeat(fill) + sign + body;
}

function signOf(spec: Spec, negative: boolean): string {
  return negative ? "-" : spec.plus ? "+" : spec.space ? " " : "";
}

function bracket(value: number | bigint): string {
  return "[" + String(value) + "]";
}

const OPT_c = 0x63;
const OPT_o = 0x6f;
const OPT_x = 0x78;
const OPT_X = 0x58;
const OPT_u = 0x75;
const OPT_e = 0x65;
const OPT_E = 0x45;
const OPT_f = 0x66;
const OPT_g = 0x67;
const OPT_G = 0x47;
const OPT_A = 0x41;
const OPT_s = 0x73;

/** Scratch space for reading a double's bits. */
const f64 = new DataView(new ArrayBuffer(8));

function formatInteger(spec: Spec, n: number | bigint): string {
  const o = spec.option;
  const negative = n < 0;
  if (o === OPT_c) {
    const cp = Number(n);
    if (negative || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return bracket(n);
    // Unlike Lua, which writes the raw byte, the character goes through the same sanitizing as text.
    const ch = sanitize(String.fromCodePoint(cp)) ?? "";
    return spec.plain ? ch : pad(spec, "", ch, false);
  }
  // Lua's unsigned conversions reject negative numbers; so does this port.
  if (negative && (o === OPT_o || o === OPT_u || o === OPT_x || o === OPT_X)) return bracket(n);
  if (spec.plain && o !== OPT_o && o !== OPT_x && o !== OPT_X) return String(n);
  const magnitude = typeof n === "bigint" ? (negative ? -n : n) : Math.abs(n);
  const radix = o === OPT_o ? 8 : o === OPT_x || o === OPT_X ? 16 : 10;
  let digits = magnitude.toString(radix);
  if (o === OPT_X) digits = digits.toUpperCase();
  const isZero = digits === "0";
  if (spec.precision >= 0) {
    if (spec.precision === 0 && isZero) digits = "";
    else if (digits.length < spec.precision) digits = "0".repeat(spec.precision - digits.length) + digits;
  }
  // Only the signed conversions show a sign; C ignores `+` and ` ` for %u, %o and %x.
  let prefix = o === OPT_u || radix !== 10 ? "" : signOf(spec, negative);
  if (spec.alt) {
    if (o === OPT_o && !digits.startsWith("0")) digits = "0" + digits;
    else if (o === OPT_x && !isZero) prefix = "0x";
    else if (o === OPT_X && !isZero) prefix = "0X";
  }
  return pad(spec, prefix, digits, spec.precision < 0);
}

/**
 * Whether x·10^scale lies exactly halfway between two integers. JavaScript's toFixed and
 * toExponential round such ties away from zero, C's printf (and so Lua) to even, so only these
 * cases need correcting. For x = M·2^E the product is halfway exactly when its power of two is -1.
 */
function isHalfway(x: number, scale: number): boolean {
  if (x === 0 || !Number.isFinite(x)) return false;
  if (scale < 0) {
    // Dividing by 10^k can only leave exactly .5 when x is an integer; BigInt keeps it exact.
    if (!Number.isInteger(x)) return false;
    const twice = BigInt(x) * 2n;
    const unit = 10n ** BigInt(-scale);
    return twice % unit === 0n && (twice / unit) % 2n === 1n;
  }
  f64.setFloat64(0, x);
  const hi = f64.getUint32(0);
  const lo = f64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const top = (hi & 0xfffff) | (biased === 0 ? 0 : 0x100000);
  const twos = lo !== 0 ? ctz32(lo) : 32 + ctz32(top);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return twos + exponent + scale === -1;
}

function ctz32(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/**
 * Turns a tie that JavaScript rounded up to an odd last digit into C's even one. The last digit is
 * odd, so lowering it never borrows; and a tie that carried into a new digit (9.5 to 10) already
 * ends in an even digit, as C's choice does.
 */
function tieToEven(digits: string, end: number): string {
  const d = digits.charCodeAt(end - 1) - 0x30;
  return d % 2 === 1 ? digits.slice(0, end - 1) + String(d - 1) + digits.slice(end) : digits;
}

/** `d.ddde+XX` with C's at-least-two-digit exponent. */
function exponential(x: number, precision: number, alt: boolean): string {
  let s = x.toExponential(precision);
  const e = s.indexOf("e");
  if (isHalfway(x, precision - Number(s.slice(e + 1)))) s = tieToEven(s, e);
  let mantissa = s.slice(0, e);
  if (alt && precision === 0) mantissa += ".";
  const sign = s.charCodeAt(e + 1) === 0x2d ? "-" : "+";
  const exp = s.slice(e + 2);
  return mantissa + "e" + sign + (exp.length < 2 ? "0" + exp : exp);
}

function fixed(x: number, precision: number, alt: boolean): string {
  // toFixed switches to exponent notation from 1e21 on; such numbers are integers, so BigInt is exact.
  let s: string;
  if (x < 1e21) {
    s = x.toFixed(precision);
    if (isHalfway(x, precision)) s = tieToEven(s, s.length);
  } else {
    s = BigInt(x).toString() + (precision > 0 ? "." + "0".repeat(precision) : "");
  }
  if (alt && precision === 0) s += ".";
  return s;
}

function stripZeros(s: string): string {
  if (s.indexOf(".") === -1) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (s.charCodeAt(end - 1) === 0x2e) end--;
  return s.slice(0, end);
}

function general(x: number, precision: number, alt: boolean): string {
  const p = precision < 0 ? 6 : precision === 0 ? 1 : precision;
  let exp = 0;
  if (x !== 0) {
    const e = x.toExponential(p - 1);
    exp = Number(e.slice(e.indexOf("e") + 1));
  }
  if (exp < p && exp >= -4) {
    const s = fixed(x, p - 1 - exp, alt);
    return alt ? s : stripZeros(s);
  }
  const s = exponential(x, p - 1, alt);
  if (alt) return s;
  const e = s.indexOf("e");
  return stripZeros(s.slice(0, e)) + s.slice(e);
}

const TRAILING_ZEROS = /0+$/;

/** C's `%a`: the exact binary value in hexadecimal, `0x1.84p+6` for 97. */
function hexFloat(x: number, precision: number, alt: boolean): string {
  let exp = 0;
  let full = 0n;
  let digits = 13;
  if (x !== 0) {
    f64.setFloat64(0, x);
    const hi = f64.getUint32(0);
    const lo = f64.getUint32(4);
    const biased = (hi >>> 20) & 0x7ff;
    const mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
    full = biased === 0 ? mantissa : (1n << 52n) | mantissa;
    exp = biased === 0 ? -1022 : biased - 1023;
  }
  if (precision >= 0 && precision < 13) {
    const shift = BigInt((13 - precision) * 4);
    const rem = full & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    full >>= shift;
    if (rem > half || (rem === half && (full & 1n) === 1n)) full += 1n;
    digits = precision;
  }
  const lead = full >> BigInt(digits * 4);
  let frac = digits > 0 ? (full & ((1n << BigInt(digits * 4)) - 1n)).toString(16).padStart(digits, "0") : "";
  if (precision < 0) frac = frac.replace(TRAILING_ZEROS, "");
  else if (precision > 13) frac += "0".repeat(precision - 13);
  const point = frac.length > 0 || alt ? "." : "";
  return lead.toString(16) + point + frac + "p" + (exp >= 0 ? "+" : "") + exp;
}

function formatFloat(spec: Spec, x: number): string {
  const o = spec.option;
  const upper = o === OPT_E || o === OPT_G || o === OPT_A;
  const negative = x < 0 || Object.is(x, -0);
  const sign = signOf(spec, negative);
  const a = Math.abs(x);
  if (!Number.isFinite(a)) {
    const word = Number.isNaN(a) ? "nan" : "inf";
    return pad(
      spec,
      Number.isNaN(a) ? (spec.plus ? "+" : spec.space ? " " : "") : sign,
      upper ? word.toUpperCase() : word,
      false,
    );
  }
  let body: string;
  let prefix = sign;
  if (o === OPT_e || o === OPT_E) body = exponential(a, spec.precision < 0 ? 6 : spec.precision, spec.alt);
  else if (o === OPT_f) body = fixed(a, spec.precision < 0 ? 6 : spec.precision, spec.alt);
  else if (o === OPT_g || o === OPT_G) body = general(a, spec.precision, spec.alt);
  else {
    body = hexFloat(a, spec.precision, spec.alt);
    prefix += "0x";
  }
  if (upper) {
    body = body.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  return pad(spec, prefix, body, true);
}

/* ------------------------------------------------------------------------------------------------ */
/* Conversions                                                                                      */
/* ------------------------------------------------------------------------------------------------ */

function truncate(s: string, precision: number): string {
  if (precision < 0 || s.length <= precision) return s;
  // Counted in code points so a cut never leaves half a surrogate pair behind.
  let count = 0;
  let i = 0;
  while (i < s.length && count < precision) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    count++;
  }
  return s.slice(0, i);
}

function convertText(spec: Spec, value: unknown): string {
  const d = display(value);
  if (typeof d !== "string") return d.quoted;
  return spec.plain ? d : pad(spec, "", truncate(d, spec.precision), false);
}

function convert(spec: Spec, value: unknown): string {
  // A nil argument shows the same whatever the conversion, and ignores width and flags.
  if (value === undefined || value === null) return "(nil)";
  switch (spec.kind) {
    case Kind.Text:
      return convertText(spec, value);
    case Kind.Quote:
      return serialize(value, new Set(), 1);
    case Kind.Pointer:
      return pointer(value);
    case Kind.Integer:
      if (typeof value === "number") {
        // Lua's %d only takes integers; a float, or a number past 2^53 that JavaScript can no longer
        // hold exactly, is shown as it is instead of being rounded.
        if (!Number.isSafeInteger(value)) return bracket(value);
        return formatInteger(spec, value);
      }
      if (typeof value === "bigint") return formatInteger(spec, value);
      break;
    case Kind.Float:
      if (typeof value === "number") return formatFloat(spec, value);
      if (typeof value === "bigint") return formatFloat(spec, Number(value));
      break;
  }
  // A number was expected: the value is still shown, bracketed so it cannot pass for one.
  const d = display(value);
  return typeof d === "string" ? "[" + d + "]" : d.quoted;
}

/* ------------------------------------------------------------------------------------------------ */
/* Parsing the format string                                                                        */
/* ------------------------------------------------------------------------------------------------ */

function parseSpec(inner: string, option: number): Spec {
  let left = false;
  let plus = false;
  let space = false;
  let alt = false;
  let zero = false;
  let i = 0;
  const n = inner.length;
  for (; i < n; i++) {
    const c = inner.charCodeAt(i);
    if (c === 0x2d) left = true;
    else if (c === 0x2b) plus = true;
    else if (c === 0x20) space = true;
    else if (c === 0x23) alt = true;
    else if (c === 0x30) zero = true;
    else break;
  }
  let width = 0;
  for (; i < n; i++) {
    const c = inner.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    width = Math.min(width * 10 + (c - 0x30), MAX_FIELD);
  }
  let precision = -1;
  if (inner.charCodeAt(i) === 0x2e) {
    precision = 0;
    for (i++; i < n; i++) {
      const c = inner.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      precision = Math.min(precision * 10 + (c - 0x30), MAX_FIELD);
    }
  }
  const kind = OPTION_KIND[option] as Kind;
  if (i < n) {
    // Lua's string.format would raise an error for a malformed spec; a log line must not, so the
    // conversion is kept and its malformed modifiers are dropped.
    return makeSpec(option, kind, false, false, false, false, false, 0, -1);
  }
  return makeSpec(option, kind, left, plus, space, alt, zero, width, precision);
}

function makeSpec(
  option: number,
  kind: Kind,
  left: boolean,
  plus: boolean,
  space: boolean,
  alt: boolean,
  zero: boolean,
  width: number,
  precision: number,
): Spec {
  const plain = !left && !plus && !space && !alt && !zero && width === 0 && precision < 0;
  return { option, kind, left, plus, space, alt, zero, width, precision, plain };
}

// Bare conversions (`%s`, `%d`) are nearly all of them; sharing one Spec per option means parsing
// a format string allocates little beyond its parts.
const PLAIN_SPECS: (Spec | undefined)[] = [];

function plainSpec(option: number): Spec {
  let spec = PLAIN_SPECS[option];
  if (spec === undefined) {
    spec = makeSpec(option, OPTION_KIND[option] as Kind, false, false, false, false, false, 0, -1);
    PLAIN_SPECS[option] = spec;
  }
  return spec;
}

function compile(fmt: string): Part[] {
  const parts: Part[] = [];
  let literal = "";
  let last = 0;
  const n = fmt.length;
  let i = fmt.indexOf("%");
  while (i !== -1) {
    let j = i + 1;
    while (j < n && !isOption(fmt.charCodeAt(j))) j++;
    // A trailing `%` with no conversion after it is just text.
    if (j >= n) break;
    literal += fmt.slice(last, i);
    const option = fmt.charCodeAt(j);
    if (option === CH_PERCENT) {
      // `%%` is a percent sign; so is a malformed `%5%`, which Lua would reject outright.
      literal += "%";
    } else {
      if (literal !== "") parts.push(sanitizeLiteral(literal));
      literal = "";
      parts.push(j === i + 1 ? plainSpec(option) : parseSpec(fmt.slice(i + 1, j), option));
    }
    last = j + 1;
    i = fmt.indexOf("%", last);
  }
  literal += fmt.slice(last);
  if (literal !== "") parts.push(sanitizeLiteral(literal));
  return parts;
}

// Log calls reuse a handful of literal format strings, so parsing each once pays off. A format
// string built at run time (a template literal) would fill any cache with one-off entries, and
// evicting them costs more than parsing, so the cache simply stops admitting once full: strings it
// does not hold are formatted in one pass without being parsed into parts.
const CACHE_LIMIT = 512;
const CACHEABLE_LENGTH = 1024;
const cache = new Map<string, Part[]>();

function template(fmt: string): Part[] | undefined {
  let parts = cache.get(fmt);
  if (parts === undefined && cache.size < CACHE_LIMIT && fmt.length <= CACHEABLE_LENGTH) {
    parts = compile(fmt);
    cache.set(fmt, parts);
  }
  return parts;
}

const TEXT_SPEC: Spec = makeSpec(OPT_s, Kind.Text, false, false, false, false, false, 0, -1);

/** One argument left over after the format string's conversions, shown as ` [value]`. */
function extra(value: unknown): string {
  if (value === undefined || value === null) return " [(nil)]";
  const d = display(value);
  return typeof d === "string" ? " [" + d + "]" : " [" + d.quoted + "]";
}

/**
 * {@link format} with the arguments as an array, so a caller that already holds them (a logger
 * forwarding its rest parameters) does not spread them again.
 */
export function formatArgs(fmt: unknown, args: ArrayLike<unknown>): string {
  try {
    return formatUnsafe(fmt, args);
  } catch {
    // Every known hazard is handled where it arises; this only keeps an unforeseen one (a stack
    // overflow in a deep toString, say) from costing the caller its log line.
    return "(unformattable message)";
  }
}

/** The same result as going through {@link compile}, without building the parts. */
function formatDirect(fmt: string, args: ArrayLike<unknown>): string {
  const f = sanitizeLiteral(fmt);
  let out = "";
  let used = 0;
  let last = 0;
  const n = f.length;
  let i = f.indexOf("%");
  while (i !== -1) {
    let j = i + 1;
    while (j < n && !isOption(f.charCodeAt(j))) j++;
    if (j >= n) break;
    out += f.slice(last, i);
    const option = f.charCodeAt(j);
    if (option === CH_PERCENT) {
      out += "%";
    } else {
      const spec = j === i + 1 ? plainSpec(option) : parseSpec(f.slice(i + 1, j), option);
      out += convert(spec, used < args.length ? args[used] : undefined);
      used++;
    }
    last = j + 1;
    i = f.indexOf("%", last);
  }
  out += f.slice(last);
  for (; used < args.length; used++) out += extra(args[used]);
  return out;
}

function formatUnsafe(fmt: unknown, args: ArrayLike<unknown>): string {
  let out: string;
  let used: number;
  if (typeof fmt === "string") {
    // Fast path: nothing to substitute.
    if (args.length === 0 && fmt.indexOf("%") === -1) return sanitizeLiteral(fmt);
    const parts = template(fmt);
    if (parts === undefined) return formatDirect(fmt, args);
    out = "";
    used = 0;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] as Part;
      if (typeof part === "string") {
        out += part;
      } else {
        out += convert(part, used < args.length ? args[used] : undefined);
        used++;
      }
    }
  } else {
    // A non-string format (an Error, an object, nil) is shown as if it were the argument of `%s`.
    out = convert(TEXT_SPEC, fmt);
    used = 0;
  }
  for (; used < args.length; used++) out += extra(args[used]);
  return out;
}

/**
 * Prosody's util.format: printf with `%s %d %i %u %c %o %x %X %e %E %f %g %G %a %A %q %p %%`,
 * flags `-+ #0`, width and precision, that never throws and never writes unsafe text.
 *
 * - A missing, `undefined` or `null` argument prints `(nil)`.
 * - Arguments beyond the conversions are appended as ` [value]`.
 * - A numeric conversion given a non-number (or `%d` given a non-integer, `%x` a negative) prints
 *   the value's text in brackets, e.g. `[true]`.
 * - Control characters become U+2400-block pictures, newlines become `\n\t`, and text that is not
 *   valid Unicode (lone surrogates, non-UTF-8 bytes) is quoted with escapes.
 */
export function format(fmt: unknown, ...args: unknown[]): string {
  return formatArgs(fmt, args);
}
