import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { Element, type Module, parseJid, type Runtime, type SessionType, StreamParser, stanza } from "canto";
import { checkCarry, parseReason } from "../shared/client-session.js";
import type { C2sSession } from "../shared/contracts.js";
import { NS } from "../shared/contracts.js";
import { SessionLink } from "../shared/session-link.js";
import type { C2sOptions } from "./c2s-options.js";
import { ByteBucket } from "./rate-limit.js";
import { tlsTransport } from "./tls-context.js";

type Timer = ReturnType<Module["addTimer"]>;

/** What a connection needs from the c2s module that owns it. */
export interface TransportContext {
  readonly options: C2sOptions;
  readonly server: Runtime;
  /** The c2s instance of a host this transport serves; undefined for any other name. */
  hostModule(name: string): Module | undefined;
  secureContextFor(host: string): SecureContext | undefined;
  addTimer(delay: number, callback: () => number | undefined): Timer;
  /** Monotonic seconds (the scheduler's clock, so tests can move it). */
  now(): number;
  log(level: string, fmt: string, ...args: unknown[]): void;
  /** The connection is gone: stop tracking it. */
  forget(session: StreamSession): void;
}

const CLIENT_STANZAS = new Set(["message", "presence", "iq"]);

const escapeAttr = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

/**
 * One client connection (RFC 6120): frames its XML stream, answers stream headers with features,
 * hands every stanza and negotiation element to the router, and turns problems into stream errors.
 */
export class StreamSession implements C2sSession {
  type: SessionType = "c2s_unauthed";
  host = "";
  username: string | undefined;
  resource: string | undefined;
  fullJid: string | undefined;
  role: string | undefined;
  priority: number | undefined;
  queueTail: Promise<void> | undefined;
  secure: boolean;
  streamFrom: string | undefined;
  /** `xml:lang` of the client's stream header. */
  lang: string | undefined;
  readonly id = randomBytes(9).toString("base64url");
  readonly ip: string;
  readonly state = new Map<string, unknown>();
  readonly directTls: boolean;

  readonly #context: TransportContext;
  #socket: Socket;
  /** The TCP socket under any TLS: its close is the end of the session whatever TLS makes of it. */
  readonly #raw: Socket;
  #parser!: StreamParser;
  /** Our stream header went out for the current stream. */
  #headerSent = false;
  /** The TLS handshake is under way. */
  #tlsPending = false;
  /** `<starttls/>` went to the router: nothing more may be read in plaintext. */
  #startTlsSeen = false;
  #bucket: ByteBucket | undefined;
  /** Input read while over the rate limit, handled once the bucket has refilled. */
  readonly #held: Buffer[] = [];
  #lastRead: number;
  readonly #timers: Timer[] = [];
  readonly #onData = (chunk: Buffer) => this.#read(chunk);
  /** Closed state and XEP-0198 resumption: which connection the session's stream runs on. */
  readonly #link: SessionLink<StreamSession>;

