import { type Element, parseJid } from "@canto/stanza";
import type { Session, SessionType } from "./session.js";
import type { SessionRegistry } from "./sessions.js";

/** The part of a server a local session talks to. */
export interface LocalSessionServer {
  readonly sessions: SessionRegistry;
  process(origin: Session, stanza: Element): void | Promise<void>;
}

/**
 * An in-process client session: no socket, no stream. It is authenticated and bound as the JID it
 * is given, sends stanzas through the router as a client would, and keeps what it receives. Tests
 * and benchmarks drive modules with it.
 */
export class LocalSession implements Session {
  type: SessionType = "c2s";
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

  readonly #server: LocalSessionServer;
  readonly #waiters: ((stanza: Element) => void)[] = [];

  constructor(server: LocalSessionServer, jid: string, options: { role?: string; priority?: number } = {}) {
    const { node, domain, resource } = parseJid(jid);
    if (node === undefined) throw new TypeError(`a local session needs a user JID, got ${jid}`);
    this.#server = server;
    this.host = domain;
    this.username = node;
    this.role = options.role;
    this.priority = options.priority;
    server.sessions.bind(this, resource ?? `local-${Math.random().toString(36).slice(2, 10)}`);
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

  close(): void {
    this.#server.sessions.unbind(this);
  }
}
