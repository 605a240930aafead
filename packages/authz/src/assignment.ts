import { isThenable } from "@canto/events";
import { ADMIN, GUEST, OPERATOR, REGISTERED } from "./builtin-roles.js";
import { RoleNotLoadedError, UnknownRoleError } from "./errors.js";
import { bareJid, type JidParts, type ParseJid } from "./jid.js";
import type { Logger } from "./logger.js";
import type { RoleRegistry } from "./policy.js";
import type { Role } from "./role.js";

/** Reads an option for a host, falling back to the global value as a config manager does. */
export interface ConfigSource {
  get(host: string, name: string): unknown;
}

/** A stored role name, or nothing when the user has no role stored (the default applies). */
export type StoredRole = string | undefined | null;

/** Looks up a user's stored role, synchronously or not. */
export type RoleLookup = (username: string, host: string) => StoredRole | PromiseLike<StoredRole>;

/** Every stored role of a host, as `[username, role]` pairs. */
export type StoredRoles =
  | Iterable<readonly [string, StoredRole]>
  | AsyncIterable<readonly [string, StoredRole]>;

/**
 * Per-user role storage; `set` is needed only for {@link RoleAssignment.setUserRole}, `list` only
 * for {@link RoleAssignment.preload} (which lets an asynchronous store answer synchronous checks).
 */
export interface RoleStore {
  get: RoleLookup;
  set?(username: string, host: string, role: string | undefined): void | PromiseLike<void>;
  list?(host: string): StoredRoles | PromiseLike<StoredRoles>;
}

/** `"local"` for a VirtualHost, `"component"` for a component, `undefined` for a host not served here. */
export type HostType = "local" | "component" | (string & {}) | undefined;

export interface AssignmentOptions {
  host: string;
  config: ConfigSource;
  registry: RoleRegistry;
  store: RoleStore | undefined;
  hostType: (host: string) => HostType;
  parentHost: ((component: string) => string | undefined) | undefined;
  parseJid: ParseJid;
  log: Logger;
  cacheSize: number;
}

/** The outcome of a synchronous user role lookup. */
export type UserRoleResult =
  | { readonly ready: true; readonly role: Role | undefined }
  | { readonly ready: false; readonly pending: Promise<Role | undefined> };

