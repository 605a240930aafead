import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Module } from "canto";

/** A logged-in administrator. */
export interface AdminSession {
  readonly token: string;
  /** Bare JID of the account. */
  readonly jid: string;
  /** Sent in every form and compared on each POST. */
  readonly csrf: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
  /** A message for the next page (the outcome of the last action). */
  flash?: { kind: "ok" | "error"; text: string } | undefined;
}

function token(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The server-side session table: the cookie carries only a random token. Each session ends by a
 * module timer after `lifetime` seconds; `save`/`restore` carry the table over a reload of the
 * module, so reloading `admin_web` from its own page keeps the operator logged in.
 */
export class AdminSessions {
  readonly #module: Module;
  readonly #lifetime: number;
  readonly #sessions = new Map<string, AdminSession>();

  constructor(module: Module, lifetime: number) {
    this.#module = module;
    this.#lifetime = lifetime;
  }

  get lifetime(): number {
    return this.#lifetime;
  }

  create(jid: string): AdminSession {
    const session: AdminSession = {
      token: token(),
      jid,
      csrf: token(),
      expiresAt: Date.now() + this.#lifetime * 1000,
    };
    this.#add(session);
    return session;
  }

  #add(session: AdminSession): void {
    const remaining = (session.expiresAt - Date.now()) / 1000;
    if (remaining <= 0) return;
    this.#sessions.set(session.token, session);
    this.#module.addTimer(remaining, () => {
      if (this.#sessions.get(session.token) === session) this.#sessions.delete(session.token);
    });
  }

  get(token: string | undefined): AdminSession | undefined {
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    if (session.expiresAt <= Date.now()) {
      this.#sessions.delete(token);
      return undefined;
    }
    return session;
  }

  delete(token: string): void {
    this.#sessions.delete(token);
  }

  /** Whether `given` is the session's CSRF token, compared in constant time. */
  static checkCsrf(session: AdminSession, given: string | null): boolean {
    if (given === null) return false;
    const expected = Buffer.from(session.csrf);
    const actual = Buffer.from(given);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  save(): AdminSession[] {
    return [...this.#sessions.values()];
  }

  restore(saved: unknown): void {
    if (!Array.isArray(saved)) return;
    for (const entry of saved as AdminSession[]) {
      if (
        typeof entry?.token === "string" &&
        typeof entry.jid === "string" &&
        typeof entry.csrf === "string"
      ) {
        this.#add({ ...entry });
      }
    }
  }
}
