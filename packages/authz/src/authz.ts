import {
  type ConfigSource,
  type HostType,
  RoleAssignment,
  type RoleLookup,
  type RoleStore,
} from "./assignment.js";
import { Checker, type CheckKind, type DecisionListener, DecisionObservers, expandAction } from "./checks.js";
import type { ActorContext } from "./context.js";
import { type ParseJid, splitJid } from "./jid.js";
import { type Logger, silentLogger } from "./logger.js";
import { type CustomRoleSpec, RoleRegistry } from "./policy.js";
import type { Role } from "./role.js";

export interface AuthzOptions {
  /** Options by host (`*` is global): admins, custom_roles, add_permissions, default_user_role, ... */
  config?: ConfigSource;
  /** Per-user stored roles: a lookup function, or a store with `get` (and `set`). Sync or async. */
  roleStore?: RoleStore | RoleLookup;
  /**
   * The type of a host served here (`"local"`, `"component"`), `undefined` for any other domain.
   * Default: `"local"` for every host obtained through {@link Authz.host}, `undefined` otherwise.
   */
  hostType?: (host: string) => HostType;
  /** A component's parent host when the `parent_host` option is not set. Default: drop the first label. */
  parentHost?: (component: string) => string | undefined;
  /** JID splitting and normalisation. Default: {@link splitJid} (lowercases, no stringprep). */
  parseJid?: ParseJid;
  /** Default: silent. */
  logger?: Logger;
  /** How many users' stored roles each host caches (oldest evicted first). Default 10 000; 0 disables. */
  roleCacheSize?: number;
}

/** Checks and role administration for one host. */
export interface HostAuthz {
  readonly host: string;
  readonly isComponent: boolean;
  /** The role that users of this host get when none is stored. */
  readonly defaultUserRole: string;
  /** A role by name (`prosody:` names of built-ins are accepted), or `undefined`. */
  getRole(name: string): Role | undefined;
  /** Every role registered on the host, by name. */
  roles(): ReadonlyMap<string, Role>;
  /** Registers a role; throws `role-already-exists` or `unknown-role` (for a parent). */
  registerRole(role: Role | CustomRoleSpec): Role;
  /** Grants `action` to `role` unless a policy is already set (configuration wins). */
  defaultPermission(role: string, action: string): boolean;
  /** {@link defaultPermission} for each action; `true` when every grant took effect. */
  defaultPermissions(role: string, actions: Iterable<string>): boolean;
  /** An account's role, synchronously; throws `role-not-loaded` if the store must be awaited. */
  getUserRole(username: string): Role | undefined;
  /**
   * Reads every stored role of the host (the store needs `list`), after which `getUserRole`, `may`
   * and `could` answer synchronously for every account. `false` when the store cannot list.
   */
  preloadRoles(): Promise<boolean>;
  /** An account's role, waiting for the store when needed; the result is cached. */
  loadUserRole(username: string): Promise<Role | undefined>;
  /** Stores an account's role (`undefined`: back to the default) and updates the cache. */
  setUserRole(username: string, role: string | undefined): Promise<void>;
  /** Drops one cached role, or all of them. */
  forgetUser(username?: string): void;
  /** The role of a JID that is not an account of this host (admins, component rules), or `undefined`. */
  getJidRole(jid: string): Role | undefined;
  /** The role of the actor a context names, synchronously. */
  roleOf(context: ActorContext): Role | undefined;
  /** The role of the actor a context names, waiting for the store when needed. */
  roleOfAsync(context: ActorContext): Promise<Role | undefined>;
  /** Whether the actor may perform the action; a denial is logged at warn. */
  may(action: string, context: ActorContext): boolean;
  /** Like {@link may}, for speculative checks; a denial is logged at debug. */
  could(action: string, context: ActorContext): boolean;
  /** {@link may}, waiting for a stored role when needed. */
  mayAsync(action: string, context: ActorContext): Promise<boolean>;
  /** {@link could}, waiting for a stored role when needed. */
  couldAsync(action: string, context: ActorContext): Promise<boolean>;
  /** Checks and default permissions on behalf of a module: `:action` becomes `<name>:action`. */
  forModule(name: string): ModuleAuthz;
  /** Observes this host's decisions; returns a disposer. */
  onDecision(listener: DecisionListener): () => void;
}

/** The access checks of the module API, bound to a host and a module name. */
export interface ModuleAuthz {
  readonly host: string;
  readonly name: string;
  defaultPermission(role: string, action: string): boolean;
  defaultPermissions(role: string, actions: Iterable<string>): boolean;
  may(action: string, context: ActorContext): boolean;
  could(action: string, context: ActorContext): boolean;
  mayAsync(action: string, context: ActorContext): Promise<boolean>;
  couldAsync(action: string, context: ActorContext): Promise<boolean>;
}

/** Roles and checks for any number of hosts, sharing configuration, storage and observers. */
export interface Authz {
  /** The host's authorization, created on first use from the configuration. */
  host(name: string): HostAuthz;
  /** The hosts created so far. */
  hosts(): string[];
  /**
   * Grants `action` to `role` by default on every host, now and created later; `true` when every
   * existing host took the grant (a configured policy wins, as for a host's own grant).
   */
  defaultPermission(role: string, action: string): boolean;
  /** {@link defaultPermission} for each action; `true` when every grant took effect. */
  defaultPermissions(role: string, actions: Iterable<string>): boolean;
  /** Observes every host's decisions; returns a disposer. */
  onDecision(listener: DecisionListener): () => void;
}

