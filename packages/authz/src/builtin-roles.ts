import { Role } from "./role.js";

/** Names of the built-in roles, lowest to highest. */
export const GUEST = "canto:guest";
export const REGISTERED = "canto:registered";
export const MEMBER = "canto:member";
export const ADMIN = "canto:admin";
export const OPERATOR = "canto:operator";

export type BuiltinRoleName =
  | typeof GUEST
  | typeof REGISTERED
  | typeof MEMBER
  | typeof ADMIN
  | typeof OPERATOR;

export interface BuiltinRoleSpec {
  readonly name: BuiltinRoleName;
  readonly priority: number;
  readonly inherits: readonly BuiltinRoleName[];
  readonly description: string;
}

/** The built-in roles, in registration order (each one's parents come before it). */
export const BUILTIN_ROLES: readonly BuiltinRoleSpec[] = Object.freeze([
  { name: GUEST, priority: 15, inherits: [], description: "untrusted guests and anonymous users" },
  { name: REGISTERED, priority: 25, inherits: [GUEST], description: "self-registered accounts" },
  { name: MEMBER, priority: 35, inherits: [REGISTERED], description: "trusted or provisioned accounts" },
  { name: ADMIN, priority: 50, inherits: [MEMBER], description: "administrators of a host" },
  { name: OPERATOR, priority: 75, inherits: [ADMIN], description: "server operators" },
]);

/** Prosody's name prefix; `prosody:admin` and friends are accepted as aliases of the built-ins. */
const PROSODY_PREFIX = "prosody:";

/** Maps `prosody:<role>` to `canto:<role>` for the built-in roles; other names are unchanged. */
export function canonicalRoleName(name: string): string {
  if (name.startsWith(PROSODY_PREFIX)) {
    const canto = `canto:${name.slice(PROSODY_PREFIX.length)}`;
    if (BUILTIN_ROLES.some((spec) => spec.name === canto)) return canto;
  }
  return name;
}

/** A fresh set of built-in roles, by name, with no policies. */
export function createBuiltinRoles(): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const spec of BUILTIN_ROLES) {
    roles.set(
      spec.name,
      new Role({
        name: spec.name,
        priority: spec.priority,
        description: spec.description,
        inherits: spec.inherits.map((parent) => roles.get(parent)!),
      }),
    );
  }
  return roles;
}
