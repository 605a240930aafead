import { createHash, randomBytes } from "node:crypto";
import { bareOf, type Element } from "canto";
import type { RoomConfig } from "./config.js";
import { RoomHistory } from "./history.js";
import { type Affiliation, defaultRole, type Role } from "./roles.js";

/** One occupant: a nick in the room, the real session behind it, its role and last presence. */
export interface Occupant {
  nick: string;
  /** The occupant's real full JID (its first session's). */
  jid: string;
  /**
   * Every session of the account in the room under this nick, `jid` included: they share one
   * occupant, and all of them get what the occupant gets (as Prosody's multi-session nicks).
   */
  sessions: Set<string>;
  bareJid: string;
  role: Role;
  /** XEP-0421: stable per account and room, and the same across nick changes. */
  occupantId: string;
  /** The last available presence the occupant sent, addressed as it is broadcast. */
  presence: Element;
}

/** What a persistent room keeps in storage (store `muc_rooms`, one document per room node). */
export interface StoredRoom {
  jid: string;
  config: RoomConfig;
  affiliations: Record<string, Affiliation>;
  subject?: { text: string; from: string };
  /** The secret occupant ids are derived from (XEP-0421). */
  salt?: string;
  /** Recent messages, so a room unloaded while idle keeps its history. */
  history?: { stanza: Element; when: number }[];
}

/** A room's state: configuration, affiliations, occupants by nick and by real JID, subject, history. */
export class Room {
  readonly jid: string;
  config: RoomConfig;
  readonly affiliations = new Map<string, Affiliation>();
  readonly occupants = new Map<string, Occupant>();
  /** Real full JID to nick. */
  readonly nicks = new Map<string, string>();
  subject: { text: string; from: string } | undefined;
  readonly history = new RoomHistory();
  /** Until its owner configures it (§10.1), nobody else may enter. */
  locked = false;
  destroyed = false;
  /** Occupant ids hash the account with this, so they say nothing about it outside the room. */
  salt = randomBytes(16).toString("base64");

  constructor(jid: string, config: RoomConfig) {
    this.jid = jid;
    this.config = config;
  }

  static restore(stored: StoredRoom, defaults: RoomConfig): Room {
    const room = new Room(stored.jid, { ...defaults, ...stored.config });
    for (const [jid, affiliation] of Object.entries(stored.affiliations))
      room.affiliations.set(jid, affiliation);
    room.subject = stored.subject;
    if (stored.salt !== undefined) room.salt = stored.salt;
    for (const entry of stored.history ?? []) {
      room.history.entries.push({
        stanza: entry.stanza,
        when: entry.when,
        chars: entry.stanza.toString().length,
      });
    }
    return room;
  }

  toStored(): StoredRoom {
    const stored: StoredRoom = {
      jid: this.jid,
      config: { ...this.config },
      affiliations: Object.fromEntries(this.affiliations),
      salt: this.salt,
    };
    if (this.subject !== undefined) stored.subject = { ...this.subject };
    if (this.history.entries.length > 0) {
      stored.history = this.history.entries.map((e) => ({ stanza: e.stanza, when: e.when }));
    }
    return stored;
  }

  affiliation(jid: string): Affiliation {
    return this.affiliations.get(bareOf(jid)) ?? "none";
  }

  /** Sets or clears (`none`) an affiliation, by bare JID. */
  setAffiliation(jid: string, affiliation: Affiliation): void {
    const bare = bareOf(jid);
    if (affiliation === "none") this.affiliations.delete(bare);
    else this.affiliations.set(bare, affiliation);
  }

  owners(): string[] {
    return [...this.affiliations].filter(([, a]) => a === "owner").map(([jid]) => jid);
  }

  occupantByJid(jid: string): Occupant | undefined {
    const nick = this.nicks.get(jid);
    return nick === undefined ? undefined : this.occupants.get(nick);
  }

  occupantsOf(bareJid: string): Occupant[] {
    return [...this.occupants.values()].filter((o) => o.bareJid === bareJid);
  }

  roleFor(jid: string): Role {
    return defaultRole(this.affiliation(jid), this.config.moderated, this.config.membersOnly);
  }

  addOccupant(occupant: Occupant): void {
    this.occupants.set(occupant.nick, occupant);
    for (const jid of occupant.sessions) this.nicks.set(jid, occupant.nick);
  }

  removeOccupant(occupant: Occupant): void {
    if (this.occupants.get(occupant.nick) === occupant) this.occupants.delete(occupant.nick);
    for (const jid of occupant.sessions) if (this.nicks.get(jid) === occupant.nick) this.nicks.delete(jid);
  }

  /** Another session of the occupant's account joins under its nick. */
  addSession(occupant: Occupant, jid: string): void {
    occupant.sessions.add(jid);
    this.nicks.set(jid, occupant.nick);
  }

  /** One of several sessions leaves; the occupant stays with the others. */
  removeSession(occupant: Occupant, jid: string): void {
    occupant.sessions.delete(jid);
    this.nicks.delete(jid);
    if (occupant.jid === jid) occupant.jid = occupant.sessions.values().next().value as string;
  }

  /** The XEP-0421 occupant id of an account in this room. */
  occupantIdOf(jid: string): string {
    return createHash("sha256").update(this.salt).update(bareOf(jid)).digest("base64url").slice(0, 22);
  }

  occupantJid(nick: string): string {
    return `${this.jid}/${nick}`;
  }

  /** Whether `viewer` sees real JIDs: everyone in a non-anonymous room, moderators otherwise. */
  seesRealJids(viewer: Occupant | undefined): boolean {
    return this.config.whois === "anyone" || viewer?.role === "moderator";
  }
}
