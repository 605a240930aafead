import { prepJid } from "canto";

/**
 * Whether a SASL authorization identity may be used by `username`: Canto authenticates users as
 * themselves only, so the authzid must be absent or name the same account (RFC 6120 §6.4.6).
 */
export function authzidAllowed(authzid: string, username: string, host: string): boolean {
  if (authzid === "") return true;
  try {
    return prepJid(authzid) === `${username}@${host}`;
  } catch {
    return false;
  }
}
