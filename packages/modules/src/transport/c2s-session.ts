import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import type { Element, Module } from "canto";
import { NS } from "../shared/contracts.js";
import { ClientStream, type ClientStreamContext } from "../stream/client-stream.js";
import { streamHeader } from "../stream/stream-header.js";
import { TcpFraming } from "../stream/tcp-framing.js";
import type { C2sOptions } from "./c2s-options.js";

/** What a connection needs from the c2s module that owns it. */
export interface TransportContext extends ClientStreamContext {
  readonly options: C2sOptions;
  secureContextFor(host: string): SecureContext | undefined;
  forget(session: StreamSession): void;
}

/**
 * One client connection over TCP (RFC 6120): the client stream on a TCP framing, with STARTTLS
 * and XEP-0368 direct TLS. Header, footer and whitespace keepalives are this framing's.
 */
export class StreamSession extends ClientStream {
  readonly directTls: boolean;
  readonly #tcp: TcpFraming;
  readonly #secureContextFor: (host: string) => SecureContext | undefined;
  /** Our stream header went out for the current stream (also as the prefix of a refusal). */
  #headerSent = false;

  constructor(context: TransportContext, socket: Socket, directTls: boolean, raw: Socket = socket) {
    super(context, raw.remoteAddress ?? "unknown", directTls);
    this.directTls = directTls;
    this.#secureContextFor = (host) => context.secureContextFor(host);
    const { stanzaSizeLimit, closeTimeout, rateLimit } = context.options;
    this.#tcp = new TcpFraming(
      context,
      socket,
      { namespace: NS.client, stanzaSizeLimit, closeTimeout, rateLimit },
      {
        streamStart: (attrs) => this.open(attrs, "1.x", "the stream header"),
        element: (element) => this.element(element),
        streamEnd: () => this.peerClosed(),
        error: (condition, text) => this.fail(condition, text),
        gone: () => this.connectionGone(),
        stale: () => this.abort(),
      },
      raw,
    );
  }

  /** Settles once what `close()` wrote has been handed to the OS (or the socket is gone). */
  get flushed(): Promise<void> {
    return this.#tcp.flushed;
  }

  get canStartTls(): boolean {
    return (
      !this.secure && !this.#tcp.tlsPending && !this.closed && this.#secureContextFor(this.host) !== undefined
    );
  }

  /** The socket the stream is read from (the TLS socket once encrypted). */
  get socket(): Socket | undefined {
    const carrier = this.carrier;
    return carrier === undefined
      ? this.#tcp.socket
      : carrier instanceof StreamSession
        ? carrier.socket
        : undefined;
  }

  override resetStream(): void {
    super.resetStream();
    this.#headerSent = false;
    this.#tcp.restart();
  }

  async startTls(): Promise<void> {
    const secureContext = this.#secureContextFor(this.host);
    if (this.secure || this.closed || secureContext === undefined) {
      throw new Error(
        `session ${this.id} cannot start TLS (secure: ${this.secure}, certificate: ${secureContext !== undefined})`,
      );
    }
    this.#headerSent = false;
    this.opened = false;
    await this.#tcp.startTls(secureContext, () => {
      this.secure = true;
    });
  }

  protected write(data: Element | string): boolean {
    return this.#tcp.write(typeof data === "string" ? data : data.toString());
  }

  protected detach(): void {
    this.#tcp.detach();
  }

  protected cut(): void {
    this.#tcp.cut();
  }

  protected quietFor(): number {
    return this.context.now() - this.#tcp.lastRead;
  }

  protected writeOpen(domain: string): void {
    this.write(this.#header(domain));
  }

  protected endStream(error: Element | undefined): void {
    let out = this.#headerSent ? "" : this.#header(this.host === "" ? undefined : this.host);
    if (error !== undefined) {
      // The stream header declares the prefix: the element needs no declaration of its own.
      delete error.attrs["xmlns:stream"];
      out += error.toString();
    }
    this.#tcp.end(`${out}</stream:stream>`);
  }

  protected keepalive(): number | undefined {
    if (!this.readTimeout()) {
      if (!this.#headerSent) {
        this.fail("connection-timeout", "no stream opened");
        return undefined;
      }
      // A whitespace keepalive: a dead peer makes the write fail and the socket close.
      this.output(" ");
    }
    return this.client.options.idleTimeout;
  }

  protected admit(host: Module, element: Element | undefined): boolean {
    if (element === undefined) return true;
    const isStartTls = element.is("starttls", NS.tls);
    if (
      !this.secure &&
      !isStartTls &&
      this.#secureContextFor(this.host) !== undefined &&
      host.getOptionBoolean("c2s_require_encryption", true)
    ) {
      this.fail("policy-violation", "encryption is required: negotiate STARTTLS first");
      return false;
    }
    // Whatever follows <starttls/> in plaintext must never be read.
    if (isStartTls) this.#tcp.seal();
    return true;
  }

  #header(from: string | undefined): string {
    this.#headerSent = true;
    return streamHeader({
      ns: NS.client,
      id: randomBytes(12).toString("base64url"),
      from,
      to: this.streamFrom,
    });
  }
}
