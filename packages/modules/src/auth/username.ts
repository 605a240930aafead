import { parseJid } from "canto";
import { AccountError } from "./errors.js";

/**
 * The canonical form of an account name: nodeprep (RFC 3920 Appendix A), so `Alice` and `alice` are
 * one account. Throws an `AccountError` (`invalid-username`) naming why the name cannot be a localpart.
 */
export function prepUsername(username: string): string {
  if (typeof username !== "string" || username === "") {
    throw new AccountError("invalid-username", "the username is empty");
  }
  // Checked first: '@' and '/' would be read as JID separators before nodeprep sees them.
  const separator = /[@/]/.exec(username);
  if (separator) {
    throw new AccountError(
      "invalid-username",
      `the username ${JSON.stringify(username)} contains '${separator[0]}'`,
    );
  }
  try {
    const { node } = parseJid(`${username}@localhost`);
    return node!;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AccountError(
      "invalid-username",
      `the username ${JSON.stringify(username)} is invalid: ${reason}`,
      {
        cause,
      },
    );
  }
}
