/** The parts of a JID. `node` and `resource` are absent when the JID has none. */
export interface JidParts {
  node?: string | undefined;
  domain: string;
  resource?: string | undefined;
}

/** Splits and normalises a JID, or returns `undefined` when it is not one. */
export type ParseJid = (jid: string) => JidParts | undefined;

/**
 * A minimal JID split (`node@domain/resource`) that lowercases node and domain. It is not full
 * stringprep: inject a real `parseJid` (e.g. from @canto/stanza) for internationalised JIDs.
 */
export const splitJid: ParseJid = (jid) => {
  const slash = jid.indexOf("/");
  const bare = slash === -1 ? jid : jid.slice(0, slash);
  const resource = slash === -1 ? undefined : jid.slice(slash + 1);
  const at = bare.indexOf("@");
  const node = at === -1 ? undefined : bare.slice(0, at);
  const domain = (at === -1 ? bare : bare.slice(at + 1)).toLowerCase();
  if (domain === "" || domain.includes("@") || node === "" || resource === "") return undefined;
  return { node: node?.toLowerCase(), domain, resource };
};

/** `node@domain` or `domain`. */
export function bareJid(parts: JidParts): string {
  return parts.node === undefined ? parts.domain : `${parts.node}@${parts.domain}`;
}
