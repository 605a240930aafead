import { stanza } from "canto";

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