  constructor(context: TransportContext, socket: Socket, directTls: boolean, raw: Socket = socket) {
    this.#link = new SessionLink(this, context, {
      detach: () => this.#socket.removeListener("data", this.#onData),
      shut: (reason) => this.#shut(reason),
      write: (data) => {
        const current = this.#socket;
        if (current.destroyed || !current.writable) return false;
        current.write(data);
        return true;
      },
      cut: () => {
        this.#socket.destroy();
        this.#raw.destroy();
      },
      forget: () => context.forget(this),
    });
    this.#context = context;
    this.#socket = socket;
    this.#raw = raw;
    this.directTls = directTls;
    this.secure = directTls;
    this.ip = raw.remoteAddress ?? "unknown";
    this.#lastRead = context.now();
    const limit = context.options.rateLimit;
    if (limit !== undefined) this.#bucket = new ByteBucket(limit.rate, limit.burst, context.now());
    this.#newParser();
    this.#attach(socket);
    if (raw !== socket) raw.once("close", () => this.#gone());
    const { handshakeTimeout, idleTimeout } = context.options;
    this.#timers.push(
      context.addTimer(handshakeTimeout, () => {
        if (this.type === "c2s_unauthed") this.#fail("connection-timeout", "not authenticated in time");
        return undefined;
      }),
      context.addTimer(idleTimeout, () => this.#idle()),
    );
  }

  /** Settles once what `close()` wrote has been handed to the OS (or the socket is gone). */
  flushed: Promise<void> = Promise.resolve();

  get closed(): boolean {
    return this.#link.closed;
  }

  get canStartTls(): boolean {
    return (
      !this.secure &&
      !this.#tlsPending &&
      !this.#link.closed &&
      this.#context.secureContextFor(this.host) !== undefined
    );
  }

  /** The socket the stream is read from (the TLS socket once encrypted). */
  get socket(): Socket {
    return this.#link.carrier?.socket ?? this.#socket;
  }

  /** The connection dropped and a `c2s-disconnect` handler keeps the session bound for now. */
  get hibernating(): boolean {
    return this.#link.hibernating;
  }

  /**
   * Stream resumption (XEP-0198): this newly authenticated, unbound connection takes over
   * `previous`, a bound session. From now on what this connection reads is processed as
   * `previous`'s and what `previous` sends is written here; the session object, its binding and
   * every module's state stay as they were. A connection `previous` still had is replaced (it gets
   * a `conflict` stream error) without ending the session.
   */
  carry(previous: C2sSession): void {
    checkCarry(this, previous, { transport: StreamSession, busy: this.#link.busy, kind: "TCP c2s" });
    this.#link.carry(previous.#link);
  }

  send(element: Element): boolean {
    return this.#link.write(element.toString());
  }

  resetStream(): void {
    this.#headerSent = false;
    this.#parser.reset();
  }

  async startTls(): Promise<void> {
    const secureContext = this.#context.secureContextFor(this.host);
    if (this.secure || this.#link.closed || secureContext === undefined) {
      throw new Error(
        `session ${this.id} cannot start TLS (secure: ${this.secure}, certificate: ${secureContext !== undefined})`,
      );
    }
    this.#tlsPending = true;
    const plain = this.#socket;
    plain.removeListener("data", this.#onData);
    const secure = new TLSSocket(tlsTransport(plain), { isServer: true, secureContext });
    this.#socket = secure;
    this.#headerSent = false;
    // A fresh parser: whatever the old one still holds of the plaintext chunk is never read.
    this.#newParser();
    this.#startTlsSeen = false;
    this.#attach(secure);
    await new Promise<void>((resolve, reject) => {
      // The handshake's listeners go once it settles: an idle session keeps nothing of them.
      const settle = (error?: Error) => {
        secure.removeListener("secure", onSecure);
        secure.removeListener("error", settle);
        secure.removeListener("close", onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      // Secure from the handshake's end, not from when this await resumes: the client's new
      // stream header can come in the same read, and its features must offer SASL.
      const onSecure = () => {
        this.secure = true;
        this.#tlsPending = false;
        settle();
      };
      const onClose = () => settle(new Error("connection closed during the TLS handshake"));
      secure.once("secure", onSecure);
      secure.once("error", settle);
      secure.once("close", onClose);
    });
  }

  close(reason?: string): void {
    this.#link.close(reason);
  }

  /** Cuts the connection at once (unload, shutdown after the stream error was written). */
  destroy(): void {
    this.#link.destroy();
  }

  /** Reached only through the link: a hibernating or carried session has no socket of its own to close. */
  #shut(reason: string | undefined): void {
    this.#link.closed = true;
    for (const timer of this.#timers.splice(0)) timer.stop();
    let out = "";
    if (!this.#headerSent) out += this.#header(this.host === "" ? undefined : this.host);
    if (reason !== undefined) {
      const { condition, text } = parseReason(reason);
      this.#context.log("debug", "closing %s (%s) with %s: %s", this.id, this.ip, condition, text ?? "");
      const error = stanza.streamError(condition, text);
      // The stream header declares the prefix: the element needs no declaration of its own.
      delete error.attrs["xmlns:stream"];
      out += error.toString();
    }
    out += "</stream:stream>";
    const socket = this.#socket;
    if (socket.writable && !this.#tlsPending) {
      this.flushed = new Promise((resolve) => {
        socket.once("finish", resolve);
        socket.once("close", resolve);
        this.#raw.once("close", resolve);
      });
      socket.end(out);
    } else {
      socket.destroy();
    }
    // Give the peer a moment to answer with its own `</stream:stream>`, then cut.
    this.#context.addTimer(this.#context.options.closeTimeout, () => {
      socket.destroy();
      return undefined;
    });
  }

  #fail(condition: stanza.StreamErrorCondition, text?: string): void {
    if (this.#link.closed) return;
    this.#context.server.sessionManager.destroy(this, condition, text);
  }

  #attach(socket: Socket): void {
    socket.on("data", this.#onData);
    socket.on("error", (error: Error) => {
      this.#context.log("debug", "connection %s (%s) error: %s", this.id, this.ip, error.message);
    });
    socket.once("close", () => this.#gone());
  }

  #gone(): void {
    const link = this.#link;
    if (link.forgotten) return;
    for (const timer of this.#timers.splice(0)) timer.stop();
    // Closed by us or by the client's `</stream:stream>`: nothing to resume.
    link.dropped(link.closed);
  }

  #idle(): number | undefined {
    if (this.#link.closed) return undefined;
    const idleTimeout = this.#context.options.idleTimeout;
    const quiet = this.#context.now() - this.#lastRead;
    if (quiet < idleTimeout) return idleTimeout - quiet;
    const handled = this.#context
      .hostModule(this.host)
      ?.fireEvent("c2s-read-timeout", { session: this.#link.carried ?? this });
    if (handled === undefined) {
      if (!this.#headerSent) {
        this.#fail("connection-timeout", "no stream opened");
        return undefined;
      }
      // A whitespace keepalive: a dead peer makes the write fail and the socket close.
      this.#link.write(" ");
    }
    return idleTimeout;
  }

  #read(chunk: Buffer): void {
    this.#lastRead = this.#context.now();
    const bucket = this.#bucket;
    if (bucket !== undefined) {
      const wait = bucket.take(chunk.length, this.#lastRead);
      // Chunks already in flight when reading paused wait behind the first one.
      if (this.#held.length > 0 || wait > 0) {
        this.#held.push(chunk);
        if (this.#held.length === 1) this.#hold(bucket, wait);
        return;
      }
    }
    this.#parse(chunk);
  }

  /**
   * Over the allowance: stop reading (TCP pushes back on the sender) and hold what was read until
   * the bucket has refilled, so the session's input is handled no faster than its rate.
   */
  #hold(bucket: ByteBucket, wait: number): void {
    const socket = this.#socket;
    socket.pause();
    this.#timers.push(
      this.#context.addTimer(wait, () => {
        const more = bucket.wait(this.#context.now());
        if (more > 0) return more;
        while (this.#held.length > 0 && !this.#link.closed && this.#socket === socket)
          this.#parse(this.#held.shift()!);
        // Held plaintext that was behind a <starttls/> must never reach the encrypted stream.
        if (this.#held.length > 0 && this.#socket !== socket) this.#stale();
        this.#held.length = 0;
        if (!this.#link.closed && this.#socket === socket) socket.resume();
        return undefined;
      }),
    );
  }

  #parse(chunk: Buffer): void {
    try {
      this.#parser.write(chunk);
    } catch (error) {
      this.#context.log("error", "error while handling input of %s: %s", this.id, error);
      this.#fail("internal-server-error");
    }
  }

  #newParser(): void {
    const parser: StreamParser = new StreamParser(
      {
        streamStart: (attrs) => {
          if (this.#parser === parser) this.#streamStart(attrs);
        },
        stanza: (element) => {
          if (this.#parser === parser) this.#element(element);
          else this.#stale();
        },
        streamEnd: () => {
          // The client ended its stream: the session ends now, not when the socket closes, so
          // nothing routed in between is written to a closing stream and lost (it goes offline).
          if (this.#parser === parser)
            this.#context.server.sessionManager.destroy(this.#link.carried ?? this);
        },
        error: (error) => {
          if (this.#parser === parser) this.#fail(error.condition, error.text);
          else this.#stale();
        },
      },
      { maxStanzaSize: this.#context.options.stanzaSizeLimit, namespaces: [NS.client] },
    );
    this.#parser = parser;
  }

  /** Plaintext that arrived behind `<starttls/>`: an injection attempt or a broken client. */
  #stale(): void {
    if (this.#link.closed) return;
    this.#context.log(
      "warn",
      "connection %s (%s) sent data after <starttls/>; dropping it",
      this.id,
      this.ip,
    );
    this.#link.closed = true;
    this.#socket.destroy();
  }

  #header(from: string | undefined): string {
    let header = `<?xml version='1.0'?><stream:stream xmlns='${NS.client}' xmlns:stream='${NS.streams}' id='${randomBytes(12).toString("base64url")}' version='1.0' xml:lang='en'`;
    if (from !== undefined) header += ` from='${escapeAttr(from)}'`;
    if (this.streamFrom !== undefined) header += ` to='${escapeAttr(this.streamFrom)}'`;
    this.#headerSent = true;
    return `${header}>`;
  }

  #streamStart(attrs: Record<string, string>): void {
    this.lang = attrs["xml:lang"];
    const from = attrs.from;
    this.streamFrom = undefined;
    if (from !== undefined) {
      try {
        parseJid(from);
        this.streamFrom = from;
      } catch {
        // An invalid `from` is ignored, as the RFC allows; it is never echoed back.
      }
    }
    const version = /^(\d+)\.(\d+)$/.exec(attrs.version ?? "");
    if (!version || Number(version[1]) < 1) {
      this.#fail("unsupported-version", "XMPP 1.0 streams only (version='1.0')");
      return;
    }
    let domain: string;
    try {
      const jid = parseJid(attrs.to ?? "");
      if (jid.node !== undefined || jid.resource !== undefined) throw new Error("not a domain");
      domain = jid.domain;
    } catch {
      this.#fail("improper-addressing", "the stream header needs a 'to' naming a server");
      return;
    }
    const hostModule = this.#context.hostModule(domain);
    if (hostModule === undefined) {
      this.#fail("host-unknown", `this server does not serve ${domain}`);
      return;
    }
    if (this.host !== "" && this.host !== domain && this.type !== "c2s_unauthed") {
      this.#fail("not-authorized", "a restarted stream must address the same host");
      return;
    }
    this.host = domain;
    this.#link.write(this.#header(domain));
    const features = new Element("stream:features");
    const fired = hostModule.fireEvent("stream-features", { origin: this, features });
    if (
      fired !== null &&
      typeof fired === "object" &&
      typeof (fired as Promise<unknown>).then === "function"
    ) {
      (fired as Promise<unknown>).then(
        () => this.#link.write(features.toString()),
        (error: unknown) => {
          this.#context.log("error", "stream-features failed for %s: %s", this.id, error);
          this.#fail("internal-server-error");
        },
      );
    } else {
      this.#link.write(features.toString());
    }
  }

  #element(element: Element): void {
    if (this.#link.closed) return;
    if (this.#startTlsSeen) {
      this.#stale();
      return;
    }
    if (element.is("error", NS.streams)) {
      this.#context.log(
        "debug",
        "connection %s (%s) sent a stream error: %s",
        this.id,
        this.ip,
        element.toString(),
      );
      this.#context.server.sessionManager.destroy(this, undefined);
      return;
    }
    const host = this.#context.server.host(this.host);
    const hostModule = this.#context.hostModule(this.host);
    if (host === undefined || hostModule === undefined) {
      this.#fail("host-gone", `${this.host} is no longer served`);
      return;
    }
    const xmlns = element.attrs.xmlns as string | undefined;
    const namespaced = xmlns !== undefined && xmlns !== NS.client;
    const isStartTls = namespaced && xmlns === NS.tls && element.name === "starttls";
    if (
      !this.secure &&
      !isStartTls &&
      this.#context.secureContextFor(this.host) !== undefined &&
      hostModule.getOptionBoolean("c2s_require_encryption", true)
    ) {
      this.#fail("policy-violation", "encryption is required: negotiate STARTTLS first");
      return;
    }
    let event: string | undefined;
    if (namespaced) event = `stanza/${xmlns}:${element.name}`;
    else if (this.type === "c2s_unauthed") {
      // Before authentication only IQs a module answers (in-band registration) may pass.
      const child = element.getChildElements()[0];
      const childNs = child?.attrs.xmlns as string | undefined;
      if (!CLIENT_STANZAS.has(element.name)) {
        this.#fail("unsupported-stanza-type", `<${element.name}> is not a stanza of jabber:client`);
        return;
      }
      event =
        element.name === "iq" && child && childNs
          ? `stanza/iq/${childNs}:${child.name}`
          : `stanza/${element.name}`;
      if (host.events.getHandlers(event) === undefined) {
        this.#fail("not-authorized", "authenticate before sending stanzas");
        return;
      }
      event = undefined;
    } else if (!CLIENT_STANZAS.has(element.name)) {
      this.#fail("unsupported-stanza-type", `<${element.name}> is not a stanza of jabber:client`);
      return;
    }
    if (event !== undefined && host.events.getHandlers(event) === undefined) {
      this.#fail("unsupported-stanza-type", `nothing here handles <${element.name} xmlns='${xmlns}'>`);
      return;
    }
    if (isStartTls) this.#startTlsSeen = true;
    let result: void | Promise<void>;
    try {
      result = this.#context.server.process(this.#link.carried ?? this, element);
    } catch (error) {
      this.#context.log("error", "error while processing a stanza from %s: %s", this.id, error);
      return;
    }
    if (result !== undefined) {
      result.catch((error: unknown) =>
        this.#context.log("error", "error while processing a stanza from %s: %s", this.id, error),
      );
    }
  }
}
