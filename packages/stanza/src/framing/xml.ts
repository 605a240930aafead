import type { StreamErrorCondition } from "../conditions.js";

/**
 * Character-level rules of XML 1.0 and Namespaces in XML that the stream parser enforces. Kept
 * apart from the parser so the rules can be tested on their own.
 */

/** Thrown inside the parser when input breaks a rule; turned into a stream error by the parser. */
export class XmlRefusal extends Error {
  constructor(
    readonly condition: StreamErrorCondition,
    readonly detail: string,
  ) {
    super(detail);
  }
}

const NC_START =
  "A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D" +
  "\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}";
const NC_CHAR = `${NC_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const NCNAME = `[${NC_START}][${NC_CHAR}]*`;
/** A qualified name: an optional prefix and a local name, each an XML name without colons. */
const QNAME = new RegExp(`^(?:${NCNAME}:)?${NCNAME}$`, "u");
const XML_NAME = new RegExp(`^${NCNAME}$`, "u");

function badName(buf: string, start: number, end: number, what: string): never {
  throw new XmlRefusal(
    "not-well-formed",
    `invalid ${what} name ${JSON.stringify(buf.slice(start, Math.min(end, start + 64)))}`,
  );
}

/**
 * Checks that `buf[start..end)` is a qualified name and returns the index of its colon, or -1.
 * ASCII names, nearly all of XMPP, are checked in place without slicing or a regex.
 */
export function scanQName(buf: string, start: number, end: number, what: string): number {
  if (end <= start) badName(buf, start, end, what);
  let colon = -1;
  for (let i = start; i < end; i++) {
    const c = buf.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) continue;
    if (c >= 128) {
      const name = buf.slice(start, end);
      if (!QNAME.test(name)) badName(buf, start, end, what);
      const at = name.indexOf(":");
      return at === -1 ? -1 : start + at;
    }
    const atNameStart = i === start || i === colon + 1;
    if (!atNameStart && ((c >= 48 && c <= 57) || c === 45 || c === 46)) continue;
    if (c === 58 && colon === -1 && !atNameStart && i !== end - 1) {
      colon = i;
      continue;
    }
    badName(buf, start, end, what);
  }
  return colon;
}

/** Characters XML 1.0 §2.2 excludes, plus the noncharacters U+FFFE/U+FFFF. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused
const INVALID_CHAR = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: anything that needs the slow path
const TEXT_SLOW = /[&\r\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: anything that needs the slow path
const ATTR_SLOW = /[&<\t\n\r\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Longest reference name accepted, `;` excluded. The longest legal ones (`#x10FFFF`, `#1114111`)
 * have 8; a streaming parser must decide on an unfinished reference after a bounded wait, and using
 * the same bound for finished ones makes the outcome independent of where the input was split.
 */
export const MAX_REFERENCE_NAME = 12;

const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const DEC_REF = /^#[0-9]{1,7}$/;
const HEX_REF = /^#x[0-9A-Fa-f]{1,6}$/;

/**
 * Replaces references in `s`. RFC 6120 §11.1 allows only the five predefined entities; character
 * references are ordinary XML and allowed when they name a legal XML character.
 */
function decodeReferences(s: string): string {
  let out = "";
  let prev = 0;
  let amp = s.indexOf("&");
  while (amp !== -1) {
    const semi = s.indexOf(";", amp + 1);
    if (semi === -1) throw new XmlRefusal("not-well-formed", "'&' that does not start a reference");
    if (semi - amp - 1 >= MAX_REFERENCE_NAME) {
      throw new XmlRefusal("not-well-formed", "reference name too long or unterminated");
    }
    const name = s.slice(amp + 1, semi);
    let ch = PREDEFINED[name];
    if (ch === undefined) {
      if (DEC_REF.test(name) || HEX_REF.test(name)) {
        const cp =
          name.charCodeAt(1) === 120
            ? Number.parseInt(name.slice(2), 16)
            : Number.parseInt(name.slice(1), 10);
        if (!isXmlChar(cp))
          throw new XmlRefusal("not-well-formed", `character reference &${name}; is not an XML character`);
        ch = String.fromCodePoint(cp);
      } else if (XML_NAME.test(name)) {
        throw new XmlRefusal("restricted-xml", `entity &${name}; is not one of the five predefined entities`);
      } else {
        throw new XmlRefusal("not-well-formed", "'&' that does not start a reference");
      }
    }
    out += s.slice(prev, amp) + ch;
    prev = semi + 1;
    amp = s.indexOf("&", prev);
  }
  return prev === 0 ? s : out + s.slice(prev);
}

/** Character data as the application sees it: references replaced, line ends normalised (XML §2.11). */
export function decodeText(raw: string): string {
  if (!TEXT_SLOW.test(raw)) return raw;
  const bad = INVALID_CHAR.exec(raw);
  if (bad) {
    // Report problems in document order, whatever the chunking: references before the character.
    decodeReferences(raw.slice(0, bad.index));
    throw new XmlRefusal("not-well-formed", "character not allowed in XML");
  }
  let s = raw;
  if (s.includes("\r")) s = s.replace(/\r\n?/g, "\n");
  return decodeReferences(s);
}

/** CDATA content: no references, but line ends are normalised and characters checked. */
export function decodeCdata(raw: string): string {
  if (INVALID_CHAR.test(raw)) throw new XmlRefusal("not-well-formed", "character not allowed in XML");
  return raw.includes("\r") ? raw.replace(/\r\n?/g, "\n") : raw;
}

/** An attribute value: literal whitespace becomes spaces (XML §3.3.3), then references are replaced. */
export function decodeAttr(raw: string): string {
  if (!ATTR_SLOW.test(raw)) return raw;
  if (raw.includes("<")) throw new XmlRefusal("not-well-formed", "'<' in an attribute value");
  if (INVALID_CHAR.test(raw)) throw new XmlRefusal("not-well-formed", "character not allowed in XML");
  let s = raw;
  if (/[\t\n\r]/.test(s)) s = s.replace(/\r\n|[\t\n\r]/g, " ");
  return decodeReferences(s);
}

/** XML whitespace only (what may appear between stanzas, e.g. keepalives). */
export function isWhitespace(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}