function optionString(value: unknown): string | undefined {
  if (Array.isArray(value)) return optionString(value[0]);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Who has which role on one host: the configured admins, the stored per-user roles (cached), the
 * default user role, and on components the roles given by where a JID comes from.
 */
export class RoleAssignment {
  readonly host: string;
  readonly isComponent: boolean;
  readonly parentHost: string | undefined;
  readonly defaultUserRole: string;
  readonly #o: AssignmentOptions;
  readonly #globalAdmins: Set<string>;
  readonly #hostAdmins: Set<string>;
  /** Whether any admin is an account of this host, so user lookups can skip building the JID. */
  readonly #hasLocalAdmins: boolean;
  readonly #componentRoles: { host: string; server: string; public: string } | undefined;
  readonly #cache = new Map<string, Role | undefined>();
  readonly #inflight = new Map<string, Promise<Role | undefined>>();
  #generation = 0;
  /**
   * A complete copy of the store once {@link preload} ran: an account missing from it has no
   * stored role, so its role is known without asking the store.
   */
  #stored: Map<string, StoredRole> | undefined;
  /** Accounts whose copy in {@link #stored} may be out of date (forgotten, or changed during a preload). */
  readonly #stale = new Set<string>();
  /** While a preload runs: the accounts set or forgotten meanwhile, whose loaded answer is older. */
  #touched: Set<string> | undefined;

  constructor(options: AssignmentOptions) {
    this.#o = options;
    const { host, config } = options;
    this.host = host;
    const globalAdmins = config.get("*", "admins");
    const hostAdmins = config.get(host, "admins");
    this.#globalAdmins = this.#jidSet(globalAdmins, "admins");
    // A host without its own list sees the global one, whose members are operators anyway.
    this.#hostAdmins = hostAdmins === globalAdmins ? this.#globalAdmins : this.#jidSet(hostAdmins, "admins");
    const suffix = `@${host}`;
    this.#hasLocalAdmins = [...this.#globalAdmins, ...this.#hostAdmins].some((jid) => jid.endsWith(suffix));
    const anonymous = config.get(host, "authentication") === "anonymous";
    this.defaultUserRole =
      optionString(config.get(host, "default_user_role")) ?? (anonymous ? GUEST : REGISTERED);
    this.isComponent = options.hostType(host) === "component";
    if (this.isComponent) {
      this.parentHost =
        optionString(config.get(host, "parent_host")) ??
        options.parentHost?.(host) ??
        (host.includes(".") ? host.slice(host.indexOf(".") + 1) : undefined);
      this.#componentRoles = {
        host: optionString(config.get(host, "host_user_role")) ?? REGISTERED,
        server: optionString(config.get(host, "server_user_role")) ?? GUEST,
        public: optionString(config.get(host, "public_user_role")) ?? GUEST,
      };
    } else {
      this.parentHost = undefined;
      this.#componentRoles = undefined;
    }
  }

  #jidSet(value: unknown, option: string): Set<string> {
    const result = new Set<string>();
    if (value === undefined || value === null) return result;
    const list = typeof value === "string" ? [value] : value instanceof Set ? [...value] : value;
    if (!Array.isArray(list)) {
      this.#o.log.error(`${option} must be a list of JIDs`);
      return result;
    }
    for (const entry of list) {
      const parts = typeof entry === "string" ? this.#o.parseJid(entry) : undefined;
      if (parts) result.add(bareJid(parts));
      else this.#o.log.error(`${option}: ignoring invalid JID ${String(entry)}`);
    }
    return result;
  }

  /** The role configuration gives a bare JID, if any: operator for global admins, admin for host admins. */
  #configuredRole(bare: string): Role | undefined {
    if (this.#globalAdmins.has(bare)) return this.#o.registry.get(OPERATOR);
    if (this.#hostAdmins.has(bare)) return this.#o.registry.get(ADMIN);
    return undefined;
  }

  /** Whether the bare JID is listed in the global or this host's `admins`. */
  isAdmin(bare: string): boolean {
    return this.#globalAdmins.has(bare) || this.#hostAdmins.has(bare);
  }

  #named(name: string): Role | undefined {
    const role = this.#o.registry.get(name);
    if (!role) this.#o.log.warn(`Role ${name} is assigned but not registered on ${this.host}`);
    return role;
  }

  /**
   * The role of a JID that is not an account of this host (remote users, other hosts' users,
   * senders reaching a component). Never consults storage, so it is always synchronous.
   */
  jidRole(parts: JidParts): Role | undefined {
    const bare = bareJid(parts);
    const configured = this.#configuredRole(bare);
    if (configured) return configured;
    const roles = this.#componentRoles;
    if (!roles) return undefined;
    if (parts.domain === this.parentHost) return this.#named(roles.host);
    if (this.#o.hostType(parts.domain) !== undefined) return this.#named(roles.server);
    return this.#named(roles.public);
  }

  /** The role of an account of this host, answered from configuration or the cache when possible. */
  userRole(username: string): UserRoleResult {
    if (this.#hasLocalAdmins) {
      const configured = this.#configuredRole(`${username}@${this.host}`);
      if (configured) return { ready: true, role: configured };
    }
    const cache = this.#cache;
    const cached = cache.get(username);
    if (cached !== undefined || cache.has(username)) return { ready: true, role: cached };
    const store = this.#o.store;
    if (!store) return { ready: true, role: this.#remember(username, undefined) };
    const stored = this.#stored;
    if (stored !== undefined && !this.#stale.has(username)) {
      return { ready: true, role: this.#remember(username, stored.get(username)) };
    }
    const inflight = this.#inflight.get(username);
    if (inflight) return { ready: false, pending: inflight };
    const answer = store.get(username, this.host);
    if (!isThenable(answer)) return { ready: true, role: this.#remember(username, answer) };
    const generation = this.#generation;
    const pending = Promise.resolve(answer).then(
      (stored) => {
        this.#inflight.delete(username);
        // A role set or forgotten meanwhile wins over this older answer.
        if (generation !== this.#generation) return this.#resolve(username, stored);
        return this.#remember(username, stored);
      },
      (err: unknown) => {
        this.#inflight.delete(username);
        throw err;
      },
    );
    this.#inflight.set(username, pending);
    return { ready: false, pending };
  }

  /** Like {@link userRole}, throwing {@link RoleNotLoadedError} when the store must be awaited. */
  userRoleSync(username: string): Role | undefined {
    const result = this.userRole(username);
    if (result.ready) return result.role;
    result.pending.catch(() => {});
    throw new RoleNotLoadedError(username, this.host);
  }

  /** The role of an account of this host, waiting for the store when needed. */
  async loadUserRole(username: string): Promise<Role | undefined> {
    const result = this.userRole(username);
    return result.ready ? result.role : result.pending;
  }

  #resolve(username: string, stored: StoredRole): Role | undefined {
    if (stored === undefined || stored === null || stored === "") return this.#named(this.defaultUserRole);
    const role = this.#o.registry.get(stored);
    if (!role) this.#o.log.warn(`Stored role ${stored} of ${username}@${this.host} is not registered`);
    return role;
  }

  #remember(username: string, stored: StoredRole): Role | undefined {
    const role = this.#resolve(username, stored);
    const cache = this.#cache;
    if (this.#o.cacheSize <= 0) return role;
    if (cache.size >= this.#o.cacheSize) {
      const oldest = cache.keys().next();
      if (!oldest.done) cache.delete(oldest.value);
    }
    cache.set(username, role);
    return role;
  }

  /**
   * Stores a user's role (`undefined` removes it, so the default applies) and updates the cache.
   * Throws when no store with `set` was given.
   */
  async setUserRole(username: string, roleName: string | undefined): Promise<void> {
    const store = this.#o.store;
    if (!store?.set) throw new TypeError("setUserRole needs a roleStore with a set() method");
    if (roleName !== undefined && !this.#o.registry.get(roleName)) throw new UnknownRoleError(roleName);
    await store.set(username, this.host, roleName);
    this.#generation++;
    this.#cache.delete(username);
    this.#touched?.add(username);
    if (this.#stored !== undefined) {
      if (roleName === undefined) this.#stored.delete(username);
      else this.#stored.set(username, roleName);
      this.#stale.delete(username);
    }
    this.#remember(username, roleName);
  }

  /**
   * Reads every stored role of the host (through `roleStore.list`), so that synchronous checks
   * answer for any account without waiting: Prosody reads roles synchronously, and a module
   * ported from it calls `may(action, jid)` where it cannot wait. Returns `false` when the store
   * cannot list its roles (checks then stay lazy).
   */
  async preload(): Promise<boolean> {
    const store = this.#o.store;
    if (!store) return true;
    if (!store.list) return false;
    const touched = new Set<string>();
    this.#touched = touched;
    try {
      const loaded = new Map<string, StoredRole>();
      for await (const [username, role] of await store.list(this.host)) loaded.set(username, role);
      if (this.#touched !== touched) return false; // forgetUser() dropped everything meanwhile
      // Whatever was set or forgotten while the store was read is newer than what was read.
      for (const username of touched) {
        loaded.delete(username);
        this.#stale.add(username);
      }
      this.#stored = loaded;
      return true;
    } finally {
      if (this.#touched === touched) this.#touched = undefined;
    }
  }

  /** Drops a cached role, e.g. after the store changed behind this package's back. */
  forgetUser(username?: string): void {
    this.#generation++;
    if (username === undefined) {
      this.#cache.clear();
      this.#stored = undefined;
      this.#stale.clear();
      this.#touched = undefined;
    } else {
      this.#cache.delete(username);
      this.#touched?.add(username);
      if (this.#stored !== undefined) this.#stale.add(username);
    }
  }
}
