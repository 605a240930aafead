import { type Module, stanza } from "canto";
import type { C2sSession } from "./contracts.js";

/**
 * What the client transports (`c2s` over TCP, `websocket`) share: reading `close()`'s reason, and
 * the checks and event of stream resumption (XEP-0198), so both keep the same rules.
 */

/** Splits `close()`'s reason (`"condition: text"` or `"condition"`) into a stream error. */
export function parseReason(reason: string): {
  condition: stanza.StreamErrorCondition;
  text: string | undefined;
} {
  const colon = reason.indexOf(": ");
  const head = colon === -1 ? reason : reason.slice(0, colon);
  if (stanza.isStreamErrorCondition(head)) {
    return { condition: head, text: colon === -1 ? undefined : reason.slice(colon + 2) };
  }
  return { condition: "undefined-condition", text: reason };
}

/**
 * Throws unless `carrier` (a newly authenticated, unbound connection) may take over `previous`
 * (XEP-0198 resumption). `previous` must be of the carrier's own `transport` class (named by
 * `kind` in the error); `busy`: the carrier is closed or already carries a session. Nothing
 * is changed either way, so a caller that catches the error can refuse the resumption cleanly.
 */
export function checkCarry<T extends C2sSession>(
  carrier: T,
  previous: C2sSession,
  { transport, busy, kind }: { transport: abstract new (...args: never[]) => T; busy: boolean; kind: string },
): asserts previous is T {
  if (!(previous instanceof transport) || previous === carrier) {
    throw new TypeError(`session ${carrier.id} can only take over another ${kind} session`);
  }
  if (busy || carrier.fullJid !== undefined || carrier.type !== "c2s") {
    throw new Error(`session ${carrier.id} cannot take over a session (closed, bound or unauthenticated)`);
  }
  if (
    previous.fullJid === undefined ||
    previous.username !== carrier.username ||
    previous.host !== carrier.host
  ) {
    throw new Error(`session ${previous.id} is not a bound session of ${carrier.username}@${carrier.host}`);
  }
}

/**
 * A bound session lost its connection without a stream close: fires `c2s-disconnect` on its host
 * module, and says whether a handler (smacks) keeps the session bound, by returning true, until it
 * resumes or that module destroys it. An unbound session is never kept.
 */
export function keptOnDisconnect(
  hostModule: Module | undefined,
  session: C2sSession,
  log: (level: string, fmt: string, ...args: unknown[]) => void,
): boolean {
  if (session.fullJid === undefined) return false;
  let kept: unknown;
  try {
    kept = hostModule?.fireEvent("c2s-disconnect", { session });
  } catch (error) {
    log("error", "c2s-disconnect failed for %s: %s", session.id, error);
    return false;
  }
  if (kept !== true) return false;
  log("debug", "session %s (%s) hibernates", session.id, session.fullJid);
  return true;
}
