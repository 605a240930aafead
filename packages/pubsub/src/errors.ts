import { Element, NS, StanzaError, type StanzaErrorCondition, type StanzaErrorType } from "@canto/stanza";

/**
 * The stable codes of {@link PubsubError}: XEP-0060's error cases, named after the pubsub-specific
 * child of `<error/>` where there is one, else after the XMPP condition.
 */
export type PubsubErrorCode =
  | "item-not-found"
  | "forbidden"
  | "conflict"
  | "precondition-not-met"
  | "presence-subscription-required"
  | "not-in-roster-group"
  | "closed-node"
  | "not-subscribed"
  | "pending-subscription"
  | "not-subscribed-authorize"
  | "invalid-jid"
  | "invalid-payload"
  | "item-required"
  | "item-forbidden"
  | "nodeid-required"
  | "payload-too-big"
  | "payload-required"
  | "max-items-exceeded"
  | "node-name-too-long"
  | "item-id-too-long"
  | "bad-request"
  | "not-acceptable"
  | "invalid-options"
  | "unsupported"
  | "internal-server-error";

interface Shape {
  type: StanzaErrorType;
  condition: StanzaErrorCondition;
  /** The child in `pubsub#errors`, if any. */
  child?: string;
}

const SHAPES: Record<PubsubErrorCode, Shape> = {
  "item-not-found": { type: "cancel", condition: "item-not-found" },
  forbidden: { type: "auth", condition: "forbidden" },
  conflict: { type: "cancel", condition: "conflict" },
  "precondition-not-met": { type: "cancel", condition: "conflict", child: "precondition-not-met" },
  "presence-subscription-required": {
    type: "auth",
    condition: "not-authorized",
    child: "presence-subscription-required",
  },
  "not-in-roster-group": { type: "auth", condition: "not-authorized", child: "not-in-roster-group" },
  "closed-node": { type: "cancel", condition: "not-allowed", child: "closed-node" },
  "not-subscribed": { type: "cancel", condition: "unexpected-request", child: "not-subscribed" },
  "not-subscribed-authorize": { type: "auth", condition: "not-authorized", child: "not-subscribed" },
  "pending-subscription": { type: "auth", condition: "not-authorized", child: "pending-subscription" },
  "invalid-jid": { type: "modify", condition: "bad-request", child: "invalid-jid" },
  "invalid-payload": { type: "modify", condition: "bad-request", child: "invalid-payload" },
  "item-required": { type: "modify", condition: "bad-request", child: "item-required" },
  "item-forbidden": { type: "modify", condition: "bad-request", child: "item-forbidden" },
  "nodeid-required": { type: "modify", condition: "bad-request", child: "nodeid-required" },
  "payload-too-big": { type: "modify", condition: "not-acceptable", child: "payload-too-big" },
  "payload-required": { type: "modify", condition: "bad-request", child: "payload-required" },
  "max-items-exceeded": { type: "modify", condition: "not-acceptable", child: "max-items-exceeded" },
  "node-name-too-long": { type: "modify", condition: "not-acceptable" },
  "item-id-too-long": { type: "modify", condition: "not-acceptable" },
  "bad-request": { type: "modify", condition: "bad-request" },
  "not-acceptable": { type: "modify", condition: "not-acceptable" },
  "invalid-options": { type: "modify", condition: "bad-request", child: "invalid-options" },
  unsupported: { type: "cancel", condition: "feature-not-implemented", child: "unsupported" },
  "internal-server-error": { type: "wait", condition: "internal-server-error" },
};

/**
 * An XEP-0060 error: a {@link StanzaError} whose `code` is stable and whose `extra.tag` is the
 * `pubsub#errors` child (with its `feature` attribute for `unsupported`), so `errorReply(stanza,
 * err)` answers exactly what the XEP names.
 */
export class PubsubError extends StanzaError {
  declare readonly code: PubsubErrorCode;
  /** For `unsupported`: the pubsub feature (`publish-options`, `retrieve-items`, ...). */
  readonly feature: string | undefined;

  constructor(code: PubsubErrorCode, text?: string, feature?: string) {
    const shape = SHAPES[code];
    let tag: Element | undefined;
    if (shape.child !== undefined) {
      tag = new Element(shape.child, { xmlns: NS.pubsub_errors });
      if (feature !== undefined) tag.attrs.feature = feature;
    }
    super({ type: shape.type, condition: shape.condition, text, code, extra: tag ? { tag } : undefined });
    this.name = "PubsubError";
    this.feature = feature;
  }
}

/** Is `error` a {@link PubsubError} (optionally with `code`)? */
export function isPubsubError(error: unknown, code?: PubsubErrorCode): error is PubsubError {
  return error instanceof PubsubError && (code === undefined || error.code === code);
}
