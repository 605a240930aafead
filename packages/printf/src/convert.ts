// One conversion applied to one argument, whatever the argument turns out to be.

import { bracket, formatFloat, formatInteger, pad } from "./numbers.js";
import { pointer, serialize } from "./serialize.js";
import { Kind, type Spec } from "./spec.js";
import { display } from "./text.js";

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

export function convert(spec: Spec, value: unknown): string {
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
