import { createHmac } from "node:crypto";

/**
 * Time-limited TURN credentials of the TURN REST API (draft-uberti-behave-turn-rest, what coturn's
 * `use-auth-secret` checks): the username is the expiry time in Unix seconds, optionally followed by
 * `:` and a name; the password is base64(HMAC-SHA1(secret, username)).
 */
export function turnCredentials(
  secret: string,
  expires: number,
  user?: string,
): { username: string; password: string } {
  const stamp = String(Math.floor(expires));
  const username = user === undefined || user === "" ? stamp : `${stamp}:${user}`;
  return { username, password: createHmac("sha1", secret).update(username).digest("base64") };
}
