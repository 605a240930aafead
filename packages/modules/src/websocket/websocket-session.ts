import { randomBytes } from "node:crypto";
import { Element, type Module, parseJid, type Runtime, type SessionType, stanza } from "canto";
import type { WebSocket } from "ws";
import { checkCarry, parseReason } from "../shared/client-session.js";
import type { C2sSession } from "../shared/contracts.js";
import { NS } from "../shared/contracts.js";
import { SessionLink } from "../shared/session-link.js";
import { closeElement, NS_FRAMING, openElement, parseFrame, serialize } from "./framing.js";
import type { WebSocketOptions } from "./websocket-options.js";

type Timer = ReturnType<Module["addTimer"]>;

/** What a session needs from the websocket module that owns it. */
export interface WebSocketContext {
  readonly server: Runtime;
  /** The websocket instance of a host that serves WebSocket clients; undefined for any other name. */
  hostModule(name: string): Module | undefined;
  /** Options of the host whose endpoint accepted the connection. */
  readonly options: WebSocketOptions;
  addTimer(delay: number, callback: () => number | undefined): Timer;
  /** Monotonic seconds (the scheduler's clock, so tests can move it). */
  now(): number;
  log(level: string, fmt: string, ...args: unknown[]): void;
  forget(session: WebSocketSession): void;
}

const CLIENT_STANZAS = new Set(["message", "presence", "iq"]);

/** WebSocket close codes (RFC 6455 §7.4.1). */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;

/**
 * One XMPP session over a WebSocket (RFC 7395): each text message is one element; `<open/>` and
 * `<close/>` stand for the stream header and footer. Otherwise it behaves as a TCP client session
 * does: features from `stream-features`, every element to the router, problems as stream errors,
 * and stream resumption (XEP-0198): a bound session whose WebSocket drops without `<close/>` may
 * hibernate (`c2s-disconnect`) until a new WebSocket `carry`s it on.
 */
export class WebSocketSession implements C2sSession {
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
  lang: string | undefined;
  readonly id = randomBytes(9).toString("base64url");
  readonly ip: string;
  readonly state = new Map<string, unknown>();
  /** WebSocket offers no STARTTLS: encryption is the HTTP connection's (or a proxy's). */
  readonly canStartTls = false;

  readonly #context: WebSocketContext;
  readonly #ws: WebSocket;
  /** An `<open/>` was answered for the current stream (reset by `resetStream()`). */
  #opened = false;
  /** ws reported an error (a protocol violation by the peer) and closes the connection itself. */
  #broken = false;
  #lastRead: number;
  /** A ping went out and nothing has been read since. */
  #pinged = false;
  readonly #timers: Timer[] = [];
  readonly #onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
    this.#message(data, isBinary);
  /** Closed state and XEP-0198 resumption: which WebSocket the session's stream runs on. */
  readonly #link: SessionLink<WebSocketSession>;
  #gonePromise!: () => void;
  /**
   * Settles once the session is over: its WebSocket closed (after the closing handshake, or cut),
   * and, for a session that hibernated or was carried, once it finally ended.
   */
  readonly done = new Promise<void>((resolve) => {
    this.#gonePromise = resolve;
  });

