import { isUtf8 } from "node:buffer";
import { Element } from "ltx";
import { NS_STREAMS, type StreamErrorCondition } from "../conditions.js";
import { StreamError } from "../errors.js";
import { NS } from "../namespaces.js";
import {
  decodeAttr,
  decodeCdata,
  decodeText,
  isWhitespace,
  MAX_REFERENCE_NAME,
  scanQName,
  XmlRefusal,
} from "./xml.js";

const CDATA_OPEN = "<![CDATA[";
const XML_DECL =
  /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>$/;

export interface StreamParserHandlers {
  /** The stream header was read: the attributes of `<stream:stream>` and its qualified name. */
  streamStart?(attrs: Record<string, string>, name: string): void;
  /** A complete depth-1 element (a stanza, or `<stream:features>`, SASL and TLS elements, ...). */
  stanza?(stanza: Element): void;
  /** `</stream:stream>` was read. Nothing more is emitted until `reset()`. */
  streamEnd?(): void;
  /** The input broke a rule; send `error.toElement()` and close. Nothing more is emitted until `reset()`. */
  error?(error: StreamError): void;
}

export interface StreamParserOptions {
  /** Largest stanza, in bytes of UTF-8 from its `<` to its last `>` (also bounds the header). Default 256 KiB, Prosody's c2s default. */
  maxStanzaSize?: number;
  /** Deepest nesting inside a stanza; the stanza element itself is depth 1. Default 64. */
  maxDepth?: number;
  /** Accepted default namespaces of the stream (e.g. `["jabber:client"]`); any when absent. */
  namespaces?: readonly string[];
  /**
   * What a stanza in the stream's default namespace carries as `xmlns`:
   * - `"omit"` (default, as Prosody): no `xmlns` attribute, also when the peer wrote one. The
   *   stanza then takes the default namespace of whatever stream it is written to next, which is
   *   what routing between `jabber:client` and `jabber:server` streams needs.
   * - `"apply"`: `xmlns` set to the stream's default namespace, so `el.is("message", "jabber:client")`
   *   holds on the detached element.
   */
  defaultNamespace?: "omit" | "apply";
}

type State = "prolog" | "open" | "closed" | "failed";

/**
 * Frames an XMPP XML stream (RFC 6120 §4) into ltx elements. Feed it bytes in chunks of any size;
 * it calls the handlers synchronously from `write()`.
 *
 * It accepts XMPP's restricted XML only (RFC 6120 §11.1): comments, processing instructions (other
 * than a leading XML declaration), DTDs and entity declarations are refused with `restricted-xml`,
 * and so is any entity other than the five predefined ones. Malformed XML gives `not-well-formed`,
 * an unbound prefix `bad-namespace-prefix`, a wrong stream namespace `invalid-namespace`, and an
 * oversized or overly deep stanza `policy-violation`.
 *
 * Memory stays bounded by the size limit: incomplete text is moved into the element as it arrives,
 * and the only input kept between writes is an incomplete tag, which is counted against the limit.
 */
export class StreamParser {
  private readonly handlers: StreamParserHandlers;
  private readonly maxStanzaSize: number;
  private readonly maxDepth: number;
  private readonly namespaces: ReadonlySet<string> | undefined;
  private readonly applyDefaultNs: boolean;

  /** Bytes of a UTF-8 sequence cut by the end of the previous chunk. */
  private partialBytes: Uint8Array | undefined;
  /** Nothing of this stream has been read yet (a byte order mark may come). */
  private fresh = true;
  private state: State = "prolog";
  private sawDecl = false;
  private rootName = "";
  private defaultNs: string | undefined;
  private headerPrefixes = new Map<string, string>();
  /** Open elements of the current stanza; `stack[0]` is the stanza. */
  private stack: Element[] = [];
  private usedHeaderPrefixes: Set<string> | undefined;
  private inCdata = false;

  // Input window of the current write: `buf` is the unconsumed input of earlier writes followed by
  // this one; `pos` is where parsing goes on.
  private buf = "";
  private pos = 0;
  private pending = "";
  /** Where to resume scanning an incomplete start tag, and whether that point was inside quotes. */
  private scanFrom = 0;
  private scanQuote = 0;
  /** Start of the current stanza in `buf`, and bytes of it consumed in earlier writes. */
  private stanzaStart = 0;
  private stanzaBytes = 0;
  private writing = false;

