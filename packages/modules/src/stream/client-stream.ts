import { Element, isThenable, type Module } from "canto";
import type { C2sSession } from "../shared/contracts.js";
import { NS } from "../shared/contracts.js";
import { SessionLink } from "./session-link.js";
import { type StreamContext, XmppStream } from "./stream-core.js";
import { isRefusal, peerFrom, readStreamHeader, type VersionRule } from "./stream-header.js";

/** What a client stream needs from the transport module that owns it (c2s, websocket). */
export interface ClientStreamContext extends StreamContext {
  /** The transport's instance on a host it serves clients of; undefined for any other name. */
  hostModule(name: string): Module | undefined;
  readonly options: { readonly handshakeTimeout: number; readonly idleTimeout: number };
  /** The stream is over for good: stop tracking it. */
  forget(session: ClientStream): void;
}

/**
 * The client role (RFC 6120 c2s) on any framing: the stream header answered with features from
 * `stream-features`, authentication in time, idleness, every element to the router, and XEP-0198
 * resumption through a private `SessionLink`, across framings. A framing (TCP, WebSocket) says
 * how the header, features, stanzas and the close are put on its wire.
 */
export abstract class ClientStream extends XmppStream implements C2sSession {
  username: string | undefined;
  resource: string | undefined;
  fullJid: string | undefined;
  role: string | undefined;
  priority: number | undefined;
  secure: boolean;
  streamFrom: string | undefined;
  /** `xml:lang` of the client's stream header. */
  lang: string | undefined;
  readonly state = new Map<string, unknown>();
  abstract readonly canStartTls: boolean;
  /** Our answer to the current stream's header went out. */
  protected opened = false;
  protected readonly client: ClientStreamContext;
  readonly #link: SessionLink<ClientStream>;

