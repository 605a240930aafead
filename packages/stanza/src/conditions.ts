import { NS } from "./namespaces.js";

/** Namespaces that stanza and stream errors live in (RFC 6120 §4.9 and §8.3); also in `NS`. */
export const NS_STREAMS = NS.streams;
export const NS_XMPP_STREAMS = NS.stream_errors;
export const NS_XMPP_STANZAS = NS.stanzas;
export const NS_CLIENT = NS.client;
export const NS_SERVER = NS.server;

/** The five error types of RFC 6120 §8.3.2. */
export type StanzaErrorType = "auth" | "cancel" | "continue" | "modify" | "wait";

export const STANZA_ERROR_TYPES: readonly StanzaErrorType[] = [
  "auth",
  "cancel",
  "continue",
  "modify",
  "wait",
];

/**
 * RFC 6120 §8.3.3 defined conditions, each with the type the RFC gives in its example. A caller that
 * passes no type gets this one, which is what a peer most likely expects for that condition.
 */
export const STANZA_ERROR_CONDITIONS = {
  "bad-request": "modify",
  conflict: "cancel",
  "feature-not-implemented": "cancel",
  forbidden: "auth",
  gone: "cancel",
  "internal-server-error": "cancel",
  "item-not-found": "cancel",
  "jid-malformed": "modify",
  "not-acceptable": "modify",
  "not-allowed": "cancel",
  "not-authorized": "auth",
  "policy-violation": "modify",
  "recipient-unavailable": "wait",
  redirect: "modify",
  "registration-required": "auth",
  "remote-server-not-found": "cancel",
  "remote-server-timeout": "wait",
  "resource-constraint": "wait",
  "service-unavailable": "cancel",
  "subscription-required": "auth",
  "undefined-condition": "cancel",
  "unexpected-request": "wait",
} as const satisfies Record<string, StanzaErrorType>;

export type StanzaErrorCondition = keyof typeof STANZA_ERROR_CONDITIONS;

/** RFC 6120 §4.9.3 stream error conditions. A stream error always closes the stream. */
export const STREAM_ERROR_CONDITIONS = [
  "bad-format",
  "bad-namespace-prefix",
  "conflict",
  "connection-timeout",
  "host-gone",
  "host-unknown",
  "improper-addressing",
  "internal-server-error",
  "invalid-from",
  "invalid-namespace",
  "invalid-xml",
  "not-authorized",
  "not-well-formed",
  "policy-violation",
  "remote-connection-failed",
  "reset",
  "resource-constraint",
  "restricted-xml",
  "see-other-host",
  "system-shutdown",
  "undefined-condition",
  "unsupported-encoding",
  "unsupported-feature",
  "unsupported-stanza-type",
  "unsupported-version",
] as const;

export type StreamErrorCondition = (typeof STREAM_ERROR_CONDITIONS)[number];

/** True when `condition` is one of RFC 6120's stanza error conditions. */
export function isStanzaErrorCondition(condition: string): condition is StanzaErrorCondition {
  return Object.hasOwn(STANZA_ERROR_CONDITIONS, condition);
}

/** True when `condition` is one of RFC 6120's stream error conditions. */
export function isStreamErrorCondition(condition: string): condition is StreamErrorCondition {
  return (STREAM_ERROR_CONDITIONS as readonly string[]).includes(condition);
}
