import { parseJid } from "canto";
import { CliError, EXIT } from "./exit-codes.js";

/** The account a `user@host` argument names. */
export interface AccountArg {
  username: string;
  host: string;
}

/** Parses the JID argument of the account commands; a bad one is a usage error naming it. */
export function parseAccountJid(value: string | undefined, command: string): AccountArg {
  if (value === undefined || value === "") {
    throw new CliError(
      EXIT.usage,
      `${command}: missing the account's JID (e.g. canto ${command} alice@localhost)`,
    );
  }
  let jid: ReturnType<typeof parseJid>;
  try {
    jid = parseJid(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(EXIT.usage, `${command}: ${JSON.stringify(value)} is not a valid JID: ${reason}`);
  }
  if (jid.node === undefined || jid.node === "") {
    throw new CliError(
      EXIT.usage,
      `${command}: ${JSON.stringify(value)} has no user part (expected user@host)`,
    );
  }
  if (jid.resource !== undefined) {
    throw new CliError(
      EXIT.usage,
      `${command}: ${JSON.stringify(value)} has a resource; an account is a bare JID (user@host)`,
    );
  }
  return { username: jid.node, host: jid.domain };
}
