/** Stable error codes thrown by @canto/authz. */
export type AuthzErrorCode =
  | "policy-already-exists"
  | "no-actor"
  | "unknown-role"
  | "role-already-exists"
  | "role-not-loaded";

/** Base class of every error this package throws; `code` never changes between releases. */
export class AuthzError extends Error {
  readonly code: AuthzErrorCode;
  constructor(code: AuthzErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A role already holds a different policy for the action and overwriting was not requested. */
export class PolicyAlreadyExistsError extends AuthzError {
  readonly role: string | undefined;
  readonly action: string;
  constructor(role: string | undefined, action: string) {
    super("policy-already-exists", `role ${role ?? "(unnamed)"} already has a policy for ${action}`);
    this.role = role;
    this.action = action;
  }
}

/** The context given to a check names nobody who could be acting. */
export class NoActorError extends AuthzError {
  constructor(detail: string) {
    super("no-actor", `cannot identify the actor: ${detail}`);
  }
}

/** A role name that no role is registered under. */
export class UnknownRoleError extends AuthzError {
  readonly role: string;
  constructor(role: string, detail?: string) {
    super("unknown-role", detail ? `unknown role ${role}: ${detail}` : `unknown role ${role}`);
    this.role = role;
  }
}

/** A role is registered twice under one name. */
export class RoleAlreadyExistsError extends AuthzError {
  readonly role: string;
  constructor(role: string) {
    super("role-already-exists", `a role named ${role} is already registered`);
    this.role = role;
  }
}

/**
 * A synchronous check needed a user's stored role, the store answers asynchronously and the role
 * is not cached yet. Use the `...Async` variant or `loadUserRole()` first. The lookup has been
 * started, so the cache fills in the background.
 */
export class RoleNotLoadedError extends AuthzError {
  readonly username: string;
  readonly host: string;
  constructor(username: string, host: string) {
    super(
      "role-not-loaded",
      `the role of ${username}@${host} needs an asynchronous store lookup; use mayAsync() or loadUserRole() first`,
    );
    this.username = username;
    this.host = host;
  }
}
