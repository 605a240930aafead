/** Which part of a JID was wrong. `jid` means the whole string (e.g. it is not a string at all). */
export type JidPart = "node" | "domain" | "resource" | "jid";

/**
 * An invalid JID. `code` is always `"jid-malformed"`, the stanza error condition a server answers
 * with (RFC 6120 §8.3.3.8); `part` and `reason` say what was wrong, and the message says both.
 */
export class JidError extends Error {
  readonly code = "jid-malformed" as const;
  readonly part: JidPart;
  readonly reason: string;
  readonly jid: string;

  constructor(jid: string, part: JidPart, reason: string, options?: { cause?: unknown }) {
    super(`invalid JID ${JSON.stringify(jid)}: ${part === "jid" ? "" : `${part} part `}${reason}`, options);
    this.name = "JidError";
    this.jid = jid;
    this.part = part;
    this.reason = reason;
  }
}
