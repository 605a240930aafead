import saslprepImpl from "@mongodb-js/saslprep";
import { AccountError } from "./errors.js";

/**
 * SASLprep (RFC 4013) for passwords and SASL names, stored strings (unassigned code points
 * refused, as RFC 4013 §2.5 asks for stored strings). Throws an `AccountError` naming the problem.
 */
export function saslprep(input: string, what: "password" | "username" = "password"): string {
  try {
    return saslprepImpl(input);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AccountError(`invalid-${what}`, `the ${what} fails SASLprep: ${reason}`, { cause });
  }
}
