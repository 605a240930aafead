import { type Element, StanzaError } from "@canto/stanza";
import type { Host } from "../host.js";
import type { Session } from "./session.js";
import type { SessionRegistry } from "./sessions.js";

/** What to do when a client binds a resource that is already bound (Prosody's `on_conflict`). */
export type ConflictPolicy = "kick_old" | "kick_new" | "increment" | "random";

export interface SessionManagerContext {
  host(name: string): Host | undefined;
  /** Where a failing async handler of the session events is reported. */
  reportError?(event: string, error: unknown): void;
  readonly sessions: SessionRegistry;
  /** The `on_conflict` option of a host. */
  conflictPolicy(host: string): ConflictPolicy;
}

function randomResource(): string {
  return `canto-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Prosody's sessionmanager: the steps that turn a connection into a routable client session.
 * Transports create sessions; authentication and binding modules move them along with these calls,
 * and the events they fire let other modules react (`authentication-success`, `resource-bind`,
 * `resource-unbind`).
 */
export class SessionManager {
  readonly #context: SessionManagerContext;

  constructor(context: SessionManagerContext) {
    this.#context = context;
  }

  /** Marks an unauthenticated client session as `username`'s; fires `authentication-success`. */
  authenticate(session: Session, username: string, role?: string): void {
    if (session.type !== "c2s_unauthed") {
      throw new StanzaError({
        type: "cancel",
        condition: "not-allowed",
        text: "the session is already authenticated",
      });
    }
    session.username = username;
    session.type = "c2s";
    if (role !== undefined) session.role = role;
    this.#fire(session.host, "authentication-success", { session });
  }

  /**
   * Binds an authenticated session to a resource (a random one when none is asked for), resolving
   * a conflict with the host's `on_conflict` policy. Returns the full JID; throws a `StanzaError`
   * (`conflict`, `not-allowed`) when the bind is refused.
   */
  bind(session: Session, requested?: string): string {
    if (session.type !== "c2s" || session.username === undefined) {
      throw new StanzaError({
        type: "cancel",
        condition: "not-allowed",
        text: "authenticate before binding a resource",
      });
    }
    if (session.fullJid !== undefined) {
      throw new StanzaError({
        type: "cancel",
        condition: "not-allowed",
        text: `already bound as ${session.fullJid}`,
      });
    }
    const registry = this.#context.sessions;
    const bareJid = `${session.username}@${session.host}`;
    let resource = requested === undefined || requested === "" ? randomResource() : requested;
    const existing = registry.full(`${bareJid}/${resource}`);
    if (existing !== undefined) {
      const policy = this.#context.conflictPolicy(session.host);
      if (policy === "kick_new") {
        throw new StanzaError({ type: "cancel", condition: "conflict", text: "resource already in use" });
      }
      if (policy === "kick_old") {
        this.destroy(existing, "conflict", "Replaced by new connection");
      } else if (policy === "increment") {
        let n = 2;
        while (registry.full(`${bareJid}/${resource}#${n}`) !== undefined) n++;
        resource = `${resource}#${n}`;
      } else {
        resource = randomResource();
      }
    }
    const fullJid = registry.bind(session, resource);
    this.#fire(session.host, "resource-bind", { session });
    return fullJid;
  }

  /**
   * Ends a session: closes it (with a stream error condition for network sessions), unbinds it and
   * fires `resource-unbind` so presence and offline handling can act.
   */
  destroy(session: Session, condition?: string, text?: string): void {
    const wasBound = this.#context.sessions.unbind(session);
    session.close?.(
      condition === undefined ? undefined : text === undefined ? condition : `${condition}: ${text}`,
    );
    if (wasBound) this.#fire(session.host, "resource-unbind", { session, error: condition });
  }

  /**
   * Fires a session event. Nobody awaits these, so a failing async handler is reported rather than
   * left as an unhandled rejection (which would end the process).
   */
  #fire(host: string, event: string, data: unknown): void {
    const report = (error: unknown) => this.#context.reportError?.(event, error);
    try {
      const result = this.#context.host(host)?.events.fire(event, data);
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }

  /** Sends a stanza to every bound session of a bare JID (each gets the same element). */
  sendToBare(bareJid: string, stanza: Element, filter?: (session: Session) => boolean): number {
    let sent = 0;
    for (const session of this.#context.sessions.bare(bareJid)?.values() ?? []) {
      if (filter !== undefined && !filter(session)) continue;
      session.send(stanza);
      sent++;
    }
    return sent;
  }
}