function normaliseStore(store: RoleStore | RoleLookup | undefined): RoleStore | undefined {
  if (store === undefined) return undefined;
  return typeof store === "function" ? { get: store } : store;
}

const emptyConfig: ConfigSource = { get: () => undefined };

/** Creates an authorization service; every dependency is optional and injected by name. */
export function createAuthz(options: AuthzOptions = {}): Authz {
  const config = options.config ?? emptyConfig;
  const log = options.logger ?? silentLogger;
  const parseJid = options.parseJid ?? splitJid;
  const store = normaliseStore(options.roleStore);
  const cacheSize = options.roleCacheSize ?? 10_000;
  const observers = new DecisionObservers(log);
  const hosts = new Map<string, HostAuthz>();
  const hostType = options.hostType ?? ((name: string) => (hosts.has(name) ? "local" : undefined));
  const globalDefaults: Array<[role: string, action: string]> = [];

  function createHost(host: string): HostAuthz {
    const registry = new RoleRegistry(log);
    registry.registerCustomRoles(config.get(host, "custom_roles"));
    registry.applyConfig(config.get(host, "add_permissions"), config.get(host, "remove_permissions"));
    for (const [role, action] of globalDefaults) registry.defaultPermission(role, action);
    const assignment = new RoleAssignment({
      host,
      config,
      registry,
      store,
      hostType,
      parentHost: options.parentHost,
      parseJid,
      log,
      cacheSize,
    });
    const checker = new Checker({ host, registry, assignment, parseJid, log, observers });
    const check = (kind: CheckKind, action: string, context: ActorContext) =>
      checker.check(kind, action, context);
    const checkAsync = (kind: CheckKind, action: string, context: ActorContext) =>
      checker.checkAsync(kind, action, context);
    const defaultPermissions = (role: string, actions: Iterable<string>) => {
      let all = true;
      for (const action of actions) all = registry.defaultPermission(role, action) && all;
      return all;
    };

    const hostAuthz: HostAuthz = {
      host,
      isComponent: assignment.isComponent,
      defaultUserRole: assignment.defaultUserRole,
      getRole: (name) => registry.get(name),
      roles: () => registry.all(),
      registerRole: (role) => registry.register(role),
      defaultPermission: (role, action) => registry.defaultPermission(role, action),
      defaultPermissions,
      getUserRole: (username) => assignment.userRoleSync(username),
      preloadRoles: () => assignment.preload(),
      loadUserRole: (username) => assignment.loadUserRole(username),
      setUserRole: (username, role) => assignment.setUserRole(username, role),
      forgetUser: (username) => assignment.forgetUser(username),
      getJidRole: (jid) => {
        const parts = parseJid(jid);
        return parts ? assignment.jidRole(parts) : undefined;
      },
      roleOf: (context) => checker.roleOf(checker.identify(context)),
      roleOfAsync: async (context) => checker.roleOfAsync(checker.identify(context)),
      may: (action, context) => check("may", action, context),
      could: (action, context) => check("could", action, context),
      mayAsync: (action, context) => checkAsync("may", action, context),
      couldAsync: (action, context) => checkAsync("could", action, context),
      forModule: (name) => ({
        host,
        name,
        defaultPermission: (role, action) => registry.defaultPermission(role, expandAction(name, action)),
        defaultPermissions: (role, actions) =>
          defaultPermissions(
            role,
            Array.from(actions, (action) => expandAction(name, action)),
          ),
        may: (action, context) => check("may", expandAction(name, action), context),
        could: (action, context) => check("could", expandAction(name, action), context),
        mayAsync: (action, context) => checkAsync("may", expandAction(name, action), context),
        couldAsync: (action, context) => checkAsync("could", expandAction(name, action), context),
      }),
      onDecision: (listener) =>
        observers.add((decision) => {
          if (decision.host === host) listener(decision);
        }),
    };
    return hostAuthz;
  }

  const defaultPermission = (role: string, action: string): boolean => {
    globalDefaults.push([role, action]);
    let all = true;
    for (const host of hosts.values()) all = host.defaultPermission(role, action) && all;
    return all;
  };

  return {
    host(name) {
      let found = hosts.get(name);
      if (!found) {
        found = createHost(name);
        hosts.set(name, found);
      }
      return found;
    },
    hosts: () => [...hosts.keys()],
    defaultPermission,
    defaultPermissions(role, actions) {
      let all = true;
      for (const action of actions) all = defaultPermission(role, action) && all;
      return all;
    },
    onDecision: (listener) => observers.add(listener),
  };
}

/**
 * A {@link ConfigSource} over a plain object: global options at the top level, per-host options
 * under `hosts` (and `components`), a host falling back to the global value.
 */
export function configFromObject(options: Readonly<Record<string, unknown>>): ConfigSource {
  const perHost = (host: string): Record<string, unknown> | undefined => {
    for (const group of ["hosts", "components"]) {
      const entries = options[group] as Record<string, Record<string, unknown>> | undefined;
      const found = entries?.[host];
      if (found && typeof found === "object") return found;
    }
    return undefined;
  };
  return {
    get(host, name) {
      if (host !== "*") {
        const own = perHost(host);
        if (own && Object.hasOwn(own, name)) return own[name];
      }
      return name === "hosts" || name === "components" ? undefined : options[name];
    },
  };
}
