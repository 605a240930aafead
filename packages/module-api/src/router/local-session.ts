import { type Element, parseJid } from "@canto/stanza";
import type { Session, SessionType } from "./session.js";
import type { SessionManager } from "./session-manager.js";
import type { SessionRegistry } from "./sessions.js";

/** The part of a server a local session talks to. */
export interface LocalSessionServer {
  readonly sessions: SessionRegistry;
  readonly sessionManager: SessionManager;
  process(origin: Session, stanza: Element): void | Promise<void>;
}

/**
 * An in-process client session: no socket, no stream. It is authenticated and bound as the JID it
 * is given, sends stanzas through the router as a client would, and keeps what it receives. Tests
 * and benchmarks drive modules with it.
 */
export class LocalSession implements Session {
  type: SessionType = "c2s_unauthed";
  host: string;
  username: string | undefined;
  resource: string | undefined;
  fullJid: string | undefined;
  role: string | undefined;
  priority: number | undefined;
  queueTail: Promise<void> | undefined;
  /** Stanzas delivered to this session, oldest first. */
  readonly received: Element[] = [];
  /** Called for each delivered stanza (after it is recorded). */
  onStanza: ((stanza: Element) => void) | undefined;
  /** Keep received stanzas in `received` (turn off for benchmarks). */
  record = true;
  /** Why the session ended, once it has. */
  closed: string | undefined;

  readonly #server: LocalSessionServer;
  readonly #waiters: ((stanza: Element) => void)[] = [];

  constructor(server: LocalSessionServer, jid: string, options: { role?: string; priority?: number } = {}) {
    const { node, domain, resource } = parseJid(jid);
    if (node === undefined) throw new TypeError(`a local session needs a user JID, got ${jid}`);
    this.#server = server;
    this.host = domain;
    this.priority = options.priority;
    // Through the session manager, so authentication-success and resource-bind fire as for a client.
    server.sessionManager.authenticate(this, node, options.role);
    server.sessionManager.bind(this, resource ?? `local-${Math.random().toString(36).slice(2, 10)}`);
  }

  /** Delivers a stanza to this session (the router calls this). */
  send(stanza: Element): boolean {
    if (this.record) this.received.push(stanza);
    this.onStanza?.(stanza);
    this.#waiters.shift()?.(stanza);
    return true;
  }

  /** Sends a stanza from this session into the server, as a client would. */
  process(stanza: Element): void | Promise<void> {
    return this.#server.process(this, stanza);
  }

  /** The next stanza delivered to this session. */
  next(): Promise<Element> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /**
   * Ends the session as a disconnect would: it is unbound and `resource-unbind` fires. The server
   * calls this too (with a stream error condition) when it ends the session.
   */
  close(reason = "closed"): void {
    this.closed ??= reason;
    if (this.fullJid !== undefined && this.#server.sessions.full(this.fullJid) === this) {
      this.#server.sessionManager.destroy(this, reason === "closed" ? undefined : reason);
    }
  }
}