  constructor(handlers: StreamParserHandlers = {}, options: StreamParserOptions = {}) {
    this.handlers = handlers;
    this.maxStanzaSize = options.maxStanzaSize ?? 256 * 1024;
    this.maxDepth = options.maxDepth ?? 64;
    this.namespaces = options.namespaces ? new Set(options.namespaces) : undefined;
    this.applyDefaultNs = options.defaultNamespace === "apply";
  }

  /** Whether the parser stopped after an error (until `reset()`). */
  get failed(): boolean {
    return this.state === "failed";
  }

  /** Whether the stream header has been read and the stream is not yet closed. */
  get open(): boolean {
    return this.state === "open";
  }

  /**
   * Forgets the current stream and expects a new header, as after STARTTLS or SASL success
   * (RFC 6120 §5.4.3.3, §6.4.6). Called from a handler during `write()`, the rest of that chunk is
   * parsed as the new stream (a client may pipeline its new header); after an error it is dropped.
   */
  reset(): void {
    const keepInput = this.writing && this.state !== "failed";
    this.state = "prolog";
    this.sawDecl = false;
    this.rootName = "";
    this.defaultNs = undefined;
    this.headerPrefixes = new Map();
    this.stack = [];
    this.usedHeaderPrefixes = undefined;
    this.inCdata = false;
    this.scanFrom = 0;
    this.scanQuote = 0;
    this.stanzaStart = 0;
    this.stanzaBytes = 0;
    this.pending = "";
    if (!keepInput) {
      this.buf = "";
      this.pos = 0;
      this.fresh = true;
      this.partialBytes = undefined;
    }
  }

  /**
   * Parses a chunk. Never throws for bad input: errors go to the `error` handler. An exception
   * thrown by a handler propagates to the caller, and the parser then stops as after an error,
   * since the rest of the chunk can no longer be parsed in order.
   */
  write(chunk: Uint8Array | string): void {
    if (this.state === "failed" || this.state === "closed") return;
    let text: string;
    if (typeof chunk === "string") {
      // Strings do not pass the UTF-8 check, so lone surrogates must be caught here.
      if (!(chunk as unknown as { isWellFormed(): boolean }).isWellFormed()) {
        this.fail("not-well-formed", "lone surrogate in input");
        return;
      }
      text = chunk;
    } else {
      const decoded = this.decode(chunk);
      if (decoded === undefined) {
        this.fail("not-well-formed", "invalid UTF-8");
        return;
      }
      text = decoded;
    }
    if (this.fresh && text !== "") {
      // A byte order mark may open the stream (XML §4.3.3); it is not content.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.fresh = false;
    }
    this.buf = this.pending === "" ? text : this.pending + text;
    this.pending = "";
    this.pos = 0;
    this.stanzaStart = 0;
    this.writing = true;
    try {
      this.loop();
    } catch (error) {
      if (error instanceof XmlRefusal) {
        this.fail(error.condition, error.detail);
      } else {
        this.state = "failed";
        this.buf = "";
        throw error;
      }
    } finally {
      this.writing = false;
    }
    if ((this.state as State) === "failed") this.buf = "";
  }

  /**
   * Decodes a chunk, holding back a UTF-8 sequence cut at its end for the next chunk; `undefined`
   * when the bytes are not UTF-8. (Cheaper than a streaming TextDecoder, whose construction per
   * connection and per call costs more than parsing a small stanza.)
   */
  private decode(chunk: Uint8Array): string | undefined {
    let bytes = chunk;
    if (this.partialBytes) {
      bytes = Buffer.concat([this.partialBytes, chunk]);
      this.partialBytes = undefined;
    }
    let end = bytes.length;
    // Find the start of the last sequence (at most 3 bytes back) and whether it is complete.
    for (let i = end - 1; i >= 0 && i >= end - 3; i--) {
      const b = bytes[i]!;
      if (b < 0x80) break;
      if (b >= 0xc0) {
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (end - i < need) {
          this.partialBytes = Uint8Array.prototype.slice.call(bytes, i);
          end = i;
        }
        break;
      }
    }
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const whole = end === buf.length ? buf : buf.subarray(0, end);
    if (!isUtf8(whole)) return undefined;
    return whole.toString("utf8");
  }

