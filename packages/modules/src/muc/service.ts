import {
  bareOf,
  clone,
  type Element,
  errorReply,
  type Module,
  message,
  type Session,
  type storage,
} from "canto";
import type { ServiceOptions } from "./config.js";
import type { MucEvents } from "./events.js";
import { type ItemDetail, NS_MUC_USER, occupantPresence } from "./presence.js";
import type { Affiliation, Refusal, Role } from "./roles.js";
import { defaultRole } from "./roles.js";
import { type Occupant, Room, type StoredRoom } from "./room.js";

const STORE = "muc_rooms";

/** What a destroyed persistent room leaves in storage while `muc_tombstones` is on. */
export interface Tombstone {
  /** Seconds since the epoch. */
  when: number;
  alternate?: string;
  reason?: string;
}

/**
 * The MUC service of one component host: its rooms (in memory, persistent ones loaded from
 * storage on their first stanza), its options, and the operations every handler shares.
 */
export class MucService {
  readonly module: Module;
  readonly options: ServiceOptions;
  readonly rooms = new Map<string, Room>();
  readonly #loading = new Map<string, Promise<Room | undefined>>();
  readonly #tombstones = new Map<string, Tombstone>();
  #store: storage.KeyvalStore | undefined;
  readonly #lockTimers = new Map<string, { stop(): void }>();

  constructor(module: Module, options: ServiceOptions) {
    this.module = module;
    this.options = options;
  }

  async open(): Promise<void> {
    this.#store = await this.module.openStore(STORE, "keyval");
  }

  now(): number {
    return this.module.server.scheduler.clock.now();
  }

  fire<K extends keyof MucEvents>(name: K, payload: MucEvents[K]): unknown {
    return this.module.fireEvent(name, payload);
  }

  send(stanza: Element): void {
    this.module.send(stanza);
  }

  /** Sends `stanza` to every session of `occupant` (a copy each, `to` set). */
  deliver(occupant: Occupant, stanza: Element): void {
    if (occupant.sessions.size <= 1) {
      stanza.attrs.to = occupant.jid;
      this.send(stanza);
      return;
    }
    for (const jid of occupant.sessions) {
      const copy = clone(stanza);
      copy.attrs.to = jid;
      this.send(copy);
    }
  }

  refuse(origin: Session, stanza: Element, refusal: Refusal): true {
    if (stanza.attrs.type !== "error") {
      // The error comes from the room (or the service), as the stanza was addressed.
      const by = typeof stanza.attrs.to === "string" ? bareOf(stanza.attrs.to) : this.module.host;
      origin.send(errorReply(stanza, refusal.type, refusal.condition, refusal.text, by));
    }
    return true;
  }

  /** The room `jid`, from memory or storage; `undefined` when there is none. */
  getRoom(jid: string): Room | Promise<Room | undefined> | undefined {
    const room = this.rooms.get(jid);
    if (room !== undefined) return room;
    const pending = this.#loading.get(jid);
    if (pending !== undefined) return pending;
    const store = this.#store;
    if (store === undefined) return undefined;
    const node = jid.slice(0, jid.indexOf("@"));
    const loading = store.get(node).then((doc) => {
      this.#loading.delete(jid);
      const existing = this.rooms.get(jid);
      if (existing !== undefined) return existing;
      if (doc === undefined || doc === null) return undefined;
      const tombstone = (doc as { tombstone?: Tombstone }).tombstone;
      if (tombstone !== undefined) {
        this.#tombstones.set(jid, tombstone);
        return undefined;
      }
      const restored = Room.restore(doc as unknown as StoredRoom, this.options.defaults);
      this.rooms.set(jid, restored);
      return restored;
    });
    this.#loading.set(jid, loading);
    return loading;
  }

  /**
   * The tombstone of a destroyed room, once `getRoom` has looked for the room; an expired one is
   * removed and the name is free again.
   */
  async tombstone(jid: string): Promise<Tombstone | undefined> {
    const tombstone = this.#tombstones.get(jid);
    if (tombstone === undefined) return undefined;
    if (tombstone.when + this.options.tombstoneExpiry > this.now()) return tombstone;
    this.#tombstones.delete(jid);
    await this.#store?.set(jid.slice(0, jid.indexOf("@")), undefined);
    return undefined;
  }

  /** Every persistent room in storage, loaded (for disco#items). */
  async allRooms(): Promise<Room[]> {
    const store = this.#store;
    if (store !== undefined) {
      for await (const node of store.users()) await this.getRoom(`${node}@${this.module.host}`);
      // Tombstones are not rooms: getRoom leaves them out.
    }
    return [...this.rooms.values()];
  }

  createRoom(jid: string, owner: string | undefined, locked: boolean): Room {
    const room = new Room(jid, { ...this.options.defaults });
    if (owner !== undefined) room.setAffiliation(owner, "owner");
    room.locked = locked;
    this.rooms.set(jid, room);
    if (locked) {
      // A room nobody configures in time goes away (Prosody's muc_room_lock_timeout).
      const timer = this.module.addTimer(this.options.lockTimeout, () => {
        this.#lockTimers.delete(jid);
        if (room.locked && !room.destroyed) this.destroy(room, { reason: "Room not configured in time" });
      });
      this.#lockTimers.set(jid, timer);
    }
    return room;
  }

  unlock(room: Room): void {
    room.locked = false;
    this.#lockTimers.get(room.jid)?.stop();
    this.#lockTimers.delete(room.jid);
  }

