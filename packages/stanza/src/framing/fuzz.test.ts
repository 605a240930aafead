import { isUtf8 } from "node:buffer";
import { describe, expect, it } from "vitest";
import { type FramingEvent, HEADER, recorder } from "./recorder.test-helper.js";

/** mulberry32: small, fast and seeded, so that a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;

const NAMES = ["message", "presence", "iq", "body", "x", "item", "query", "status", "html", "p", "span", "ü"];
const ATTRS = ["to", "from", "id", "type", "xml:lang", "node", "jid", "name", "a-b", "ñ"];
const TEXT_BITS = [
  "hello",
  " ",
  "world",
  "<",
  ">",
  "&",
  "'",
  '"',
  "é",
  "😀",
  "中文",
  "\n",
  "\t",
  "]]",
  "]]>",
  ";",
  "&amp;",
];
const NAMESPACES = ["urn:xmpp:ping", "jabber:iq:roster", "http://jabber.org/protocol/disco#info", "urn:x:y"];

/** Escapes text the way a peer might: `<` and `&` always, the rest sometimes, as entities or references. */
function escapeText(r: Rand, s: string, inAttr: string | undefined): string {
  let out = "";
  for (const ch of s) {
    const roll = r();
    if (ch === "<") out += roll < 0.8 ? "&lt;" : "&#60;";
    else if (ch === "&") out += roll < 0.8 ? "&amp;" : "&#x26;";
    else if (ch === inAttr) out += ch === '"' ? "&quot;" : "&apos;";
    else if (ch === ">") out += roll < 0.5 ? "&gt;" : ">";
    else if (inAttr !== undefined && (ch === "\n" || ch === "\t")) out += `&#${ch.codePointAt(0)};`;
    else if (roll < 0.1) out += `&#x${ch.codePointAt(0)!.toString(16)};`;
    else out += ch;
  }
  return out;
}

const ws = (r: Rand) => pick(r, ["", "", "", " ", "\n", "\t", "  "]);

interface Gen {
  xml: string;
  canonical: string;
}

/** A random element as a peer could write it, and its canonical (ltx) serialisation after parsing. */
function element(r: Rand, depth: number, top: boolean): Gen {
  const prefixed = !top && r() < 0.1;
  const name = prefixed
    ? "p:el"
    : top
      ? pick(r, ["message", "presence", "iq", "stream:features"])
      : pick(r, NAMES);
  let xml = `<${name}`;
  let canonical = `<${name}`;
  const used = new Set<string>();
  const attrs: [string, string][] = [];
  if (prefixed) attrs.push(["xmlns:p", pick(r, NAMESPACES)]);
  else if (!top && r() < 0.2) attrs.push(["xmlns", pick(r, NAMESPACES)]);
  for (let n = int(r, 4); n > 0; n--) {
    const a = pick(r, ATTRS);
    if (used.has(a)) continue;
    used.add(a);
    let v = "";
    for (let k = int(r, 4); k > 0; k--) v += pick(r, TEXT_BITS);
    attrs.push([a, v]);
  }
  for (const [a, v] of attrs) {
    const q = r() < 0.5 ? '"' : "'";
    xml += ` ${a}${ws(r)}=${ws(r)}${q}${escapeText(r, v, q)}${q}`;
    canonical += ` ${a}="${v.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)}"`;
  }
  if (name === "stream:features") canonical += ' xmlns:stream="http://etherx.jabber.org/streams"';
  xml += ws(r);
  let content = "";
  let text = "";
  const parts: string[] = [];
  const escapeCanonical = (t: string) =>
    t.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
  for (let n = depth < 3 ? int(r, 4) : 0; n > 0; n--) {
    if (r() < 0.5) {
      const child = element(r, depth + 1, false);
      if (text !== "") parts.push(escapeCanonical(text));
      text = "";
      parts.push(child.canonical);
      content += child.xml;
    } else {
      let t = "";
      for (let k = 1 + int(r, 3); k > 0; k--) t += pick(r, TEXT_BITS);
      text += t;
      content += r() < 0.15 && !t.includes("]]>") ? `<![CDATA[${t}]]>` : escapeText(r, t, undefined);
    }
  }
  if (text !== "") parts.push(escapeCanonical(text));
  if (content === "" && r() < 0.7) {
    xml += "/>";
  } else {
    xml += `>${content}</${name}${ws(r)}>`;
  }
  canonical += parts.length === 0 ? "/>" : `>${parts.join("")}</${name}>`;
  return { xml, canonical };
}

interface Stream {
  bytes: Buffer;
  stanzas: string[];
}

