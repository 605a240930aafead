import type { authz, Host, Module, SessionManager, SessionRegistry } from "canto";
import { type AuthProvider, authProvider } from "../shared/contracts.js";
import { AccountError } from "./errors.js";
import { prepUsername } from "./username.js";

/** What the account functions need of a server: a started `Server` (or a module's `server`). */
export interface AccountsServer {
  host(name: string): Host | undefined;
  readonly global: Host;
  readonly sessions: SessionRegistry;
  readonly sessionManager: SessionManager;
  readonly authz: authz.Authz;
}

/**
 * The auth provider the host uses (its `authentication` option, default `internal_hashed`).
 * Throws `host-not-found` for an unknown or inactive host and `no-auth-provider` when no loaded
 * module provides it (load `auth_internal_hashed` on the host).
 */
export function accountProvider(server: AccountsServer, host: string): AuthProvider {
  const target = server.host(host);
  if (target === undefined || target.isGlobal) {
    throw new AccountError("host-not-found", `no active host ${JSON.stringify(host)} on this server`);
  }
  // Any module of the host sees the host's items plus the global ones, and reads its options.
  const probe: Module | undefined =
    target.modules.values().next().value ?? server.global.modules.values().next().value;
  const provider = probe === undefined ? undefined : authProvider(probe);
  if (provider === undefined) {
    throw new AccountError(
      "no-auth-provider",
      `host ${host} has no authentication provider loaded (its authentication option names a provider Canto does not have, or auth_${probe?.getOptionString("authentication", "internal_hashed") ?? "internal_hashed"} failed to load)`,
    );
  }
  return provider;
}

/** Creates an account; returns its canonical (nodeprep'd) username. Throws `user-exists`. */
export async function createAccount(
  server: AccountsServer,
  host: string,
  username: string,
  password: string,
): Promise<string> {
  const node = prepUsername(username);
  await accountProvider(server, host).createUser(node, password);
  return node;
}

/** Changes a password; fires `user-password-changed`. Throws `user-not-found`. */
export async function setPassword(
  server: AccountsServer,
  host: string,
  username: string,
  password: string,
): Promise<void> {
  const node = prepUsername(username);
  await accountProvider(server, host).setPassword(node, password);
  await server.host(host)?.events.fire("user-password-changed", { username: node, host });
}

/**
 * Deletes an account: fires `user-deleted` (so modules drop the user's data) and closes the
 * user's sessions. Throws `user-not-found`.
 */
export async function deleteAccount(server: AccountsServer, host: string, username: string): Promise<void> {
  const node = prepUsername(username);
  await accountProvider(server, host).deleteUser(node);
  await accountDeleted(server, host, node);
}

/** Whether the account exists (false for a name that cannot be an account). */
export async function accountExists(
  server: AccountsServer,
  host: string,
  username: string,
): Promise<boolean> {
  return accountProvider(server, host).userExists(username);
}

/** The usernames of the host's accounts. */
export function listAccounts(server: AccountsServer, host: string): AsyncIterable<string> {
  return accountProvider(server, host).users();
}

/** @internal What follows the removal of an account, wherever it was removed from. */
export async function accountDeleted(
  server: AccountsServer,
  host: string,
  username: string,
  source?: string,
): Promise<void> {
  // A later account of the same name must not inherit this one's role.
  await server.authz.host(host).setUserRole(username, undefined);
  await server.host(host)?.events.fire("user-deleted", { username, host, source });
  const sessions = server.sessions.bare(`${username}@${host}`);
  for (const session of [...(sessions?.values() ?? [])]) {
    server.sessionManager.destroy(session, "not-authorized", "Account deleted");
  }
}
