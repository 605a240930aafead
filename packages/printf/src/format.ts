/**
 * Prosody's safe printf (util.format) for JavaScript values.
 *
 * A log call must never throw and must never let an argument forge log lines or terminal escapes:
 * whatever the format string and the arguments, the result is one string in which control
 * characters are visible pictures, continuation lines are indented, and text that is not valid
 * Unicode is quoted instead of being written raw.
 */

import { convert } from "./convert.js";
import { OPT_s } from "./numbers.js";
import { CH_PERCENT, isOption, Kind, makeSpec, type Part, parseSpec, plainSpec, type Spec } from "./spec.js";
import { display, sanitizeLiteral } from "./text.js";

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