  private fail(condition: StreamErrorCondition, text: string): void {
    if (this.state === "failed") return;
    this.state = "failed";
    this.stack = [];
    this.pending = "";
    this.buf = "";
    this.pos = 0;
    this.handlers.error?.(new StreamError(condition, text));
  }

  /** Stops at the end of input, keeping `buf[from..]` for the next write. */
  private keep(from: number): void {
    const buf = this.buf;
    const rest = buf.length - from;
    if (this.stack.length > 0) {
      // Count what this write consumed of the stanza exactly, and the kept tail as a lower bound
      // (one UTF-16 unit is at least one byte), so that a stanza over the limit is refused before
      // it has all arrived.
      this.stanzaBytes += Buffer.byteLength(buf.slice(this.stanzaStart, from), "utf8");
      if (this.stanzaBytes + rest > this.maxStanzaSize) {
        this.policy();
      }
    } else if (rest > this.maxStanzaSize) {
      this.policy();
    }
    this.pending = buf.slice(from);
    this.pos = buf.length;
  }

  private policy(): never {
    throw new XmlRefusal("policy-violation", `stanza larger than ${this.maxStanzaSize} bytes`);
  }

  /** Refuses the current stanza when its size so far (a lower bound, in UTF-16 units) is too big. */
  private checkSize(end: number): void {
    if (this.stack.length > 0 && this.stanzaBytes + (end - this.stanzaStart) > this.maxStanzaSize)
      this.policy();
  }

  private loop(): void {
    while (this.state === "prolog" || this.state === "open") {
      const buf = this.buf;
      const len = buf.length;
      const pos = this.pos;
      if (pos >= len) {
        this.keep(len);
        return;
      }

      if (this.inCdata) {
        const close = buf.indexOf("]]>", pos);
        if (close === -1) {
          // Keep two units in case they begin "]]>", and a trailing CR in case LF follows.
          let cut = Math.max(pos, len - 2);
          if (cut > pos && buf.charCodeAt(cut - 1) === 13) cut--;
          if (cut > pos) this.appendText(decodeCdata(buf.slice(pos, cut)), cut);
          this.keep(cut);
          return;
        }
        if (close > pos) this.appendText(decodeCdata(buf.slice(pos, close)), close);
        this.inCdata = false;
        this.pos = close + 3;
        continue;
      }

      const lt = buf.indexOf("<", pos);
      if (lt !== pos) {
        const end = lt === -1 ? len : lt;
        const cut = this.text(pos, end, lt === -1);
        if (lt === -1) {
          this.keep(cut);
          return;
        }
        this.pos = lt;
        continue;
      }

      if (lt + 1 >= len) {
        this.keep(lt);
        return;
      }
      const c = buf.charCodeAt(lt + 1);
      if (c === 47 /* / */) {
        const gt = buf.indexOf(">", lt + 2);
        if (gt === -1) {
          if (buf.indexOf("<", lt + 1) !== -1)
            throw new XmlRefusal("not-well-formed", "'<' inside an end tag");
          this.keep(lt);
          return;
        }
        this.pos = gt + 1;
        this.endTag(buf.slice(lt + 2, gt), gt + 1);
      } else if (c === 33 /* ! */) {
        if (this.stack.length > 0 && buf.startsWith(CDATA_OPEN, lt)) {
          this.inCdata = true;
          this.pos = lt + CDATA_OPEN.length;
        } else if (
          this.stack.length > 0 &&
          len - lt < CDATA_OPEN.length &&
          CDATA_OPEN.startsWith(buf.slice(lt))
        ) {
          this.keep(lt);
          return;
        } else {
          const next = buf.charCodeAt(lt + 2);
          throw new XmlRefusal(
            "restricted-xml",
            next === 45 /* - */
              ? "comments are not allowed"
              : next === 91 /* [ */
                ? "CDATA outside a stanza"
                : next === 68 /* D */
                  ? "DTDs are not allowed"
                  : "comments and markup declarations are not allowed",
          );
        }
      } else if (c === 63 /* ? */) {
        if (this.state !== "prolog" || this.sawDecl || !"<?xml".startsWith(buf.slice(lt, lt + 5))) {
          throw new XmlRefusal("restricted-xml", "processing instructions are not allowed");
        }
        const end = buf.indexOf("?>", lt + 2);
        if (end === -1) {
          this.keep(lt);
          return;
        }
        this.xmlDecl(buf.slice(lt, end + 2));
        this.pos = end + 2;
      } else {
        const gt = this.scanTag(lt);
        if (gt === -1) {
          this.keep(lt);
          return;
        }
        this.pos = gt + 1;
        this.startTag(buf, lt, gt);
      }
    }
  }

