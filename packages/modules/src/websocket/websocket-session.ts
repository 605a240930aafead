import { randomBytes } from "node:crypto";
import type { Element, Module } from "canto";
import type { WebSocket } from "ws";
import { ClientStream, type ClientStreamContext } from "../stream/client-stream.js";
import { closeElement, NS_FRAMING, openElement, parseFrame, serialize } from "./framing.js";
import type { WebSocketOptions } from "./websocket-options.js";

/** What a session needs from the websocket module that owns it. */
export interface WebSocketContext extends ClientStreamContext {
  /** Options of the host whose endpoint accepted the connection. */
  readonly options: WebSocketOptions;
  forget(session: WebSocketSession): void;
}

/** WebSocket close codes (RFC 6455 §7.4.1). */
const CLOSE_NORMAL = 1000;
const CLOSE_UNSUPPORTED_DATA = 1003;

/**
 * One XMPP session over a WebSocket (RFC 7395): the client stream on a WebSocket framing, where
 * each text message is one element and `<open/>` / `<close/>` stand for the stream header and
 * footer, and WebSocket pings keep the connection alive.
 */
export class WebSocketSession extends ClientStream {
  /** WebSocket offers no STARTTLS: encryption is the HTTP connection's (or a proxy's). */
  readonly canStartTls = false;
  readonly #ws: WebSocket;
  readonly #options: WebSocketOptions;
  /** ws reported an error (a protocol violation by the peer) and closes the connection itself. */
  #broken = false;
  #lastRead: number;
  /** A ping went out and nothing has been read since. */
  #pinged = false;
  #gonePromise!: () => void;
  /**
   * Settles once the session is over: its WebSocket closed (after the closing handshake, or cut),
   * and, for a session that hibernated or was carried, once it finally ended.
   */
  readonly done = new Promise<void>((resolve) => {
    this.#gonePromise = resolve;
  });
  readonly #onMessage = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
    this.#message(data, isBinary);

  constructor(context: WebSocketContext, ws: WebSocket, ip: string, secure: boolean) {
    super(context, ip, secure);
    this.#ws = ws;
    this.#options = context.options;
    this.#lastRead = context.now();
    ws.on("message", this.#onMessage);
    ws.on("pong", () => this.#touch());
    ws.on("error", (error: Error) => {
      // ws closes the connection itself after an error: that close ends the session, unresumable.
      this.#broken = true;
      context.log("debug", "websocket %s (%s) error: %s", this.id, this.ip, error.message);
    });
    ws.once("close", () => this.connectionGone(this.#broken));
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error(`session ${this.id} is a WebSocket session: STARTTLS does not apply`));
  }

  protected write(data: Element | string): boolean {
    const ws = this.#ws;
    if (ws.readyState !== ws.OPEN) return false;
    ws.send(typeof data === "string" ? data : serialize(data));
    return true;
  }

  protected detach(): void {
    this.#ws.removeListener("message", this.#onMessage);
  }

  protected cut(): void {
    this.#ws.terminate();
  }

  protected override forgotten(): void {
    this.#gonePromise();
  }

  protected quietFor(): number {
    return this.context.now() - this.#lastRead;
  }

  protected writeOpen(domain: string): void {
    this.write(openElement({ from: domain, id: randomBytes(12).toString("base64url"), to: this.streamFrom }));
  }

  protected endStream(error: Element | undefined): void {
    if (error !== undefined) this.write(error);
    this.write(closeElement());
    // ws waits for the peer's close frame, and cuts the connection itself after its own timeout.
    this.#ws.close(CLOSE_NORMAL, "stream closed");
  }

  /** RFC 7395 §3.7: WebSocket pings, not whitespace, keep the connection alive. */
  protected keepalive(): number | undefined {
    if (!this.#pinged) {
      this.#pinged = true;
      this.#ws.ping();
      return this.client.options.idleTimeout;
    }
    if (this.current.fullJid !== undefined) {
      // A bound session's connection is presumed dead: it is cut, and goes as a dropped one does
      // (it hibernates when resumable; else it ends, with nobody left to read a stream error).
      this.context.log("debug", "websocket %s (%s) did not answer a ping: cutting it", this.id, this.ip);
      this.#ws.terminate();
      return undefined;
    }
    this.fail("connection-timeout", "no answer to a WebSocket ping");
    return undefined;
  }

  protected admit(host: Module, element: Element | undefined): boolean {
    return this.encryptedAtOpen(
      host,
      element,
      "connect with wss://, or set consider_websocket_secure behind a TLS proxy",
    );
  }

  #touch(): void {
    this.#lastRead = this.context.now();
    this.#pinged = false;
  }

  #message(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.closed) return;
    this.#touch();
    if (isBinary) {
      this.context.log("debug", "websocket %s (%s) sent a binary message", this.id, this.ip);
      this.abort();
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
      frame = parseFrame(bytes, this.#options.stanzaSizeLimit);
    } catch (error) {
      this.context.log("error", "error while parsing input of %s: %s", this.id, error);
      this.fail("internal-server-error");
      return;
    }
    if (frame.kind === "keepalive") return;
    if (frame.kind === "error") {
      this.fail(frame.condition, frame.text);
      return;
    }
    const element = frame.element;
    if (element.attrs.xmlns === NS_FRAMING) {
      if (element.name === "open") this.open(element.attrs, "1.0", "<open/>");
      else if (element.name === "close") this.peerClosed();
      else this.fail("unsupported-stanza-type", `<${element.name}> is not an element of ${NS_FRAMING}`);
      return;
    }
    if (!this.opened) {
      this.fail("invalid-namespace", `expected <open xmlns='${NS_FRAMING}'/> before <${element.name}>`);
      return;
    }
    this.element(element);
  }
}
