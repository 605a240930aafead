import { canonicalRoleName, createBuiltinRoles } from "./builtin-roles.js";
import { PolicyAlreadyExistsError, RoleAlreadyExistsError, UnknownRoleError } from "./errors.js";
import type { Logger } from "./logger.js";
import { Role } from "./role.js";

/** A role declared in configuration (`custom_roles`). */
export interface CustomRoleSpec {
  name: string;
  /** Names of already registered roles, asked in this order. */
  inherits?: readonly string[];
  allow?: readonly string[];
  deny?: readonly string[];
  priority?: number;
  description?: string;
}

/** `add_permissions` / `remove_permissions`: actions by role name. */
export type PermissionChanges = Readonly<Record<string, readonly string[]>>;

/** The roles of one host, by name: built-ins, custom roles and the policies applied to them. */
export class RoleRegistry {
  readonly #roles: Map<string, Role>;
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#roles = createBuiltinRoles();
    this.#log = log;
  }

  /** A role by name (`prosody:` names of built-ins are accepted too), or `undefined`. */
  get(name: string): Role | undefined {
    return this.#roles.get(name) ?? this.#roles.get(canonicalRoleName(name));
  }

  /** Every registered role, by name. */
  all(): ReadonlyMap<string, Role> {
    return this.#roles;
  }

  /**
   * Registers a role: a {@link Role} as it is, or a spec whose `inherits` name registered roles.
   * Throws {@link RoleAlreadyExistsError} or {@link UnknownRoleError}.
   */
  register(role: Role | CustomRoleSpec): Role {
    const name = role.name;
    if (typeof name !== "string" || name === "") throw new TypeError("a role needs a name");
    if (this.get(name)) throw new RoleAlreadyExistsError(name);
    let created: Role;
    if (role instanceof Role) {
      created = role;
    } else {
      const inherits = (role.inherits ?? []).map((parent) => {
        const found = this.get(parent);
        if (!found) throw new UnknownRoleError(parent, `inherited by ${name}`);
        return found;
      });
      const permissions = new Map<string, boolean>();
      for (const action of role.allow ?? []) permissions.set(action, true);
      for (const action of role.deny ?? []) permissions.set(action, false);
      created = new Role({
        name,
        inherits,
        permissions,
        priority: role.priority,
        description: role.description,
      });
    }
    this.#roles.set(name, created);
    return created;
  }

  /** Registers each custom role from configuration; a bad entry is logged and skipped. */
  registerCustomRoles(specs: unknown): void {
    if (specs === undefined || specs === null) return;
    if (!Array.isArray(specs)) {
      this.#log.error("custom_roles must be a list of role definitions");
      return;
    }
    specs.forEach((spec: unknown, index) => {
      try {
        this.register(spec as CustomRoleSpec);
      } catch (err) {
        const label = (spec as { name?: unknown } | null)?.name ?? `#${index + 1}`;
        this.#log.error(`Could not register custom role ${String(label)}: ${(err as Error).message}`);
      }
    });
  }

  /**
   * Applies configuration policies, overwriting whatever is there: each action in `add` is granted
   * and then each action in `remove` denied. Unknown roles are logged and skipped.
   */
  applyConfig(add: unknown, remove: unknown): void {
    this.#applyChanges(add, true, "add_permissions");
    this.#applyChanges(remove, false, "remove_permissions");
  }

  #applyChanges(changes: unknown, policy: boolean, option: string): void {
    if (changes === undefined || changes === null) return;
    if (typeof changes !== "object" || Array.isArray(changes)) {
      this.#log.error(`${option} must map role names to lists of actions`);
      return;
    }
    for (const [roleName, actions] of Object.entries(changes)) {
      const role = this.get(roleName);
      if (!role) {
        this.#log.error(`${option}: unknown role ${roleName}`);
        continue;
      }
      for (const action of Array.isArray(actions) ? actions : [actions]) {
        if (typeof action === "string") role.setPermission(action, policy, true);
      }
    }
  }

  /**
   * Grants `action` to `roleName` unless the role already has a policy for it (configuration
   * wins). Returns whether the role now grants the action by its own policy. An unknown role is
   * logged at warn and gives `false`.
   */
  defaultPermission(roleName: string, action: string): boolean {
    const role = this.get(roleName);
    if (!role) {
      this.#log.warn(`Default permission ${action} not added: unknown role ${roleName}`);
      return false;
    }
    try {
      role.setPermission(action, true);
      return true;
    } catch (err) {
      if (err instanceof PolicyAlreadyExistsError) {
        this.#log.debug(`Default permission ${action} for ${roleName} not added: a policy is already set`);
        return false;
      }
      throw err;
    }
  }
}
