export type {
  ConfigSource,
  HostType,
  RoleLookup,
  RoleStore,
  StoredRole,
  StoredRoles,
} from "./assignment.js";
export {
  type Authz,
  type AuthzOptions,
  configFromObject,
  createAuthz,
  type HostAuthz,
  type ModuleAuthz,
} from "./authz.js";
export {
  ADMIN,
  BUILTIN_ROLES,
  type BuiltinRoleName,
  type BuiltinRoleSpec,
  canonicalRoleName,
  createBuiltinRoles,
  GUEST,
  MEMBER,
  OPERATOR,
  REGISTERED,
} from "./builtin-roles.js";
export {
  type CheckKind,
  type Decision,
  type DecisionListener,
  type DecisionReason,
  expandAction,
} from "./checks.js";
export type { ActorContext, RoutingContext, SessionLike, StanzaLike } from "./context.js";
export {
  AuthzError,
  type AuthzErrorCode,
  NoActorError,
  PolicyAlreadyExistsError,
  RoleAlreadyExistsError,
  RoleNotLoadedError,
  UnknownRoleError,
} from "./errors.js";
export { type JidParts, type ParseJid, splitJid } from "./jid.js";
export { type Logger, silentLogger } from "./logger.js";
export type { CustomRoleSpec, PermissionChanges } from "./policy.js";
export { isRole, type Policy, Role, type RoleOptions } from "./role.js";
