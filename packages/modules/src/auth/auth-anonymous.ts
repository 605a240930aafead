import type { Module } from "canto";
import type { AuthProvider } from "../shared/contracts.js";
import { AccountError } from "./errors.js";

/**
 * `auth_anonymous` (Prosody's `authentication = "anonymous"`): clients log in with SASL ANONYMOUS
 * and get a random username; there are no passwords and no accounts to create. A user exists
 * while one of its sessions is connected.
 */
export default function authAnonymous(module: Module): void {
  const refuse = async (): Promise<never> => {
    throw new AccountError(
      "not-supported",
      `host ${module.host} has only anonymous users (authentication = "anonymous")`,
    );
  };
  const provider: AuthProvider = {
    name: "anonymous",
    saslMechanisms: ["ANONYMOUS"],
    async userExists(username) {
      return (module.server.sessions.bare(`${username}@${module.host}`)?.size ?? 0) > 0;
    },
    createUser: refuse,
    setPassword: refuse,
    deleteUser: refuse,
    async testPassword() {
      return false;
    },
    async getScramCredentials() {
      return undefined;
    },
    async *users() {
      const seen = new Set<string>();
      for (const session of module.server.sessions.all()) {
        const username = (session as { username?: string }).username;
        if (session.host === module.host && username !== undefined && !seen.has(username)) {
          seen.add(username);
          yield username;
        }
      }
    },
  };
  module.provides("auth", provider);
}
