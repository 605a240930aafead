// Fast paths for JIDs that are already prepared (the router stamps prepared `from`/`to` on every
// stanza): plain slicing, no stringprep and no validation. An unprepared or invalid string gives a
// slice of itself rather than an error; use `splitJid` / `parseJid` where input is untrusted.

/** The JID without its resource: `node@domain` or `domain`. */
export function bareOf(jid: string): string {
  const slash = jid.indexOf("/");
  return slash < 0 ? jid : jid.slice(0, slash);
}

/** The domain part. An `@` after the first `/` belongs to the resource. */
export function domainOf(jid: string): string {
  const slash = jid.indexOf("/");
  const at = jid.indexOf("@");
  const start = at < 0 || (slash >= 0 && slash < at) ? 0 : at + 1;
  return jid.slice(start, slash < 0 ? undefined : slash);
}

/** The localpart, `undefined` for a domain JID (or an empty localpart). */
export function nodeOf(jid: string): string | undefined {
  const at = jid.indexOf("@");
  if (at <= 0) return undefined;
  const slash = jid.indexOf("/");
  return slash >= 0 && slash < at ? undefined : jid.slice(0, at);
}

/** The resource, `undefined` when there is none. */
export function resourceOf(jid: string): string | undefined {
  const slash = jid.indexOf("/");
  return slash < 0 ? undefined : jid.slice(slash + 1);
}
