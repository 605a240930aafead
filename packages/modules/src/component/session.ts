import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import { clone, domainOf, type Element, NS, stanza } from "canto";
import { type StreamContext, XmppStream } from "../stream/stream-core.js";
import { isRefusal, readStreamHeader, streamHeader } from "../stream/stream-header.js";
import { TcpFraming } from "../stream/tcp-framing.js";
import type { ComponentListenerOptions } from "./options.js";

export const NS_COMPONENT = NS.component;
const STANZAS = new Set(["message", "presence", "iq"]);

/** What a connection needs from the component module that owns it. */
export interface ComponentContext extends StreamContext {
  readonly options: ComponentListenerOptions;
  /** Whether `host` is a component this listener serves. */
  serves(host: string): boolean;
  /** The configured secret of a served host, if it has one. */
  secretOf(host: string): string | undefined;
  /** Whether stanzas from `host`'s component must come from its domain. */
  validatesFrom(host: string): boolean;
  /** The handshake was right: make the session the host's component, or say why not. */
  attach(session: ComponentSession): { condition: stanza.StreamErrorCondition; text: string } | undefined;
  /** The connection is gone: stop tracking it. */
  forget(session: ComponentSession): void;
}

/** The XEP-0114 handshake value: hex SHA-1 of the stream id followed by the secret. */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash("sha1")
    .update(streamId + secret, "utf8")
    .digest("hex");
}

/**
 * One external component connection (XEP-0114, `jabber:component:accept`): the component role on
 * a TCP framing. It answers the stream header with a stream id, checks the handshake, then hands
 * the component's stanzas to the router as a session of type `component`.
 */
export class ComponentSession extends XmppStream {
  /** The id of our stream header, which the handshake hashes. */
  readonly streamId: string;
  readonly #component: ComponentContext;
  readonly #tcp: TcpFraming;
  #headerSent = false;
  #peerVersion: string | undefined;
  #closed = false;
  #forgotten = false;

  constructor(context: ComponentContext, socket: Socket) {
    super(context, socket.remoteAddress ?? "unknown", "component_unauthed", 6);
    this.#component = context;
    this.streamId = randomBytes(12).toString("hex");
    const { stanzaSizeLimit, closeTimeout } = context.options;
    this.#tcp = new TcpFraming(
      context,
      socket,
      { namespace: NS_COMPONENT, stanzaSizeLimit, closeTimeout },
      {
        streamStart: (attrs) => this.#streamStart(attrs),
        element: (element) => this.#element(element),
        streamEnd: () => this.close(),
        error: (condition, text) => this.fail(condition, text),
        gone: () => this.#gone(),
        stale: () => this.#gone(),
      },
    );
    this.deadline(
      context.options.handshakeTimeout,
      () => this.type === "component",
      "handshake not completed in time",
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Settles once what `close()` wrote has been handed to the OS (or the socket is gone). */
  get flushed(): Promise<void> {
    return this.#tcp.flushed;
  }

  /** Writes a stanza to the component, in the stream's default namespace. */
  send(element: Element): boolean {
    const xmlns = element.attrs.xmlns as string | undefined;
    let out = element;
    if (xmlns === "jabber:client" || xmlns === "jabber:server" || xmlns === NS_COMPONENT) {
      // The element may be shared with other recipients: change a copy.
      out = clone(element);
      delete out.attrs.xmlns;
    }
    return !this.#closed && this.#tcp.write(out.toString());
  }

  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.stopTimers();
    let out = this.#headerSent ? "" : this.#header();
    if (reason !== undefined) {
      const error = this.streamError(reason);
      // The stream header declares the prefix: the element needs no declaration of its own.
      delete error.attrs["xmlns:stream"];
      out += error.toString();
    }
    this.#tcp.end(`${out}</stream:stream>`);
  }

  /** Cuts the connection at once. */
  destroy(): void {
    this.#tcp.cut();
  }

