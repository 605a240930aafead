import type { Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { type Element, StreamParser, type stanza } from "canto";
import { ByteBucket } from "../transport/rate-limit.js";
import { tlsTransport } from "../transport/tls-context.js";
import type { StreamContext } from "./stream-core.js";

/** What a TCP framing tells the stream it frames. */
export interface TcpEvents {
  streamStart(attrs: Record<string, string>): void;
  element(element: Element): void;
  /** The peer's `</stream:stream>`. */
  streamEnd(): void;
  error(condition: stanza.StreamErrorCondition, text?: string): void;
  /** The TCP connection closed (whatever TLS made of it). */
  gone(): void;
  /** Plaintext came behind `<starttls/>`: the connection is cut, the stream is over. */
  stale(): void;
}

export interface TcpFramingOptions {
  /** The stream's content namespace (`jabber:client`, `jabber:component:accept`, ...). */
  namespace: string;
  stanzaSizeLimit: number;
  closeTimeout: number;
  rateLimit?: { rate: number; burst: number } | undefined;
}

/**
 * An XMPP stream over TCP (RFC 6120): the stream parser (a fresh one per stream restart and after
 * TLS), STARTTLS, the byte bucket that slows a fast reader, and the stream's end on the wire.
 * The role (client, component, server) lives in the stream class that owns this framing.
 */
export class TcpFraming {
  /** Settles once what `end()` wrote has been handed to the OS (or the socket is gone). */
  flushed: Promise<void> = Promise.resolve();
  readonly #context: StreamContext;
  readonly #options: TcpFramingOptions;
  readonly #events: TcpEvents;
  #socket: Socket;
  /** The TCP socket under any TLS: its close is the end of the stream whatever TLS makes of it. */
  readonly #raw: Socket;
  #parser!: StreamParser;
  /** The TLS handshake is under way. */
  #tlsPending = false;
  /** The stream moved on (`<starttls/>` read, or closed): nothing more may be read on this parser. */
  #sealed = false;
  #bucket: ByteBucket | undefined;
  /** Input read while over the rate limit, handled once the bucket has refilled. */
  readonly #held: Buffer[] = [];
  #holdTimer: ReturnType<StreamContext["addTimer"]> | undefined;
  /** Monotonic seconds of the last read. */
  lastRead: number;
  readonly #onData = (chunk: Buffer) => this.#read(chunk);

  constructor(
    context: StreamContext,
    socket: Socket,
    options: TcpFramingOptions,
    events: TcpEvents,
    raw = socket,
  ) {
    this.#context = context;
    this.#options = options;
    this.#events = events;
    this.#socket = socket;
    this.#raw = raw;
    this.lastRead = context.now();
    if (options.rateLimit !== undefined) {
      this.#bucket = new ByteBucket(options.rateLimit.rate, options.rateLimit.burst, context.now());
    }
    this.#newParser();
    this.#attach(socket);
    if (raw !== socket) raw.once("close", () => events.gone());
  }

  /** The socket the stream is read from (the TLS socket once encrypted). */
  get socket(): Socket {
    return this.#socket;
  }

  get tlsPending(): boolean {
    return this.#tlsPending;
  }

  /** A new stream begins on the same connection (after SASL, RFC 6120 §6.4.6). */
  restart(): void {
    this.#parser.reset();
  }

  /** Anything read after this point on the current parser is an injection: it is dropped. */
  seal(): void {
    this.#sealed = true;
  }

  write(data: string): boolean {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return false;
    socket.write(data);
    return true;
  }

  /** Stops reading: the connection's input is no longer this stream's. */
  detach(): void {
    this.#socket.removeListener("data", this.#onData);
  }

  /** Writes the stream's last bytes and half-closes; the peer gets `closeTimeout` to answer. */
  end(out: string): void {
    this.#holdTimer?.stop();
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
    this.#context.addTimer(this.#options.closeTimeout, () => {
      socket.destroy();
      return undefined;
    });
  }

  /** Cuts the connection at once. */
  cut(): void {
    this.#holdTimer?.stop();
    this.#socket.destroy();
    this.#raw.destroy();
  }

  /**
   * STARTTLS: after `<proceed/>`, the connection is read through TLS with `secureContext`.
   * Resolves at the handshake's end, before any of the new stream is handled.
   */
  startTls(secureContext: SecureContext, onSecure: () => void): Promise<void> {
    this.#tlsPending = true;
    const plain = this.#socket;
    plain.removeListener("data", this.#onData);
    const secure = new TLSSocket(tlsTransport(plain), { isServer: true, secureContext });
    this.#socket = secure;
    // A fresh parser: whatever the old one still holds of the plaintext chunk is never read.
    this.#newParser();
    this.#sealed = false;
    this.#attach(secure);
    return new Promise<void>((resolve, reject) => {
      // The handshake's listeners go once it settles: an idle stream keeps nothing of them.
      const settle = (error?: Error) => {
        secure.removeListener("secure", secured);
        secure.removeListener("error", settle);
        secure.removeListener("close", closed);
        if (error === undefined) resolve();
        else reject(error);
      };
      // Secure from the handshake's end, not from when the caller's await resumes: the peer's new
      // stream header can come in the same read, and must see the stream as secure.
      const secured = () => {
        this.#tlsPending = false;
        onSecure();
        settle();
      };
      const closed = () => settle(new Error("connection closed during the TLS handshake"));
      secure.once("secure", secured);
      secure.once("error", settle);
      secure.once("close", closed);
    });
  }

  #attach(socket: Socket): void {
    socket.on("data", this.#onData);
    socket.on("error", (error: Error) => {
      this.#context.log("debug", "connection (%s) error: %s", this.#raw.remoteAddress, error.message);
    });
    socket.once("close", () => this.#events.gone());
  }

  #read(chunk: Buffer): void {
    this.lastRead = this.#context.now();
    const bucket = this.#bucket;
    if (bucket !== undefined) {
      const wait = bucket.take(chunk.length, this.lastRead);
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
   * the bucket has refilled, so the stream's input is handled no faster than its rate.
   */
  #hold(bucket: ByteBucket, wait: number): void {
    const socket = this.#socket;
    socket.pause();
    this.#holdTimer = this.#context.addTimer(wait, () => {
      const more = bucket.wait(this.#context.now());
      if (more > 0) return more;
      this.#holdTimer = undefined;
      while (this.#held.length > 0 && !socket.destroyed && this.#socket === socket)
        this.#parse(this.#held.shift()!);
      // Held plaintext that was behind a <starttls/> must never reach the encrypted stream.
      if (this.#held.length > 0 && this.#socket !== socket) this.#stale();
      this.#held.length = 0;
      if (!socket.destroyed && this.#socket === socket) socket.resume();
      return undefined;
    });
  }

  #parse(chunk: Buffer): void {
    try {
      this.#parser.write(chunk);
    } catch (error) {
      this.#context.log("error", "error while handling input of %s: %s", this.#raw.remoteAddress, error);
      this.#events.error("internal-server-error");
    }
  }

  #newParser(): void {
    const events = this.#events;
    const parser: StreamParser = new StreamParser(
      {
        streamStart: (attrs) => {
          if (this.#parser === parser) events.streamStart(attrs);
        },
        stanza: (element) => {
          if (this.#parser !== parser || this.#sealed) this.#stale();
          else events.element(element);
        },
        streamEnd: () => {
          if (this.#parser === parser) events.streamEnd();
        },
        error: (error) => {
          if (this.#parser === parser) events.error(error.condition, error.text);
          else this.#stale();
        },
      },
      { maxStanzaSize: this.#options.stanzaSizeLimit, namespaces: [this.#options.namespace] },
    );
    this.#parser = parser;
  }

  /** Plaintext that arrived behind `<starttls/>`: an injection attempt or a broken client. */
  #stale(): void {
    if (this.#socket.destroyed) return;
    this.#context.log(
      "warn",
      "connection (%s) sent data after <starttls/>; dropping it",
      this.#raw.remoteAddress,
    );
    this.#events.stale();
    this.#socket.destroy();
  }
}