  /**
   * Handles character data `buf[start..end)`. When `partial`, the run continues in the next write;
   * returns where the kept remainder starts (an unfinished reference or a CR that may precede LF).
   */
  private text(start: number, end: number, partial: boolean): number {
    const buf = this.buf;
    if (this.stack.length === 0) {
      // Between stanzas, only whitespace (keepalives) is meaningful to XMPP.
      if (!isWhitespace(buf, start, end)) {
        if (this.state === "open") throw new XmlRefusal("not-well-formed", "text outside a stanza");
        throw new XmlRefusal("not-well-formed", "content before the stream header");
      }
      return end;
    }
    let cut = end;
    if (partial) {
      const amp = buf.lastIndexOf("&", end - 1);
      if (amp >= start && buf.indexOf(";", amp) === -1) {
        if (end - amp - 1 >= MAX_REFERENCE_NAME) {
          throw new XmlRefusal("not-well-formed", "reference name too long or unterminated");
        }
        cut = amp;
      }
      if (cut > start && buf.charCodeAt(cut - 1) === 13) cut--;
    }
    if (cut > start) this.appendText(decodeText(buf.slice(start, cut)), cut);
    return cut;
  }

  private appendText(text: string, end: number): void {
    this.checkSize(end);
    if (text === "") return;
    const top = this.stack[this.stack.length - 1]!;
    const children = top.children;
    const last = children.length - 1;
    // Merge with a preceding text node so that chunk boundaries never show in the tree.
    if (last >= 0 && typeof children[last] === "string") children[last] = (children[last] as string) + text;
    else children.push(text);
  }

  /** Finds the `>` closing the start tag at `lt`, skipping quoted values; -1 if not yet arrived. */
  private scanTag(lt: number): number {
    const buf = this.buf;
    const len = buf.length;
    let i = lt + 1;
    if (this.scanFrom > i) {
      i = this.scanFrom;
      if (this.scanQuote !== 0) {
        // Resume inside a quoted value that the previous write cut.
        const close = buf.indexOf(this.scanQuote === 34 ? '"' : "'", i);
        if (close === -1) return this.tagIncomplete(lt, len, this.scanQuote);
        i = close + 1;
      }
    }
    for (; i < len; i++) {
      const c = buf.charCodeAt(i);
      if (c === 62 /* > */) {
        this.scanFrom = 0;
        this.scanQuote = 0;
        return i;
      }
      if (c === 34 || c === 39) {
        // Values make up most of a tag: jump over them. A '<' inside is refused when the value is
        // decoded, which keeps the outcome the same however the input is split.
        const close = buf.indexOf(c === 34 ? '"' : "'", i + 1);
        if (close === -1) return this.tagIncomplete(lt, len, c);
        i = close;
      } else if (c === 60) {
        throw new XmlRefusal("not-well-formed", "'<' inside a tag");
      }
    }
    return this.tagIncomplete(lt, len, 0);
  }

  private tagIncomplete(lt: number, len: number, quote: number): -1 {
    // Positions are relative to `lt`, which becomes 0 once the tail is kept.
    this.scanFrom = len - lt;
    this.scanQuote = quote;
    return -1;
  }

  private xmlDecl(decl: string): void {
    const m = XML_DECL.exec(decl);
    if (!m) {
      if (/^<\?xml[\s?]/.test(decl)) throw new XmlRefusal("not-well-formed", "malformed XML declaration");
      throw new XmlRefusal("restricted-xml", "processing instructions are not allowed");
    }
    const encoding = m[3];
    if (encoding !== undefined && encoding.toLowerCase() !== "utf-8") {
      throw new XmlRefusal("unsupported-encoding", `encoding ${encoding} (only UTF-8 is allowed)`);
    }
    this.sawDecl = true;
  }