  /** Writes a persistent room to storage, or deletes a temporary one from it. */
  async save(room: Room): Promise<void> {
    const node = room.jid.slice(0, room.jid.indexOf("@"));
    await this.#store?.set(
      node,
      room.config.persistent && !room.destroyed ? (room.toStored() as never) : undefined,
    );
  }

  /**
   * After an occupant left: a temporary room that is empty goes away; a persistent one is saved
   * (with its history) and leaves memory until its next stanza, so idle rooms cost nothing.
   */
  async maybeForget(room: Room): Promise<void> {
    if (room.occupants.size > 0 || room.destroyed) return;
    if (room.config.persistent) {
      if (room.locked) return;
      await this.save(room);
      if (room.occupants.size === 0 && this.rooms.get(room.jid) === room) this.rooms.delete(room.jid);
      return;
    }
    room.destroyed = true;
    this.rooms.delete(room.jid);
    this.unlock(room);
    this.fire("muc-room-destroyed", { room });
  }

  /** Destroys a room (§10.9): every occupant gets unavailable with `<destroy/>`; storage forgets it. */
  async destroy(
    room: Room,
    how: { reason?: string; alternate?: string; password?: string } = {},
  ): Promise<void> {
    for (const occupant of room.occupants.values()) {
      const stanza = occupantPresence(room, occupant, occupant, { unavailable: true });
      const x = stanza.getChild("x", NS_MUC_USER)!;
      const item = x.getChild("item")!;
      item.attrs.affiliation = "none";
      const destroy = x.c("destroy", how.alternate === undefined ? {} : { jid: how.alternate });
      if (how.reason !== undefined) destroy.c("reason").t(how.reason);
      if (how.password !== undefined) destroy.c("password").t(how.password);
      this.deliver(occupant, stanza);
    }
    // A room never configured (still locked) was never open to anyone: it leaves no tombstone.
    const wasPersistent = room.config.persistent && !room.locked;
    room.occupants.clear();
    room.nicks.clear();
    room.destroyed = true;
    this.rooms.delete(room.jid);
    this.unlock(room);
    const node = room.jid.slice(0, room.jid.indexOf("@"));
    if (wasPersistent && this.options.tombstones) {
      // The name stays taken a while, so nobody takes over a room people still have bookmarked.
      const tombstone: Tombstone = { when: this.now() };
      if (how.alternate !== undefined) tombstone.alternate = how.alternate;
      if (how.reason !== undefined) tombstone.reason = how.reason;
      this.#tombstones.set(room.jid, tombstone);
      await this.#store?.set(node, { tombstone } as never);
    } else {
      await this.#store?.set(node, undefined);
    }
    this.fire("muc-room-destroyed", { room, ...how });
  }

  /** Sends `occupant`'s presence to every occupant (each sees it as its role allows). */
  broadcastPresence(
    room: Room,
    occupant: Occupant,
    options: {
      unavailable?: boolean;
      codes?: readonly number[];
      selfCodes?: readonly number[];
      detail?: ItemDetail;
      role?: Role;
    } = {},
  ): void {
    for (const viewer of room.occupants.values()) {
      if (viewer.jid === occupant.jid) continue;
      this.deliver(viewer, occupantPresence(room, occupant, viewer, options));
    }
    // The occupant's own copy comes last (§7.2.3), also when it is no longer in the room.
    this.deliver(
      occupant,
      occupantPresence(room, occupant, occupant, { ...options, codes: options.selfCodes ?? options.codes }),
    );
  }

  /** Sends a message to every occupant, from the room or one of its occupants. */
  broadcastMessage(room: Room, stanza: Element): void {
    for (const occupant of room.occupants.values()) this.deliver(occupant, clone(stanza));
  }

  /** A status message from the room (e.g. 104: configuration changed), to every occupant. */
  statusMessage(room: Room, codes: readonly number[]): void {
    if (codes.length === 0) return;
    const stanza = message({ from: room.jid, type: "groupchat" });
    const x = stanza.c("x", { xmlns: NS_MUC_USER });
    for (const code of codes) x.c("status", { code: String(code) });
    this.broadcastMessage(room, stanza);
  }

  /** Takes an occupant out of the room with unavailable presence and `codes` (kick 307, ban 301, 321, 322). */
  remove(room: Room, occupant: Occupant, codes: readonly number[], detail: ItemDetail = {}): void {
    room.removeOccupant(occupant);
    this.broadcastPresence(room, occupant, { unavailable: true, codes, detail });
    this.fire("muc-occupant-left", { room, occupant, nick: occupant.nick });
  }

  /** Changes a role; `none` kicks (307). */
  setRole(room: Room, occupant: Occupant, role: Role, detail: ItemDetail): void {
    if (role === "none") {
      this.remove(room, occupant, [307], detail);
      return;
    }
    occupant.role = role;
    this.broadcastPresence(room, occupant, { detail });
  }

  /**
   * Records an affiliation and brings the affected occupants in line: outcasts are removed (301),
   * users no longer members of a members-only room too (321), others get their new role.
   */
  setAffiliation(room: Room, jid: string, affiliation: Affiliation, detail: ItemDetail): void {
    const bare = bareOf(jid);
    room.setAffiliation(bare, affiliation);
    for (const occupant of room.occupantsOf(bare)) {
      if (affiliation === "outcast") {
        this.remove(room, occupant, [301], detail);
        continue;
      }
      const role = defaultRole(affiliation, room.config.moderated, room.config.membersOnly);
      if (role === "none") {
        this.remove(room, occupant, [321], detail);
        continue;
      }
      occupant.role = role;
      this.broadcastPresence(room, occupant, { detail });
    }
  }
}
