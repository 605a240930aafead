import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import {
  clone,
  type Element,
  type Module,
  parseJid,
  type Runtime,
  type Session,
  type SessionType,
  StreamParser,
  stanza,
} from "canto";
import { parseReason } from "../shared/client-session.js";
import type { ComponentListenerOptions } from "./options.js";

type Timer = ReturnType<Module["addTimer"]>;

export const NS_COMPONENT = "jabber:component:accept";
const NS_STREAMS = "http://etherx.jabber.org/streams";
const STANZAS = new Set(["message", "presence", "iq"]);

/** What a connection needs from the component module that owns it. */
export interface ComponentContext {
  readonly options: ComponentListenerOptions;
  readonly server: Runtime;
  /** Whether `host` is a component this listener serves. */
  serves(host: string): boolean;
  /** The configured secret of a served host, if it has one. */
  secretOf(host: string): string | undefined;
  /** Whether stanzas from `host`'s component must come from its domain. */
  validatesFrom(host: string): boolean;
  /** The handshake was right: make the session the host's component, or say why not. */
  attach(session: ComponentSession): { condition: stanza.StreamErrorCondition; text: string } | undefined;
  addTimer(delay: number, callback: () => number | undefined): Timer;
  log(level: string, fmt: string, ...args: unknown[]): void;
  /** The connection is gone: stop tracking it. */
  forget(session: ComponentSession): void;
}

const escapeAttr = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );

/** The XEP-0114 handshake value: hex SHA-1 of the stream id followed by the secret. */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash("sha1")
    .update(streamId + secret, "utf8")
    .digest("hex");
}

function domainOf(jid: string): string | undefined {
  try {
    return parseJid(jid).domain;
  } catch {
    return undefined;
  }
}

/**
 * One external component connection (XEP-0114, `jabber:component:accept`): answers the stream
 * header with a stream id, checks the handshake, then hands the component's stanzas to the router
 * as a session of type `component`.
 */
export class ComponentSession implements Session {
  type: SessionType = "component_unauthed";
  host = "";
  queueTail: Promise<void> | undefined;
  /** Connection id, for logs. */
  readonly id = randomBytes(6).toString("hex");
  /** The id of our stream header, which the handshake hashes. */
  readonly streamId = randomBytes(12).toString("hex");
  readonly ip: string;
  /** Settles once what `close()` wrote has been handed to the OS (or the socket is gone). */
  flushed: Promise<void> = Promise.resolve();

  readonly #context: ComponentContext;
  readonly #socket: Socket;
  readonly #parser: StreamParser;
  #headerSent = false;
  #peerVersion: string | undefined;
  #closed = false;
  #forgotten = false;
  readonly #timers: Timer[] = [];