  /** Parses the start tag `buf[lt..gt]`. */
  private startTag(buf: string, lt: number, gt: number): void {
    let end = gt;
    let selfClosing = false;
    if (buf.charCodeAt(gt - 1) === 47 /* / */) {
      selfClosing = true;
      end = gt - 1;
    }
    let i = lt + 1;
    while (i < end) {
      const c = buf.charCodeAt(i);
      if (c === 32 || c === 10 || c === 9 || c === 13) break;
      i++;
    }
    // Namespace checks are needed only when some name has a prefix (or declares one).
    let prefixed = scanQName(buf, lt + 1, i, "element") !== -1;
    const name = buf.slice(lt + 1, i);
    const attrs: Record<string, string> = {};
    while (i < end) {
      // Whitespace is required before each attribute.
      const ws = i;
      for (let c = buf.charCodeAt(i); i < end && (c === 32 || c === 10 || c === 9 || c === 13); )
        c = buf.charCodeAt(++i);
      if (i >= end) break;
      if (i === ws)
        throw new XmlRefusal("not-well-formed", `missing whitespace between attributes of <${name}>`);
      const nameStart = i;
      for (let c = buf.charCodeAt(i); i < end && c !== 61 && c !== 32 && c !== 10 && c !== 9 && c !== 13; )
        c = buf.charCodeAt(++i);
      if (scanQName(buf, nameStart, i, "attribute") !== -1) prefixed = true;
      const attrName = buf.slice(nameStart, i);
      for (let c = buf.charCodeAt(i); i < end && (c === 32 || c === 10 || c === 9 || c === 13); )
        c = buf.charCodeAt(++i);
      if (buf.charCodeAt(i) !== 61 || i >= end) {
        throw new XmlRefusal("not-well-formed", `attribute ${attrName} of <${name}> has no value`);
      }
      i++;
      for (let c = buf.charCodeAt(i); i < end && (c === 32 || c === 10 || c === 9 || c === 13); )
        c = buf.charCodeAt(++i);
      const q = buf.charCodeAt(i);
      if ((q !== 34 && q !== 39) || i >= end) {
        throw new XmlRefusal("not-well-formed", `attribute ${attrName} of <${name}> is not quoted`);
      }
      const close = buf.indexOf(q === 34 ? '"' : "'", i + 1);
      if (close === -1 || close >= end)
        throw new XmlRefusal("not-well-formed", `unterminated attribute ${attrName}`);
      if (Object.hasOwn(attrs, attrName)) {
        throw new XmlRefusal("not-well-formed", `duplicate attribute ${attrName} on <${name}>`);
      }
      const value = decodeAttr(buf.slice(i + 1, close));
      if (attrName === "__proto__") {
        Object.defineProperty(attrs, attrName, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        attrs[attrName] = value;
      }
      i = close + 1;
    }

    if (this.state === "prolog") {
      this.streamHeader(name, attrs, selfClosing, gt + 1 - lt);
      return;
    }
    if (prefixed) this.checkNamespaces(name, attrs);
    const depth = this.stack.length + 1;
    if (depth > this.maxDepth)
      throw new XmlRefusal("policy-violation", `elements nested deeper than ${this.maxDepth}`);
    const el = new Element(name);
    el.attrs = attrs;
    if (depth === 1) {
      this.stanzaStart = lt;
      this.stanzaBytes = 0;
    } else {
      const parent = this.stack[depth - 2]!;
      parent.children.push(el);
      el.parent = parent;
    }
    this.checkSize(gt + 1);
    if (selfClosing) {
      if (depth === 1) this.emitStanza(el, gt + 1);
    } else {
      this.stack.push(el);
    }
  }

  private streamHeader(
    name: string,
    attrs: Record<string, string>,
    selfClosing: boolean,
    size: number,
  ): void {
    if (size > this.maxStanzaSize) this.policy();
    const colon = name.indexOf(":");
    const prefix = colon === -1 ? "" : name.slice(0, colon);
    const local = colon === -1 ? name : name.slice(colon + 1);
    const ns = prefix === "" ? attrs.xmlns : attrs[`xmlns:${prefix}`];
    if (ns === undefined && prefix !== "") {
      throw new XmlRefusal("bad-namespace-prefix", `prefix ${prefix} of the stream header is not declared`);
    }
    if (ns !== NS_STREAMS || local !== "stream") {
      throw new XmlRefusal("invalid-namespace", `stream header must be <stream> in ${NS_STREAMS}`);
    }
    const defaultNs = attrs.xmlns;
    if (this.namespaces && (defaultNs === undefined || !this.namespaces.has(defaultNs))) {
      throw new XmlRefusal("invalid-namespace", `unsupported stream namespace ${defaultNs ?? "(none)"}`);
    }
    this.rootName = name;
    this.defaultNs = defaultNs;
    for (const key of Object.keys(attrs)) {
      if (key.startsWith("xmlns:")) {
        const value = attrs[key]!;
        if (value === "") throw new XmlRefusal("not-well-formed", `empty namespace for ${key}`);
        this.headerPrefixes.set(key.slice(6), value);
      }
    }
    this.state = "open";
    this.handlers.streamStart?.({ ...attrs }, name);
    if (selfClosing && this.state === "open") {
      this.state = "closed";
      this.handlers.streamEnd?.();
    }
  }

  /** Every prefix used by an element or attribute must be declared (Namespaces in XML §5). */
  private checkNamespaces(name: string, attrs: Record<string, string>): void {
    for (const key in attrs) {
      if (key.charCodeAt(5) === 58 /* : */ && key.startsWith("xmlns:")) {
        if (attrs[key] === "") throw new XmlRefusal("not-well-formed", `empty namespace for ${key}`);
        if (key === "xmlns:xmlns")
          throw new XmlRefusal("not-well-formed", "the xmlns prefix cannot be declared");
      } else if (key.includes(":") && !key.startsWith("xml:")) {
        this.resolvePrefix(key.slice(0, key.indexOf(":")), attrs);
      }
    }
    const colon = name.indexOf(":");
    if (colon !== -1) this.resolvePrefix(name.slice(0, colon), attrs);
  }

  private resolvePrefix(prefix: string, attrs: Record<string, string>): string {
    if (prefix === "xml") return NS.xml;
    if (prefix === "xmlns") throw new XmlRefusal("not-well-formed", "the xmlns prefix is reserved");
    const key = `xmlns:${prefix}`;
    const own = attrs[key];
    if (own !== undefined) return own;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const v = this.stack[i]!.attrs[key] as string | undefined;
      if (v !== undefined) return v;
    }
    const header = this.headerPrefixes.get(prefix);
    if (header === undefined)
      throw new XmlRefusal("bad-namespace-prefix", `prefix ${prefix} is not declared`);
    this.usedHeaderPrefixes ??= new Set();
    this.usedHeaderPrefixes.add(prefix);
    return header;
  }

