import type { Session } from "./session.js";

/** The bound sessions of the local hosts, by full JID and by bare JID. */
export class SessionRegistry {
  readonly #full = new Map<string, Session>();
  readonly #bare = new Map<string, Map<string, Session>>();

  /** Binds an authenticated session to `resource`; replaces nothing (the caller resolves conflicts). */
  bind(session: Session, resource: string): string {
    if (session.username === undefined) throw new TypeError("bind: the session has no username");
    const bareJid = `${session.username}@${session.host}`;
    const fullJid = `${bareJid}/${resource}`;
    if (this.#full.has(fullJid)) throw new Error(`bind: ${fullJid} is already bound`);
    session.resource = resource;
    session.fullJid = fullJid;
    this.#full.set(fullJid, session);
    let resources = this.#bare.get(bareJid);
    if (resources === undefined) {
      resources = new Map();
      this.#bare.set(bareJid, resources);
    }
    resources.set(resource, session);
    return fullJid;
  }

  /** Removes a bound session; whether it was bound. */
  unbind(session: Session): boolean {
    const fullJid = session.fullJid;
    if (fullJid === undefined || this.#full.get(fullJid) !== session) return false;
    this.#full.delete(fullJid);
    const bareJid = `${session.username}@${session.host}`;
    const resources = this.#bare.get(bareJid);
    resources?.delete(session.resource!);
    if (resources?.size === 0) this.#bare.delete(bareJid);
    return true;
  }

  full(jid: string): Session | undefined {
    return this.#full.get(jid);
  }

  /** The bound sessions of a bare JID, by resource. */
  bare(jid: string): ReadonlyMap<string, Session> | undefined {
    return this.#bare.get(jid);
  }

  get size(): number {
    return this.#full.size;
  }

  *all(): IterableIterator<Session> {
    yield* this.#full.values();
  }
}
