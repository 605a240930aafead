import { parseJid, type stanza } from "canto";

/** Why a stream header (or RFC 7395 `<open/>`) is refused: the stream error to answer it with. */
export interface StreamRefusal {
  condition: stanza.StreamErrorCondition;
  text: string;
}

/** What a stream header says, once checked. */
export interface StreamHeader {
  /** The `to` domain the peer wants. */
  domain: string;
  /** A valid `from`, echoed as our `to`; an invalid one is dropped (RFC 6120 §4.7.1). */
  from: string | undefined;
  lang: string | undefined;
  version: string | undefined;
}

/**
 * Which `version` a role accepts: `1.x` any XMPP 1.x or later (RFC 6120 §4.7.5), `1.0` exactly
 * (RFC 7395 §3.4), `optional` none needed (XEP-0114 components predate versions).
 */
export type VersionRule = "1.x" | "1.0" | "optional";

export const isRefusal = (result: StreamHeader | StreamRefusal): result is StreamRefusal =>
  "condition" in result;

/**
 * The header checks of RFC 6120 §4, shared by every stream of every transport and role: version,
 * a `to` that is a bare domain, `from` and `xml:lang`. `what` names the header in errors.
 */
export function readStreamHeader(
  attrs: Readonly<Record<string, string | undefined>>,
  version: VersionRule,
  what = "the stream header",
): StreamHeader | StreamRefusal {
  const given = attrs.version;
  if (version === "1.0" ? given !== "1.0" : version === "1.x" && !isXmpp1(given)) {
    return { condition: "unsupported-version", text: `XMPP 1.0 streams only: ${what} needs version='1.0'` };
  }
  let domain: string | undefined;
  try {
    const jid = parseJid(attrs.to ?? "");
    if (jid.node === undefined && jid.resource === undefined) domain = jid.domain;
  } catch {
    // Not a JID at all.
  }
  if (domain === undefined) {
    return { condition: "improper-addressing", text: `${what} needs a 'to' naming a server` };
  }
  return { domain, from: peerFrom(attrs.from), lang: attrs["xml:lang"], version: given };
}

function isXmpp1(version: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)$/.exec(version ?? "");
  return match !== null && Number(match[1]) >= 1;
}

/** A peer's `from`, if it is a JID; an invalid one is ignored and never echoed (RFC 6120 §4.7.1). */
export function peerFrom(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseJid(value);
    return value;
  } catch {
    return undefined;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export const escapeAttr = (value: string): string => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/**
 * Our `<stream:stream>` header for a TCP stream (c2s, component, s2s): `ns` is the content
 * namespace; `version` is left out for a peer that sent none (XEP-0114).
 */
export function streamHeader(attrs: {
  ns: string;
  id: string;
  from?: string | undefined;
  to?: string | undefined;
  version?: boolean;
  lang?: boolean;
}): string {
  let header = `<?xml version='1.0'?><stream:stream xmlns='${attrs.ns}' xmlns:stream='http://etherx.jabber.org/streams' id='${attrs.id}'`;
  if (attrs.version !== false) header += " version='1.0'";
  if (attrs.lang !== false) header += " xml:lang='en'";
  if (attrs.from !== undefined) header += ` from='${escapeAttr(attrs.from)}'`;
  if (attrs.to !== undefined) header += ` to='${escapeAttr(attrs.to)}'`;
  return `${header}>`;
}
