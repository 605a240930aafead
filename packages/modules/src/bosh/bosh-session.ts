import type { ServerResponse } from "node:http";
import type { Element, Module } from "canto";
import { ClientStream, type ClientStreamContext } from "../stream/client-stream.js";
import type { Timer } from "../stream/stream-core.js";
import { type BoshRequest, bodyXml, NS_XBOSH, serializeOut, terminateXml } from "./bosh-body.js";
import type { BoshOptions } from "./bosh-options.js";

/** What a session needs from the bosh module that owns it. */
export interface BoshContext extends ClientStreamContext {
  readonly options: BoshOptions;
  forget(session: BoshSession): void;
  /** No more requests reach this session by its `sid` (it ended, or was taken over). */
  release(session: BoshSession): void;
}

/** What the session creation request asked for, once checked. */
export interface BoshCreation {
  rid: number;
  /** Seconds a request may be held, already capped by `bosh_max_wait`. */
  wait: number;
  /** Requests held at most, already capped by `bosh_max_requests - 1`. */
  hold: number;
  /** The client asked for acknowledgements (XEP-0124 §9). */
  ack: boolean;
  sid: string;
  /** The client's `ver`, if it gave one. */
  ver: string | undefined;
}

/** The BOSH version we speak; a client's older one is answered with its own (XEP-0124 §7.1). */
const VERSION = [1, 11];

function agreedVersion(client: string | undefined): string {
  const match = client === undefined ? null : /^(\d{1,3})\.(\d{1,3})$/.exec(client);
  if (match === null) return VERSION.join(".");
  const major = Number(match[1]);
  const minor = Number(match[2]);
  const older = major < VERSION[0]! || (major === VERSION[0] && minor < VERSION[1]!);
  return older ? `${major}.${minor}` : VERSION.join(".");
}

/** A request the session holds open, to answer when it has something to say (or `wait` passed). */
interface Held {
  response: ServerResponse;
  rid: number;
  timer: Timer | undefined;
}

/** Sends a body as the answer to one request. */
export function sendXml(response: ServerResponse, xml: string, status = 200): void {
  if (response.writableEnded || response.destroyed) return;
  response.statusCode = status;
  response.setHeader("Content-Type", "text/xml; charset=utf-8");
  response.setHeader("Content-Length", Buffer.byteLength(xml));
  response.end(xml);
}

/** The largest `rid` a client may start with leaves room for 2^20 requests below 2^53 (XEP-0124 §14.1). */
const MAX_RID = 2 ** 53 - 1;

/** A `rid` attribute as a number, if it is one. */
export function parseRid(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,16}$/.test(value)) return undefined;
  const rid = Number(value);
  return rid <= MAX_RID ? rid : undefined;
}

/**
 * One XMPP session over BOSH (XEP-0124, XEP-0206): the client stream on a framing of HTTP
 * requests, where each request's `<body/>` carries the client's elements and each response
 * carries what the server had for it. The "connection" of the stream is the BOSH session: it is
 * open while the client keeps requests coming, and drops (hibernating if stream management keeps
 * it) once none was held for the inactivity limit.
 */
export class BoshSession extends ClientStream {
  /** BOSH offers no STARTTLS: encryption is the HTTP connection's (or a proxy's). */
  readonly canStartTls = false;
  readonly sid: string;
  readonly #bosh: BoshContext;
  readonly #options: BoshOptions;
  readonly #wait: number;
  readonly #hold: number;
  readonly #ack: boolean;
  readonly #ver: string;
  /** The last request processed, in order. */
  #rid: number;
  /** The highest `rid` received. */
  #highest: number;
  readonly #held: Held[] = [];
  /** Elements for the next response, serialised. */
  #queue: string[] = [];
  /** The last responses sent, by `rid`, to answer a repeated request the same (XEP-0124 §14.3). */
  readonly #responses = new Map<number, string>();
  /** Requests that arrived ahead of a missing one, by `rid`, processed once the gap fills. */
  readonly #early = new Map<number, { request: BoshRequest; response: ServerResponse }>();
  /** A request is being processed: what it causes goes out together once it is done. */
  #processing = false;
  /** The creation response's attributes, until a response carries them. */
  #creation: Record<string, string | undefined> | undefined;
  #created = false;
  /** When the last held request was answered (or the last request came). */
  #lastSeen: number;
  /** Extra quiet seconds a `pause` allows beyond the inactivity limit, until the next request. */
  #paused = 0;
  /** The stream ended: its terminating body, for a request that comes after it. */
  #final: string | undefined;
  /** The BOSH condition to terminate with (a binding error of the client's). */
  #condition: string | undefined;
  #gonePromise!: () => void;
  /** Settles once the session is over for good (after hibernation, if it hibernated). */
  readonly done = new Promise<void>((resolve) => {
    this.#gonePromise = resolve;
  });