  constructor(context: WebSocketContext, ws: WebSocket, ip: string, secure: boolean) {
    this.#link = new SessionLink(this, context, {
      detach: () => ws.removeListener("message", this.#onMessage),
      shut: (reason) => this.#end(reason, CLOSE_NORMAL, "stream closed"),
      write: (data) => {
        if (ws.readyState !== ws.OPEN) return false;
        ws.send(data);
        return true;
      },
      cut: () => ws.terminate(),
      forget: () => {
        context.forget(this);
        this.#gonePromise();
      },
    });
    this.#context = context;
    this.#ws = ws;
    this.ip = ip;
    this.secure = secure;
    this.#lastRead = context.now();
    ws.on("message", this.#onMessage);
    ws.on("pong", () => this.#touch());
    ws.on("error", (error: Error) => {
      // ws closes the connection itself after an error: that close ends the session, unresumable.
      this.#broken = true;
      context.log("debug", "websocket %s (%s) error: %s", this.id, this.ip, error.message);
    });
    ws.once("close", () => this.#gone());
    const { handshakeTimeout, idleTimeout } = context.options;
    this.#timers.push(
      context.addTimer(handshakeTimeout, () => {
        if (this.type === "c2s_unauthed") this.#fail("connection-timeout", "not authenticated in time");
        return undefined;
      }),
      context.addTimer(idleTimeout, () => this.#idle()),
    );
  }

  get closed(): boolean {
    return this.#link.closed;
  }

  /** The WebSocket dropped and a `c2s-disconnect` handler keeps the session bound for now. */
  get hibernating(): boolean {
    return this.#link.hibernating;
  }

  /**
   * Stream resumption (XEP-0198): this newly authenticated, unbound WebSocket session takes over
   * `previous`, a bound WebSocket session of the same account. From now on what this WebSocket
   * reads is processed as `previous`'s and what `previous` sends is written here; the session
   * object, its binding and every module's state stay as they were. A WebSocket `previous` still
   * had is replaced (it gets a `conflict` stream error) without ending the session. A TCP session
   * cannot be taken over (TypeError), nor can a TCP connection take over a WebSocket session.
   */
  carry(previous: C2sSession): void {
    checkCarry(this, previous, { transport: WebSocketSession, busy: this.#link.busy, kind: "WebSocket" });
    this.#link.carry(previous.#link);
  }

  send(element: Element): boolean {
    return this.#link.write(serialize(element));
  }

  resetStream(): void {
    this.#opened = false;
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error(`session ${this.id} is a WebSocket session: STARTTLS does not apply`));
  }

  close(reason?: string): void {
    this.#link.close(reason);
  }

  /** Cuts the connection at once (unload after the closing elements were written). */
  destroy(): void {
    this.#link.destroy();
  }

  #end(reason: string | undefined, code: number, wsReason: string): void {
    if (this.#link.closed) return;
    if (reason !== undefined) {
      const { condition, text } = parseReason(reason);
      this.#context.log("debug", "closing %s (%s) with %s: %s", this.id, this.ip, condition, text ?? "");
      this.#link.write(stanza.streamError(condition, text).toString());
    }
    this.#link.write(closeElement().toString());
    this.#link.closed = true;
    for (const timer of this.#timers.splice(0)) timer.stop();
    // ws waits for the peer's close frame, and cuts the connection itself after its own timeout.
    this.#ws.close(code, wsReason);
  }

  #fail(condition: stanza.StreamErrorCondition, text?: string): void {
    if (this.#link.closed) return;
    this.#context.server.sessionManager.destroy(this, condition, text);
  }

  /** The WebSocket closed (or was cut). */
  #gone(): void {
    const link = this.#link;
    if (link.forgotten) return;
    for (const timer of this.#timers.splice(0)) timer.stop();
    // Closed by us, after the client's `<close/>`, or after a protocol error: nothing to resume.
    link.dropped(link.closed || this.#broken);
  }

  #touch(): void {
    this.#lastRead = this.#context.now();
    this.#pinged = false;
  }

  #idle(): number | undefined {
    if (this.#link.closed) return undefined;
    const idleTimeout = this.#context.options.idleTimeout;
    const quiet = this.#context.now() - this.#lastRead;
    if (quiet < idleTimeout) return idleTimeout - quiet;
    if (this.#pinged) {
      if ((this.#link.carried ?? this).fullJid !== undefined) {
        // A bound session's connection is presumed dead: it is cut, and goes as a dropped one does
        // (it hibernates when resumable; else it ends, with nobody left to read a stream error).
        this.#context.log("debug", "websocket %s (%s) did not answer a ping: cutting it", this.id, this.ip);
        this.#ws.terminate();
        return undefined;
      }
      this.#fail("connection-timeout", "no answer to a WebSocket ping");
      return undefined;
    }
    // RFC 7395 §3.7: WebSocket pings, not whitespace, keep the connection alive.
    this.#pinged = true;
    this.#ws.ping();
    return idleTimeout;
  }

  #message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#link.closed) return;
    this.#touch();
    if (isBinary) {
      this.#context.log("debug", "websocket %s (%s) sent a binary message", this.id, this.ip);
      this.#link.closed = true;
      for (const timer of this.#timers.splice(0)) timer.stop();
      this.#ws.close(CLOSE_UNSUPPORTED_DATA, "XMPP over WebSocket uses text messages only (RFC 7395)");
      return;
    }
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    let frame: ReturnType<typeof parseFrame>;
    try {
      frame = parseFrame(bytes, this.#context.options.stanzaSizeLimit);
    } catch (error) {
      this.#context.log("error", "error while parsing input of %s: %s", this.id, error);
      this.#fail("internal-server-error");
      return;
    }
    if (frame.kind === "keepalive") return;
    if (frame.kind === "error") {
      this.#fail(frame.condition, frame.text);
      return;
    }
    const element = frame.element;
    const xmlns = element.attrs.xmlns as string | undefined;
    if (xmlns === NS_FRAMING) {
      if (element.name === "open") this.#open(element);
      else if (element.name === "close") {
        // The client ended its stream: the session (the one this WebSocket carries, if any) ends
        // now, and cleanly: no hibernation.
        this.#context.server.sessionManager.destroy(this.#link.carried ?? this, undefined);
      } else this.#fail("unsupported-stanza-type", `<${element.name}> is not an element of ${NS_FRAMING}`);
      return;
    }
    if (!this.#opened) {
      this.#fail("invalid-namespace", `expected <open xmlns='${NS_FRAMING}'/> before <${element.name}>`);
      return;
    }
    this.#element(element);
  }

  #open(attrs: Element): void {
    const { to, from, version } = attrs.attrs as Record<string, string | undefined>;
    this.lang = attrs.attrs["xml:lang"] as string | undefined;
    this.streamFrom = undefined;
    if (from !== undefined) {
      try {
        parseJid(from);
        this.streamFrom = from;
      } catch {
        // An invalid `from` is ignored, as RFC 6120 §4.7.1 allows; it is never echoed back.
      }
    }
    if (version !== "1.0") {
      this.#fail("unsupported-version", "RFC 7395 requires version='1.0' on <open/>");
      return;
    }
    let domain: string;
    try {
      const jid = parseJid(to ?? "");
      if (jid.node !== undefined || jid.resource !== undefined) throw new Error("not a domain");
      domain = jid.domain;
    } catch {
      this.#fail("improper-addressing", "<open/> needs a 'to' naming a server");
      return;
    }
    const hostModule = this.#context.hostModule(domain);
    if (hostModule === undefined) {
      this.#fail("host-unknown", `this server does not serve ${domain} over WebSocket`);
      return;
    }
    if (this.host !== "" && this.host !== domain && this.type !== "c2s_unauthed") {
      this.#fail("not-authorized", "a restarted stream must address the same host");
      return;
    }
    if (!this.secure && hostModule.getOptionBoolean("c2s_require_encryption", true)) {
      // Without this, the client would get features offering nothing it could use.
      this.#fail(
        "policy-violation",
        "encryption is required: connect with wss://, or set consider_websocket_secure behind a TLS proxy",
      );
      return;
    }
    this.host = domain;
    this.#opened = true;
    this.#link.write(
      openElement({
        from: domain,
        id: randomBytes(12).toString("base64url"),
        to: this.streamFrom,
      }).toString(),
    );
    const features = new Element("stream:features", { "xmlns:stream": NS.streams });
    const send = () => this.#link.write(features.toString());
    const fired = hostModule.fireEvent("stream-features", { origin: this, features });
    if (
      fired !== null &&
      typeof fired === "object" &&
      typeof (fired as Promise<unknown>).then === "function"
    ) {
      (fired as Promise<unknown>).then(send, (error: unknown) => {
        this.#context.log("error", "stream-features failed for %s: %s", this.id, error);
        this.#fail("internal-server-error");
      });
    } else {
      send();
    }
  }

  #element(element: Element): void {
    if (element.is("error", NS.streams)) {
      this.#context.log(
        "debug",
        "websocket %s (%s) sent a stream error: %s",
        this.id,
        this.ip,
        element.toString(),
      );
      this.#context.server.sessionManager.destroy(this, undefined);
      return;
    }
    const host = this.#context.server.host(this.host);
    if (host === undefined || this.#context.hostModule(this.host) === undefined) {
      this.#fail("host-gone", `${this.host} is no longer served`);
      return;
    }
    const xmlns = element.attrs.xmlns as string | undefined;
    const namespaced = xmlns !== undefined && xmlns !== NS.client;
    if (namespaced) {
      if (host.events.getHandlers(`stanza/${xmlns}:${element.name}`) === undefined) {
        this.#fail("unsupported-stanza-type", `nothing here handles <${element.name} xmlns='${xmlns}'>`);
        return;
      }
    } else if (!CLIENT_STANZAS.has(element.name)) {
      this.#fail("unsupported-stanza-type", `<${element.name}> is not a stanza of jabber:client`);
      return;
    } else if (this.type === "c2s_unauthed") {
      // Before authentication only stanzas a module answers (in-band registration) may pass.
      const child = element.getChildElements()[0];
      const childNs = child?.attrs.xmlns as string | undefined;
      const event =
        element.name === "iq" && child && childNs
          ? `stanza/iq/${childNs}:${child.name}`
          : `stanza/${element.name}`;
      if (host.events.getHandlers(event) === undefined) {
        this.#fail("not-authorized", "authenticate before sending stanzas");
        return;
      }
    }
    let result: void | Promise<void>;
    try {
      result = this.#context.server.process(this.#link.carried ?? this, element);
    } catch (error) {
      this.#context.log("error", "error while processing a stanza from %s: %s", this.id, error);
      return;
    }
    result?.catch((error: unknown) =>
      this.#context.log("error", "error while processing a stanza from %s: %s", this.id, error),
    );
  }
}