  constructor(context: ClientStreamContext, ip: string, secure: boolean) {
    super(context, ip, "c2s_unauthed");
    this.client = context;
    this.secure = secure;
    this.#link = new SessionLink(this, context, {
      detach: () => this.detach(),
      shut: (reason) => {
        this.stopTimers();
        this.endStream(reason === undefined ? undefined : this.streamError(reason));
      },
      write: (data) => this.write(data),
      cut: () => this.cut(),
      forget: () => {
        context.forget(this);
        this.forgotten();
      },
    });
    const { handshakeTimeout, idleTimeout } = context.options;
    this.deadline(handshakeTimeout, () => this.type !== "c2s_unauthed", "not authenticated in time");
    this.timer(idleTimeout, () => this.#idle());
  }

  abstract startTls(): Promise<void>;
  /** Writes to this stream's own connection, serialised for its framing. */
  protected abstract write(data: Element | string): boolean;
  /** Stops reading: the connection's input is no longer this session's (it was taken over). */
  protected abstract detach(): void;
  /** Writes our answer to a stream header for `domain` (a stream header, or `<open/>`). */
  protected abstract writeOpen(domain: string): void;
  /** The close sequence on the wire: the stream error if any, the stream's end, the close. */
  protected abstract endStream(error: Element | undefined): void;
  /** Cuts the connection at once. */
  protected abstract cut(): void;
  /** Seconds since the connection last read anything. */
  protected abstract quietFor(): number;
  /** Nothing was read for the idle timeout: keep the connection alive, or end it; as `#idle`. */
  protected abstract keepalive(): number | undefined;
  /** Whether the stream may go on, given the host's policy (encryption); it fails it if not. */
  protected abstract admit(host: Module, element: Element | undefined): boolean;
  /**
   * `admit` for framings without STARTTLS (WebSocket, BOSH): an unencrypted stream is refused at
   * its open while the host requires encryption; `how` tells the client how to get it. Without
   * this, the client would get features offering nothing it could use.
   */
  protected encryptedAtOpen(host: Module, element: Element | undefined, how: string): boolean {
    if (element !== undefined || this.secure || !host.getOptionBoolean("c2s_require_encryption", true)) {
      return true;
    }
    this.fail("policy-violation", `encryption is required: ${how}`);
    return false;
  }

  /** The stream is over for good (after `forget`). */
  protected forgotten(): void {}

  get closed(): boolean {
    return this.#link.closed;
  }

  /** The connection dropped and a `c2s-disconnect` handler keeps the session bound for now. */
  get hibernating(): boolean {
    return this.#link.hibernating;
  }

  /** The session this connection's input belongs to: a resumed one, or its own. */
  protected override get current(): ClientStream {
    return this.#link.carried ?? this;
  }

  /** On a resumed session: the connection that now carries it. */
  protected get carrier(): ClientStream | undefined {
    return this.#link.carrier;
  }

  /**
   * Stream resumption (XEP-0198): this newly authenticated, unbound connection takes over
   * `previous`, a bound session of the same account, whatever its framing. From now on what this
   * connection reads is processed as `previous`'s and what `previous` sends is written here; the
   * session object, its binding and every module's state stay as they were. A connection
   * `previous` still had is replaced (a `conflict` stream error) without ending the session.
   * Throws, changing nothing, when the takeover is not allowed.
   */
  carry(previous: C2sSession): void {
    if (!(previous instanceof ClientStream) || previous === (this as ClientStream)) {
      throw new TypeError(`session ${this.id} can only take over another client session`);
    }
    if (this.#link.busy || this.fullJid !== undefined || this.type !== "c2s") {
      throw new Error(`session ${this.id} cannot take over a session (closed, bound or unauthenticated)`);
    }
    if (
      previous.fullJid === undefined ||
      previous.username !== this.username ||
      previous.host !== this.host
    ) {
      throw new Error(`session ${previous.id} is not a bound session of ${this.username}@${this.host}`);
    }
    this.#link.carry(previous.#link);
  }

  send(element: Element): boolean {
    return this.#link.write(element);
  }

  /** Writes to whichever connection the session runs on now (raw keepalives, features). */
  protected output(data: Element | string): boolean {
    return this.#link.write(data);
  }

  resetStream(): void {
    this.opened = false;
  }

  close(reason?: string): void {
    this.#link.close(reason);
  }

  /** Cuts the connection at once (unload, shutdown after the stream error was written). */
  destroy(): void {
    this.#link.destroy();
  }

  /** Ends the stream without its close sequence: the framing cuts the connection. */
  protected abort(): void {
    this.#link.abort();
    this.stopTimers();
  }

  /** A stream header (or `<open/>`) arrived: check it, answer it, offer the features. */
  protected open(
    attrs: Readonly<Record<string, string | undefined>>,
    version: VersionRule,
    what: string,
  ): void {
    this.lang = attrs["xml:lang"];
    this.streamFrom = peerFrom(attrs.from);
    const header = readStreamHeader(attrs, version, what);
    if (isRefusal(header)) {
      this.fail(header.condition, header.text);
      return;
    }
    const { domain } = header;
    const hostModule = this.client.hostModule(domain);
    if (hostModule === undefined) {
      this.fail("host-unknown", `this server does not serve ${domain}`);
      return;
    }
    if (this.host !== "" && this.host !== domain && this.type !== "c2s_unauthed") {
      this.fail("not-authorized", "a restarted stream must address the same host");
      return;
    }
    if (!this.admit(hostModule, undefined)) return;
    this.host = domain;
    this.writeOpen(domain);
    this.opened = true;
    const features = new Element("stream:features");
    const fired = hostModule.fireEvent("stream-features", { origin: this, features });
    if (!isThenable(fired)) {
      this.output(features);
      return;
    }
    fired.then(
      () => this.output(features),
      (error: unknown) => {
        this.context.log("error", "stream-features failed for %s: %s", this.id, error);
        this.fail("internal-server-error");
      },
    );
  }

  /** One element of the client's stream, for the router. */
  protected element(element: Element): void {
    if (this.closed) return;
    if (element.is("error", NS.streams)) {
      this.peerStreamError(element);
      return;
    }
    const hostModule = this.client.hostModule(this.host);
    if (this.context.server.host(this.host) === undefined || hostModule === undefined) {
      this.fail("host-gone", `${this.host} is no longer served`);
      return;
    }
    if (this.admit(hostModule, element)) this.route(element);
  }

  /** The client ended its stream: the session ends now, cleanly (it does not hibernate). */
  protected peerClosed(): void {
    this.context.server.sessionManager.destroy(this.current, undefined);
  }

  /** The connection closed or was cut. `broken`: it failed first, so it cannot be resumed. */
  protected connectionGone(broken = false): void {
    const link = this.#link;
    if (link.forgotten) return;
    this.stopTimers();
    link.dropped(link.closed || broken);
  }

  /** What a `c2s-read-timeout` handler (smacks' `<r/>`) makes of an idle connection. */
  protected readTimeout(): boolean {
    const handled = this.client
      .hostModule(this.host)
      ?.fireEvent("c2s-read-timeout", { session: this.current });
    return handled !== undefined;
  }

  #idle(): number | undefined {
    if (this.closed) return undefined;
    const idleTimeout = this.client.options.idleTimeout;
    const quiet = this.quietFor();
    if (quiet < idleTimeout) return idleTimeout - quiet;
    return this.keepalive();
  }
}