  constructor(context: BoshContext, ip: string, secure: boolean, creation: BoshCreation) {
    super(context, ip, secure);
    this.#bosh = context;
    this.#options = context.options;
    this.sid = creation.sid;
    this.#wait = creation.wait;
    this.#hold = creation.hold;
    this.#ack = creation.ack;
    this.#ver = agreedVersion(creation.ver);
    this.#rid = creation.rid;
    this.#highest = creation.rid;
    this.#lastSeen = context.now();
  }

  /** The session creation request (XEP-0124 §7.1, XEP-0206 §3): answered with the features. */
  create(request: BoshRequest, response: ServerResponse): void {
    const { attrs } = request;
    this.#keep(response, this.#rid);
    this.#processing = true;
    try {
      this.open(
        {
          to: attrs.to,
          from: attrs.from,
          "xml:lang": attrs["xml:lang"],
          version: attrs["xmpp:version"] ?? "1.0",
        },
        "1.x",
        "the session creation request",
      );
    } finally {
      this.#processing = false;
    }
    this.#flush();
  }

  /** A request naming this session's `sid`. */
  handle(request: BoshRequest, response: ServerResponse): void {
    if (this.#final !== undefined) {
      sendXml(response, this.#final);
      this.#bosh.release(this);
      return;
    }
    const rid = parseRid(request.attrs.rid);
    if (rid === undefined) {
      this.#terminate("bad-request", response, 400);
      return;
    }
    const diff = rid - this.#rid;
    if (diff <= 0) {
      const previous = this.#responses.get(rid);
      if (previous !== undefined) {
        sendXml(response, previous);
      } else if (this.#held.some((held) => held.rid === rid)) {
        // The same request again while the first is held: it stands for the first (whose
        // connection the client probably lost); its payload was processed already.
        this.#keep(response, rid);
        this.#flush();
      } else {
        this.#terminate("item-not-found", response);
      }
      return;
    }
    if (diff > this.#hold + 1) {
      this.#terminate("item-not-found", response);
      return;
    }
    this.#highest = Math.max(this.#highest, rid);
    if (diff > 1) {
      this.#early.set(rid, { request, response });
      return;
    }
    this.#process(rid, request, response);
    for (
      let next = this.#early.get(this.#rid + 1);
      next !== undefined;
      next = this.#early.get(this.#rid + 1)
    ) {
      this.#early.delete(this.#rid + 1);
      this.#process(this.#rid + 1, next.request, next.response);
    }
  }

  startTls(): Promise<void> {
    return Promise.reject(new Error(`session ${this.id} is a BOSH session: STARTTLS does not apply`));
  }

  protected write(data: Element | string): boolean {
    if (this.#final !== undefined) return false;
    if (typeof data === "string") {
      // Whitespace keepalives mean nothing here: an empty response is BOSH's keepalive.
      if (data.trim() === "") return true;
      this.#queue.push(data);
    } else {
      this.#queue.push(serializeOut(data));
    }
    this.#flush();
    return true;
  }

  protected writeOpen(domain: string): void {
    if (this.#created) return;
    this.#created = true;
    // XEP-0124 §7.1 and XEP-0206 §3: what the session's first response tells the client.
    this.#creation = {
      sid: this.sid,
      wait: String(this.#wait),
      requests: String(this.#hold + 1),
      hold: String(this.#hold),
      inactivity: String(this.#options.maxInactivity),
      polling: String(this.#options.maxPolling),
      maxpause: this.#options.maxPause > 0 ? String(this.#options.maxPause) : undefined,
      ver: this.#ver,
      from: domain,
      authid: this.sid,
      secure: "true",
      ack: this.#ack ? String(this.#rid) : undefined,
      "xmlns:xmpp": NS_XBOSH,
      "xmpp:version": "1.0",
      "xmpp:restartlogic": "true",
    };
  }

  protected endStream(error: Element | undefined): void {
    if (this.#final !== undefined) return;
    const condition = this.#condition ?? (error === undefined ? undefined : "remote-stream-error");
    const content = this.#queue.join("") + (error === undefined ? "" : serializeOut(error));
    this.#queue = [];
    this.#end(terminateXml(condition, content), terminateXml(condition));
  }

  protected cut(): void {
    if (this.#final === undefined) this.#end(terminateXml(this.#condition), terminateXml(this.#condition));
  }

  protected detach(): void {
    // Requests naming this sid are no longer this session's: it runs on another connection now.
    this.#bosh.release(this);
    this.#early.clear();
  }

  protected override forgotten(): void {
    this.#gonePromise();
  }

  protected quietFor(): number {
    if (this.#held.length > 0) return 0;
    return this.context.now() - this.#lastSeen - this.#paused;
  }

  /** No request was held for the inactivity limit: the session's "connection" is gone. */
  protected keepalive(): number | undefined {
    this.context.log("debug", "BOSH session %s (%s) inactive too long", this.sid, this.ip);
    this.#final = terminateXml("item-not-found");
    this.#bosh.release(this);
    this.connectionGone();
    return undefined;
  }

  protected admit(host: Module, element: Element | undefined): boolean {
    return this.encryptedAtOpen(
      host,
      element,
      "use https://, or set consider_bosh_secure behind a TLS proxy",
    );
  }

  #process(rid: number, request: BoshRequest, response: ServerResponse): void {
    const { attrs, payload } = request;
    this.#rid = rid;
    this.#paused = 0;
    this.#keep(response, rid);
    this.#processing = true;
    try {
      if (attrs["xmpp:restart"] === "true") {
        // XEP-0206 §5: the stream restart after SASL success, answered with the new features.
        this.resetStream();
        this.open(
          {
            to: attrs.to ?? this.host,
            from: attrs.from,
            "xml:lang": attrs["xml:lang"] ?? this.lang,
            version: "1.0",
          },
          "1.x",
          "the restart request",
        );
      } else {
        for (const element of payload) this.element(element);
      }
      if (attrs.type === "terminate") this.peerClosed();
      else if (attrs.pause !== undefined) this.#pause(attrs.pause);
    } finally {
      this.#processing = false;
    }
    this.#flush();
  }

  /** XEP-0124 §10: the client will be away for up to `pause` seconds; every held request returns. */
  #pause(value: string): void {
    const seconds = Number(value);
    if (!Number.isInteger(seconds) || seconds < 0 || this.#options.maxPause === 0) return;
    this.#paused = Math.max(0, Math.min(seconds, this.#options.maxPause) - this.#options.maxInactivity);
    for (const held of [...this.#held]) this.#answer(held, "");
  }

  /** Holds a request until there is something to send, `wait` passes, or more than `hold` are held. */
  #keep(response: ServerResponse, rid: number): void {
    const held: Held = { response, rid, timer: undefined };
    held.timer = this.context.addTimer(this.#wait, () => {
      held.timer = undefined;
      if (this.#held.includes(held)) this.#answer(held, "");
      return undefined;
    });
    this.#held.push(held);
    response.once("close", () => {
      // The client gave up on it before we answered.
      const at = this.#held.indexOf(held);
      if (at < 0) return;
      this.#held.splice(at, 1);
      held.timer?.stop();
      if (this.#held.length === 0) this.#lastSeen = this.context.now();
    });
  }

  #flush(): void {
    if (this.#processing || this.#final !== undefined) return;
    while (this.#held.length > this.#hold) this.#answer(this.#held[0]!, this.#take());
    if (this.#queue.length > 0 && this.#held.length > 0) this.#answer(this.#held[0]!, this.#take());
  }

  #take(): string {
    const content = this.#queue.join("");
    this.#queue = [];
    return content;
  }

  #answer(held: Held, content: string): void {
    const at = this.#held.indexOf(held);
    if (at >= 0) this.#held.splice(at, 1);
    held.timer?.stop();
    const attrs: Record<string, string | undefined> = this.#creation ?? {};
    this.#creation = undefined;
    // XEP-0124 §9.2: a response to an older request tells the client how far we have read.
    if (this.#ack && held.rid < this.#highest && attrs.ack === undefined) attrs.ack = String(this.#highest);
    const xml = bodyXml(attrs, content);
    this.#responses.set(held.rid, xml);
    for (const rid of this.#responses.keys()) {
      if (rid <= this.#rid - this.#hold - 1) this.#responses.delete(rid);
    }
    if (this.#held.length === 0) this.#lastSeen = this.context.now();
    sendXml(held.response, xml);
  }

  /** A binding error of the client's (XEP-0124 §17): the request gets the condition, the session ends. */
  #terminate(condition: string, response: ServerResponse, status = 200): void {
    this.context.log("debug", "BOSH session %s (%s): %s", this.sid, this.ip, condition);
    sendXml(response, terminateXml(condition), status);
    this.#condition = condition;
    this.context.server.sessionManager.destroy(this.current, undefined);
  }

  /** The stream is over: the oldest held request gets `first`, the others `rest`; then the session goes. */
  #end(first: string, rest: string): void {
    this.#final = rest;
    for (const timer of this.#held.map((held) => held.timer)) timer?.stop();
    const held = this.#held.splice(0);
    this.#early.clear();
    held.forEach((request, index) => {
      sendXml(request.response, index === 0 ? first : rest);
    });
    // Nobody was there to read the end: the next request gets it (else the sid is forgotten).
    if (held.length === 0) {
      this.#final = first;
      this.context.addTimer(this.#options.maxInactivity, () => {
        this.#bosh.release(this);
        return undefined;
      });
    } else {
      this.#bosh.release(this);
    }
    // As a socket's close event would, after the close sequence is out.
    queueMicrotask(() => this.connectionGone());
  }
}