function stream(r: Rand): Stream {
  let xml = HEADER;
  const stanzas: string[] = [];
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const g = element(r, 1, true);
    xml += g.xml + pick(r, ["", "", " ", "\n", "\r\n"]);
    stanzas.push(g.canonical);
  }
  if (r() < 0.5) xml += "</stream:stream>";
  return { bytes: Buffer.from(xml), stanzas };
}

function feed(bytes: Buffer, r: Rand): FramingEvent[] {
  const { parser, events } = recorder();
  let at = 0;
  // Small pieces, so that split tokens and split UTF-8 sequences are common; now and then one
  // byte at a time (rarely, as it is slow and parser.test.ts tries every split point already).
  const max = r() < 0.03 ? 1 : pick(r, [4, 16, 64, 256, 1024]);
  while (at < bytes.length) {
    const n = 1 + int(r, max);
    parser.write(bytes.subarray(at, at + n));
    at += n;
  }
  return events;
}

const summary = (events: FramingEvent[]) =>
  events.map((e) =>
    e.kind === "stanza" ? e.stanza.toString() : e.kind === "error" ? `error ${e.error.condition}` : e.kind,
  );

function corrupt(bytes: Buffer, r: Rand): Buffer {
  let b = Buffer.from(bytes);
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const at = int(r, b.length);
    const roll = r();
    if (roll < 0.3) {
      b[at] = int(r, 256);
    } else if (roll < 0.6) {
      const ins = Buffer.from(
        pick(r, [
          "<",
          ">",
          "&",
          ";",
          "/",
          "'",
          '"',
          "=",
          "!",
          "?",
          "<!--",
          "]]>",
          "\u0000",
          "é",
          "&#0;",
          "<a>",
          "</a>",
          "x:",
        ]),
      );
      b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    } else if (roll < 0.8) {
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(r, 8)))]);
    } else if (roll < 0.9) {
      const len = 1 + int(r, 16);
      b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    } else {
      b = b.subarray(0, at);
    }
  }
  return b;
}

describe("framing fuzz", () => {
  const seed = 0x5eed;
  const r = prng(seed);
  const streams = Array.from({ length: 200 }, () => stream(r));
  const unsplit = streams.map((s) => summary(feed(s.bytes, () => 0.999999)));

  it("parses every generated stream into exactly its stanzas", () => {
    streams.forEach((s, i) => {
      const events = unsplit[i]!;
      expect({ i, xml: s.bytes.toString(), errors: events.filter((e) => e.startsWith("error")) }).toEqual({
        i,
        xml: s.bytes.toString(),
        errors: [],
      });
      expect(events.filter((e) => e.startsWith("<"))).toEqual(s.stanzas);
    });
  });

  it("gives the same events for 50,000 random splits of valid streams", () => {
    for (let c = 0; c < 50_000; c++) {
      const i = int(r, streams.length);
      const got = summary(feed(streams[i]!.bytes, r));
      if (got.length !== unsplit[i]!.length || got.some((g, k) => g !== unsplit[i]![k])) {
        expect({ case: c, got }).toEqual({ case: c, got: unsplit[i] });
      }
    }
  }, 60_000);

  it("never throws, hangs or emits a partial stanza on 60,000 corrupted streams", () => {
    let compared = 0;
    for (let c = 0; c < 60_000; c++) {
      const i = int(r, streams.length);
      const bad = corrupt(streams[i]!.bytes, r);
      const events = summary(feed(bad, r));
      const original = new Set(streams[i]!.stanzas);
      // At most one error, and nothing after it.
      const err = events.findIndex((e) => e.startsWith("error"));
      if (err !== -1 && err !== events.length - 1) expect({ case: c, events }).toBe("error last");
      for (const e of events) {
        if (!e.startsWith("<") || original.has(e)) continue;
        // A stanza the corruption changed must still be a complete, well-formed element. (Not
        // compared as text: ltx writes tabs and newlines in attribute values unescaped.)
        const again = summary(feed(Buffer.from(HEADER + e), () => 0.999999));
        if (again.length !== 2 || !again[1]!.startsWith("<"))
          expect({ case: c, e, again }).toBe("well-formed");
      }
      // Where the input is still valid UTF-8, chunking must not change anything at all.
      if (isUtf8(bad)) {
        compared++;
        const whole = summary(feed(bad, () => 0.999999));
        if (whole.length !== events.length || whole.some((w, k) => w !== events[k])) {
          expect({ case: c, input: bad.toString(), events }).toEqual({
            case: c,
            input: bad.toString(),
            events: whole,
          });
        }
      }
    }
    expect(compared).toBeGreaterThan(30_000);
  }, 60_000);
});
