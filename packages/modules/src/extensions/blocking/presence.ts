import { clone, type Element, type Module, presence, type Session, type storage } from "canto";
import { bareOf, isContactSubscribed, type StanzaEvent } from "../util.js";
import { isBlocked } from "./blocklists.js";

/**
 * What blocking needs of presence, kept here so it does not depend on the IM modules: each
 * session's current broadcast presence (its last one without `to`), and the contacts that see it.
 */
export class PresenceNotices {
  readonly #module: Module;
  readonly #roster: storage.KeyvalStore;
  readonly #current = new WeakMap<Session, Element>();

  constructor(module: Module, roster: storage.KeyvalStore) {
    this.#module = module;
    this.#roster = roster;
    module.hook(
      "pre-presence/bare",
      (event: StanzaEvent) => {
        const { stanza, origin } = event;
        if (event.to_self !== true) return undefined;
        const type = stanza.attrs.type as string | undefined;
        if (type === undefined) this.#current.set(origin, clone(stanza));
        else if (type === "unavailable") this.#current.delete(origin);
        return undefined;
      },
      // Before the IM modules, which may halt the event once they broadcast.
      100,
    );
  }

  /**
   * The contacts, among those covered by `changed`, that see `username`'s presence (subscription
   * `from` or `both`), less those still covered by `still`. Full JIDs in `changed` count when their
   * bare JID is such a contact.
   */
  async #audience(
    username: string,
    changed: ReadonlySet<string>,
    still: ReadonlySet<string>,
  ): Promise<string[]> {
    const document = await this.#roster.get(username);
    const contacts =
      typeof document === "object" && document !== null && !Array.isArray(document)
        ? Object.keys(document)
        : [];
    const targets = new Set<string>();
    for (const jid of [...contacts.filter((contact) => isBlocked(changed, contact)), ...changed]) {
      if (isBlocked(still, jid)) continue;
      if (jid.includes("/") || contacts.includes(jid)) {
        if (await isContactSubscribed(this.#roster, username, bareOf(jid))) targets.add(jid);
      }
    }
    return [...targets];
  }

  #available(username: string): [Session, Element][] {
    const sessions = this.#module.server.sessions.bare(`${username}@${this.#module.host}`)?.values() ?? [];
    const out: [Session, Element][] = [];
    for (const session of sessions) {
      const current = this.#current.get(session);
      if (current !== undefined && session.fullJid !== undefined) out.push([session, current]);
    }
    return out;
  }

  /** XEP-0191 §3.3: newly blocked contacts that saw the user online see each resource go offline. */
  async goodbye(username: string, blocked: ReadonlySet<string>): Promise<void> {
    const available = this.#available(username);
    if (available.length === 0) return;
    const targets = await this.#audience(username, blocked, new Set());
    for (const [session] of available) {
      for (const to of targets) {
        this.#module.send(presence({ type: "unavailable", from: session.fullJid!, to }), session);
      }
    }
  }

  /** XEP-0191 §3.4: unblocked contacts that may see the user's presence get it again. */
  async hello(username: string, unblocked: ReadonlySet<string>, still: ReadonlySet<string>): Promise<void> {
    const available = this.#available(username);
    if (available.length === 0) return;
    const targets = await this.#audience(username, unblocked, still);
    for (const [session, current] of available) {
      for (const to of targets) {
        const copy = clone(current);
        copy.attrs.from = session.fullJid;
        copy.attrs.to = to;
        this.#module.send(copy, session);
      }
    }
  }
}
