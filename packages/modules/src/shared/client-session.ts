import { stanza } from "canto";
import type { C2sSession } from "./contracts.js";

/**
 * What the stream transports share: reading `close()`'s reason (c2s, websocket, component), and
 * the checks of stream resumption (XEP-0198) for the client ones (shared/session-link.ts holds
 * the rest), so all keep the same rules.
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