  constructor(context: ComponentContext, socket: Socket) {
    this.#context = context;
    this.#socket = socket;
    this.ip = socket.remoteAddress ?? "unknown";
    this.#parser = new StreamParser(
      {
        streamStart: (attrs) => this.#streamStart(attrs),
        stanza: (element) => this.#element(element),
        streamEnd: () => this.close(),
        error: (error) => this.#fail(error.condition, error.text),
      },
      { maxStanzaSize: context.options.stanzaSizeLimit, namespaces: [NS_COMPONENT] },
    );
    socket.on("data", (chunk: Buffer) => {
      try {
        this.#parser.write(chunk);
      } catch (error) {
        context.log("error", "error while handling input of component connection %s: %s", this.id, error);
        this.#fail("internal-server-error");
      }
    });
    socket.on("error", (error: Error) =>
      context.log("debug", "component connection %s (%s) error: %s", this.id, this.ip, error.message),
    );
    socket.once("close", () => this.#gone());
    this.#timers.push(
      context.addTimer(context.options.handshakeTimeout, () => {
        if (this.type !== "component") this.#fail("connection-timeout", "handshake not completed in time");
        return undefined;
      }),
    );
  }

  get closed(): boolean {
    return this.#closed;
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
    return this.#write(out.toString());
  }

  close(reason?: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers.splice(0)) timer.stop();
    let out = this.#headerSent ? "" : this.#header();
    if (reason !== undefined) {
      const { condition, text } = parseReason(reason);
      this.#context.log(
        "debug",
        "closing component connection %s (%s) with %s: %s",
        this.id,
        this.ip,
        condition,
        text ?? "",
      );
      const error = stanza.streamError(condition, text);
      // The stream header declares the prefix: the element needs no declaration of its own.
      delete error.attrs["xmlns:stream"];
      out += error.toString();
    }
    out += "</stream:stream>";
    const socket = this.#socket;
    if (socket.writable) {
      this.flushed = new Promise((resolve) => {
        socket.once("finish", resolve);
        socket.once("close", resolve);
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

  /** Cuts the connection at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  #fail(condition: stanza.StreamErrorCondition, text?: string): void {
    if (this.#closed) return;
    this.#context.server.sessionManager.destroy(this, condition, text);
  }

  #gone(): void {
    if (this.#forgotten) return;
    this.#forgotten = true;
    this.#closed = true;
    for (const timer of this.#timers.splice(0)) timer.stop();
    this.#context.forget(this);
  }

  #write(data: string): boolean {
    const socket = this.#socket;
    if (this.#closed || socket.destroyed || !socket.writable) return false;
    socket.write(data);
    return true;
  }

  #header(): string {
    let header = `<?xml version='1.0'?><stream:stream xmlns='${NS_COMPONENT}' xmlns:stream='${NS_STREAMS}' id='${this.streamId}'`;
    if (this.host !== "") header += ` from='${escapeAttr(this.host)}'`;
    // As Prosody: a version only for a peer that sent one.
    if (this.#peerVersion !== undefined) header += ` version='1.0'`;
    this.#headerSent = true;
    return `${header}>`;
  }

  #streamStart(attrs: Record<string, string>): void {
    if (this.#headerSent) {
      this.#fail("not-authorized", "a component stream cannot be restarted");
      return;
    }
    this.#peerVersion = attrs.version;
    const to = attrs.to;
    if (to === undefined || to === "") {
      this.#fail("improper-addressing", "the stream header needs a 'to' naming the component");
      return;
    }
    let domain: string | undefined;
    try {
      const jid = parseJid(to);
      if (jid.node === undefined && jid.resource === undefined) domain = jid.domain;
    } catch {
      // Not a JID at all: no component by that name either.
    }
    if (domain === undefined || !this.#context.serves(domain)) {
      this.#fail("host-unknown", `${to} does not match any configured external component`);
      return;
    }
    this.host = domain;
    this.#write(this.#header());
  }

  #element(element: Element): void {
    if (this.#closed) return;
    if (element.is("error", NS_STREAMS)) {
      this.#context.log(
        "info",
        "component %s (%s) sent a stream error: %s",
        this.host,
        this.id,
        element.toString(),
      );
      this.#context.server.sessionManager.destroy(this, undefined);
      return;
    }
    const xmlns = element.attrs.xmlns as string | undefined;
    if (element.name === "handshake" && (xmlns === undefined || xmlns === NS_COMPONENT)) {
      this.#handshake(element);
      return;
    }
    if (this.type !== "component") {
      this.#fail("not-authorized", "complete the handshake before sending stanzas");
      return;
    }
    const plain = xmlns === undefined || xmlns === "jabber:client" || xmlns === NS_COMPONENT;
    if (!plain || !STANZAS.has(element.name)) {
      this.#fail(
        "unsupported-stanza-type",
        `<${element.name}${xmlns === undefined ? "" : ` xmlns='${xmlns}'`}> is not a stanza of ${NS_COMPONENT}`,
      );
      return;
    }
    if (xmlns !== undefined) delete element.attrs.xmlns;
    const attrs = element.attrs as Record<string, string | undefined>;
    const from = attrs.from;
    if (from === undefined || from === "") attrs.from = this.host;
    else if (this.#context.validatesFrom(this.host) && domainOf(from) !== this.host) {
      this.#fail("invalid-from", `the component may only send from addresses at ${this.host}, not ${from}`);
      return;
    }
    if (attrs.to === undefined || attrs.to === "") {
      const type = attrs.type;
      if (type !== "error" && type !== "result") {
        this.send(
          stanza.errorReply(element, "modify", "bad-request", "Components must address their stanzas ('to')"),
        );
      }
      return;
    }
    let result: void | Promise<void>;
    try {
      result = this.#context.server.process(this, element);
    } catch (error) {
      this.#context.log("error", "error while processing a stanza from component %s: %s", this.host, error);
      return;
    }
    result?.catch((error: unknown) =>
      this.#context.log("error", "error while processing a stanza from component %s: %s", this.host, error),
    );
  }

  #handshake(element: Element): void {
    if (this.type === "component") {
      this.#fail("not-authorized", "the handshake was already completed");
      return;
    }
    if (this.host === "") {
      this.#fail("not-authorized", "open a stream before the handshake");
      return;
    }
    const secret = this.#context.secretOf(this.host);
    if (secret === undefined) {
      this.#context.log("warn", "component %s tried to connect, but it has no component_secret", this.host);
      this.#fail("not-authorized", "component authentication is not configured");
      return;
    }
    const given =
      element.getChildElements().length > 0 ? undefined : Buffer.from(element.getText().trim().toLowerCase());
    const expected = Buffer.from(handshakeDigest(this.streamId, secret));
    if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.#context.log("info", "component %s (%s) failed the handshake", this.host, this.ip);
      this.#fail("not-authorized", "the handshake does not match the secret");
      return;
    }
    const refused = this.#context.attach(this);
    if (refused !== undefined) {
      this.#fail(refused.condition, refused.text);
      return;
    }
    for (const timer of this.#timers.splice(0)) timer.stop();
    this.type = "component";
    this.#write("<handshake/>");
  }
}
