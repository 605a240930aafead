import { AccountError, createAccount, deleteAccount, setPassword, standardModules } from "@canto/modules";
import { startAccountServer } from "./account-server.js";
import { CliError, EXIT } from "./exit-codes.js";
import { parseAccountJid } from "./jid-arg.js";
import { loadServerConfig } from "./load-config.js";
import { type PasswordIo, readPassword } from "./password.js";

export type AccountCommand = "adduser" | "passwd" | "deluser";

export interface AccountOptions {
  config?: string | undefined;
  password?: string | undefined;
  /** Global options that replace the file's (`--option NAME=VALUE`). */
  overrides?: Record<string, unknown> | undefined;
}

const CODES: Partial<Record<AccountError["code"], number>> = {
  "user-exists": EXIT.userExists,
  "user-not-found": EXIT.userNotFound,
  "host-not-found": EXIT.unknownHost,
  "invalid-username": EXIT.usage,
  "invalid-password": EXIT.usage,
};

/**
 * `canto adduser|passwd|deluser JID`: runs the config's hosts without listeners and changes the
 * account through @canto/modules. Returns what to print on success.
 */
export async function accountCommand(
  command: AccountCommand,
  jidArg: string | undefined,
  options: AccountOptions,
  io: PasswordIo,
): Promise<string> {
  const { username, host } = parseAccountJid(jidArg, command);
  const { config, file } = await loadServerConfig(options.config, standardModules, options.overrides);
  const info = config.host(host);
  if (info === undefined || info.type !== "local") {
    const hosts = config
      .hosts()
      .filter((h) => h.type === "local")
      .map((h) => h.name);
    throw new CliError(
      EXIT.unknownHost,
      `${command}: ${host} is not a VirtualHost of ${file ?? "the embedded default config"} (hosts: ${hosts.join(", ") || "none"})`,
    );
  }
  if (command === "deluser" && options.password !== undefined) {
    throw new CliError(EXIT.usage, "deluser: --password is not an option of deluser");
  }
  const password = command === "deluser" ? "" : await readPassword(options.password, io, command);

  const server = await startAccountServer(config);
  try {
    if (command === "adduser") {
      const node = await createAccount(server, host, username, password);
      return `Created account ${node}@${host}`;
    }
    if (command === "passwd") {
      await setPassword(server, host, username, password);
      return `Changed the password of ${username}@${host}`;
    }
    await deleteAccount(server, host, username);
    return `Deleted account ${username}@${host}`;
  } catch (error) {
    if (error instanceof AccountError) {
      throw new CliError(CODES[error.code] ?? EXIT.failure, `${command}: ${error.message}`);
    }
    throw error;
  } finally {
    await server.stop("account command done");
  }
}
