// The numeric conversions: C's integer, fixed, exponential, general and hexadecimal float forms.

import type { Spec } from "./spec.js";
import { sanitize } from "./text.js";

/* ------------------------------------------------------------------------------------------------ */
/* Numbers                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

export function pad(spec: Spec, sign: string, body: string, zeroPad: boolean): string {
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

export function bracket(value: number | bigint): string {
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
export const OPT_s = 0x73;

/** Scratch space for reading a double's bits. */
const f64 = new DataView(new ArrayBuffer(8));

export function formatInteger(spec: Spec, n: number | bigint): string {
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

export function formatFloat(spec: Spec, x: number): string {
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