  private endTag(raw: string, end: number): void {
    let name = raw;
    const last = raw.charCodeAt(raw.length - 1);
    if (last === 32 || last === 10 || last === 9 || last === 13) name = raw.trimEnd();
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (this.state === "open" && name === this.rootName) {
        this.state = "closed";
        this.handlers.streamEnd?.();
        return;
      }
      throw new XmlRefusal("not-well-formed", `unexpected end tag </${name.slice(0, 64)}>`);
    }
    if (name !== top.name) {
      throw new XmlRefusal("not-well-formed", `end tag </${name.slice(0, 64)}> does not match <${top.name}>`);
    }
    this.stack.pop();
    if (this.stack.length === 0) this.emitStanza(top, end);
    else this.checkSize(end);
  }

  private emitStanza(el: Element, end: number): void {
    const units = end - this.stanzaStart;
    // Exact byte count only when the cheap bound (3 bytes per UTF-16 unit at most) is not enough.
    if (this.stanzaBytes + units * 3 > this.maxStanzaSize) {
      const bytes = this.stanzaBytes + Buffer.byteLength(this.buf.slice(this.stanzaStart, end), "utf8");
      if (bytes > this.maxStanzaSize) this.policy();
    }
    this.stanzaBytes = 0;
    const attrs = el.attrs as Record<string, string>;
    // A detached element loses the declarations made on the stream header: copy those it uses.
    if (this.usedHeaderPrefixes) {
      for (const prefix of this.usedHeaderPrefixes) {
        const key = `xmlns:${prefix}`;
        if (attrs[key] === undefined) attrs[key] = this.headerPrefixes.get(prefix)!;
      }
      this.usedHeaderPrefixes = undefined;
    }
    if (el.name.indexOf(":") === -1 && this.defaultNs !== undefined) {
      if (this.applyDefaultNs) {
        if (attrs.xmlns === undefined) attrs.xmlns = this.defaultNs;
      } else if (attrs.xmlns === this.defaultNs) {
        delete attrs.xmlns;
      }
    }
    this.handlers.stanza?.(el);
  }
}