  #gone(): void {
    if (this.#forgotten) return;
    this.#forgotten = true;
    this.#closed = true;
    this.stopTimers();
    this.#component.forget(this);
  }

  #header(): string {
    this.#headerSent = true;
    // As Prosody: a version only for a peer that sent one.
    return streamHeader({
      ns: NS_COMPONENT,
      id: this.streamId,
      from: this.host === "" ? undefined : this.host,
      version: this.#peerVersion !== undefined,
      lang: false,
    });
  }

  #streamStart(attrs: Record<string, string>): void {
    if (this.#headerSent) {
      this.fail("not-authorized", "a component stream cannot be restarted");
      return;
    }
    this.#peerVersion = attrs.version;
    const header = readStreamHeader(attrs, "optional", "the stream header");
    if (isRefusal(header)) {
      // A `to` that is there but names no component is an unknown host, as in Prosody.
      if (attrs.to === undefined || attrs.to === "") this.fail(header.condition, header.text);
      else this.fail("host-unknown", `${attrs.to} does not match any configured external component`);
      return;
    }
    if (!this.#component.serves(header.domain)) {
      this.fail("host-unknown", `${attrs.to} does not match any configured external component`);
      return;
    }
    this.host = header.domain;
    this.#tcp.write(this.#header());
  }

  #element(element: Element): void {
    if (this.#closed) return;
    if (element.is("error", NS.streams)) {
      this.peerStreamError(element);
      return;
    }
    const xmlns = element.attrs.xmlns as string | undefined;
    const plain = xmlns === undefined || xmlns === "jabber:client" || xmlns === NS_COMPONENT;
    if (element.name === "handshake" && plain) {
      this.#handshake(element);
      return;
    }
    if (this.type === "component" && plain && STANZAS.has(element.name) && !this.#addressed(element)) return;
    // Everything else (before the handshake, or not a stanza) gets the router's verdict.
    this.route(element);
  }

  /** The component's own addressing rules; false when the stanza was answered or the stream failed. */
  #addressed(element: Element): boolean {
    const attrs = element.attrs as Record<string, string | undefined>;
    if (attrs.xmlns !== undefined) delete attrs.xmlns;
    const from = attrs.from;
    if (from === undefined || from === "") attrs.from = this.host;
    else if (this.#component.validatesFrom(this.host) && domainOf(from).toLowerCase() !== this.host) {
      this.fail("invalid-from", `the component may only send from addresses at ${this.host}, not ${from}`);
      return false;
    }
    if (attrs.to === undefined || attrs.to === "") {
      const type = attrs.type;
      if (type !== "error" && type !== "result") {
        this.send(
          stanza.errorReply(element, "modify", "bad-request", "Components must address their stanzas ('to')"),
        );
      }
      return false;
    }
    return true;
  }

  #handshake(element: Element): void {
    if (this.type === "component") {
      this.fail("not-authorized", "the handshake was already completed");
      return;
    }
    if (this.host === "") {
      this.fail("not-authorized", "open a stream before the handshake");
      return;
    }
    const secret = this.#component.secretOf(this.host);
    if (secret === undefined) {
      this.context.log("warn", "component %s tried to connect, but it has no component_secret", this.host);
      this.fail("not-authorized", "component authentication is not configured");
      return;
    }
    const given =
      element.getChildElements().length > 0 ? undefined : Buffer.from(element.getText().trim().toLowerCase());
    const expected = Buffer.from(handshakeDigest(this.streamId, secret));
    if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.context.log("info", "component %s (%s) failed the handshake", this.host, this.ip);
      this.fail("not-authorized", "the handshake does not match the secret");
      return;
    }
    const refused = this.#component.attach(this);
    if (refused !== undefined) {
      this.fail(refused.condition, refused.text);
      return;
    }
    this.stopTimers();
    this.type = "component";
    this.#tcp.write("<handshake/>");
  }
}
