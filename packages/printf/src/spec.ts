// A conversion spec (`%-8.3f`) and the parsing of one: flags, width and precision, clamped as Lua does.

/** A parsed conversion such as `%-8.3f`. */
export interface Spec {
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
export const Kind = {
  Text: 0,
  Quote: 1,
  Pointer: 2,
  /** c d i o u x X: Lua refuses anything but an integer here, so the rest is bracketed. */
  Integer: 3,
  /** a A e E f g G */
  Float: 4,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export type Part = string | Spec;

export const CH_PERCENT = 0x25;
export const CH_NEWLINE = 0x0a;
export const CH_TAB = 0x09;

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

export function isOption(code: number): boolean {
  return code < 128 && OPTION_KIND[code] !== -1;
}

// Lua keeps widths and precisions to two digits; clamping keeps `%999999999s` from allocating.
const MAX_FIELD = 99;

/* ------------------------------------------------------------------------------------------------ */
/* Parsing the format string                                                                        */
/* ------------------------------------------------------------------------------------------------ */

export function parseSpec(inner: string, option: number): Spec {
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

export function makeSpec(
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

export function plainSpec(option: number): Spec {
  let spec = PLAIN_SPECS[option];
  if (spec === undefined) {
    spec = makeSpec(option, OPTION_KIND[option] as Kind, false, false, false, false, false, 0, -1);
    PLAIN_SPECS[option] = spec;
  }
  return spec;
}
