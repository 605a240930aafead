import { PolicyAlreadyExistsError } from "./errors.js";

/** `true` grants, `false` denies, `undefined` has no opinion (the parents are asked). */
export type Policy = boolean | undefined;

export interface RoleOptions {
  name?: string;
  description?: string;
  priority?: number;
  /** Parents, asked in this order when the role itself has no policy for an action. */
  inherits?: readonly Role[];
  /** Initial policies, copied. */
  permissions?: Readonly<Record<string, boolean>> | ReadonlyMap<string, boolean>;
}

/**
 * A role: a named set of policies (action → allow or deny) with ordered parents. An action is
 * decided by the role's own policy first, then by each parent in order (depth first); the first
 * explicit answer wins, so a deny in a child beats a grant it would inherit. Parents are asked on
 * every check, so later changes to a parent are seen at once.
 */
export class Role {
  readonly name: string | undefined;
  readonly description: string | undefined;
  readonly priority: number | undefined;
  readonly inherits: readonly Role[];
  readonly #permissions = new Map<string, boolean>();

  constructor(options: RoleOptions = {}) {
    this.name = options.name;
    this.description = options.description;
    this.priority = options.priority;
    // Parents are fixed at construction, so an inheritance cycle cannot be built.
    this.inherits = Object.freeze([...(options.inherits ?? [])]);
    const initial = options.permissions;
    if (initial) {
      const entries = initial instanceof Map ? initial.entries() : Object.entries(initial);
      for (const [action, policy] of entries) this.#permissions.set(action, policy);
    }
  }

  /**
   * The role's answer for an action: `true`, `false`, or `undefined` when neither the role nor
   * any ancestor has a policy (callers treat that as denied).
   */
  may(action: string): Policy {
    const own = this.#permissions.get(action);
    if (own !== undefined) return own;
    const parents = this.inherits;
    for (let i = 0; i < parents.length; i++) {
      const inherited = parents[i]!.may(action);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  }

  /**
   * Sets (or with `undefined`, clears) the role's own policy for an action. Without `overwrite`,
   * replacing a different existing policy throws {@link PolicyAlreadyExistsError}; setting the same
   * policy again is fine.
   */
  setPermission(action: string, policy: Policy, overwrite = false): void {
    const existing = this.#permissions.get(action);
    if (!overwrite && existing !== undefined && existing !== policy) {
      throw new PolicyAlreadyExistsError(this.name, action);
    }
    if (policy === undefined) this.#permissions.delete(action);
    else this.#permissions.set(action, policy);
  }

  /** The role's own policies, without inherited ones. */
  ownPolicies(): Map<string, boolean> {
    return new Map(this.#permissions);
  }

  /**
   * Every policy that applies to the role, own and inherited, each action with the answer
   * {@link may} would give.
   */
  policies(): Map<string, boolean> {
    const result = new Map<string, boolean>();
    const visit = (role: Role): void => {
      for (const [action, policy] of role.#permissions) {
        if (!result.has(action)) result.set(action, policy);
      }
      for (const parent of role.inherits) visit(parent);
    };
    visit(this);
    return result;
  }

  /**
   * A new role with a copy of this role's own policies and the same parents; `overrides` replaces
   * any option. Later changes to either role do not reach the other.
   */
  clone(overrides: RoleOptions = {}): Role {
    return new Role({
      name: this.name,
      description: this.description,
      priority: this.priority,
      inherits: this.inherits,
      permissions: this.#permissions,
      ...overrides,
    });
  }

  toString(): string {
    return `role<${this.name ?? "(unnamed)"}>`;
  }
}

/** Whether a value is a {@link Role}. */
export function isRole(value: unknown): value is Role {
  return value instanceof Role;
}
