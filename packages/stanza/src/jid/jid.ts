import { isIPv6 } from "node:net";
import { JidError, type JidPart } from "./error.js";
import { defaultStringPrep, type StringPrep } from "./stringprep.js";

/** The parts of a JID (RFC 7622): `node@domain/resource`. */
export interface JidParts {
  node: string | undefined;
  domain: string;
  resource: string | undefined;
}

export interface PrepOptions {
  /** Refuse code points unassigned in Unicode 3.2, as Prosody's `strict` flag does. */
  strict?: boolean;
  /** Replaces the stringprep implementation (defaults to `defaultStringPrep`). */
  stringprep?: StringPrep;
}

/** RFC 7622 §3.1: each part is 1 to 1023 octets of UTF-8. */
export const MAX_PART_BYTES = 1023;

function splitOrReason(jid: string): JidParts | [JidPart, string] {
  const slash = jid.indexOf("/");
  const head = slash === -1 ? jid : jid.slice(0, slash);
  let resource: string | undefined;
  if (slash !== -1) {
    resource = jid.slice(slash + 1);
    if (resource === "") return ["resource", "is empty (nothing after '/')"];
  }
  const at = head.indexOf("@");
  let node: string | undefined;
  let domain = head;
  if (at !== -1) {
    node = head.slice(0, at);
    domain = head.slice(at + 1);
    if (node === "") return ["node", "is empty (nothing before '@')"];
    if (domain.includes("@")) return ["domain", "contains '@'"];
  }
  if (domain === "") return ["domain", "is empty"];
  return { node, domain, resource };
}

/**
 * Splits a JID into its parts without preparing them (Prosody's `jid.split`). Returns `undefined`
 * for a string that is not a JID: an empty node, domain or resource, or a second `@` before `/`.
 */
export function splitJid(jid: string): JidParts | undefined {
  if (typeof jid !== "string") throw new TypeError(`splitJid: expected a string, got ${typeof jid}`);
  const r = splitOrReason(jid);
  return Array.isArray(r) ? undefined : r;
}

/** The bare JID (`node@domain` or `domain`), or `undefined` when `jid` is not a JID. */
export function bare(jid: string): string | undefined {
  const p = splitJid(jid);
  if (!p) return undefined;
  return p.node === undefined ? p.domain : `${p.node}@${p.domain}`;
}

/** Builds a JID from parts; `undefined` without a domain, as Prosody's `jid.join`. */
export function join(
  node: string | undefined,
  domain: string | undefined,
  resource?: string,
): string | undefined {
  for (const [name, v] of [
    ["node", node],
    ["domain", domain],
    ["resource", resource],
  ] as const) {
    if (v !== undefined && v !== null && typeof v !== "string") {
      throw new TypeError(`join: ${name} must be a string or undefined, got ${typeof v}`);
    }
  }
  if (!domain) return undefined;
  let out = node ? `${node}@${domain}` : domain;
  if (resource) out += `/${resource}`;
  return out;
}

// Printable ASCII that nodeprep leaves alone apart from case: RFC 3920 Appendix A.5 prohibits space
// and " & ' / : < > @ in nodes, and every profile prohibits control characters.
const FAST_NODE = /^[!#$%(-.0-9;=?A-Z[-~]+$/;
// Hostname characters (plus '_', seen on internal service names); nameprep only lowercases these.
const FAST_DOMAIN = /^[A-Za-z0-9._-]+$/;
// Printable ASCII including space: resourceprep maps none of it and prohibits none of it.
const FAST_RESOURCE = /^[ -~]+$/;
// After nameprep, the only ASCII allowed in a domain is LDH, '_' and '.' (STD3-ish rules).
const BAD_DOMAIN_ASCII = /[\0-,/:-@[-^`{-\x7f]/;
// IDNA label separators (RFC 3490 §3.1) that nameprep does not map to '.'.
const IDNA_DOTS = /[\u3002\uff0e\uff61]/g;

function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

function checkLength(jid: string, part: JidPart, value: string): void {
  if (value === "") throw new JidError(jid, part, "is empty after stringprep");
  if (value.length > MAX_PART_BYTES || byteLength(value) > MAX_PART_BYTES) {
    throw new JidError(jid, part, `is longer than ${MAX_PART_BYTES} bytes`);
  }
}

function prepPart(
  jid: string,
  part: "node" | "resource",
  value: string,
  sp: StringPrep,
  strict: boolean,
): string {
  let out: string;
  if (part === "node" && FAST_NODE.test(value)) {
    out = value.toLowerCase();
  } else if (part === "resource" && FAST_RESOURCE.test(value)) {
    out = value;
  } else {
    try {
      out = part === "node" ? sp.nodeprep(value, strict) : sp.resourceprep(value, strict);
    } catch (cause) {
      throw new JidError(jid, part, `fails ${part}prep: ${(cause as Error).message ?? cause}`, { cause });
    }
  }
  checkLength(jid, part, out);
  return out;
}

function prepDomain(jid: string, value: string, sp: StringPrep, strict: boolean): string {
  let domain = value;
  // A single trailing dot is the DNS root label: "example.com." names the same host.
  if (domain.endsWith(".")) domain = domain.slice(0, -1);
  if (domain === "") throw new JidError(jid, "domain", "is empty");
  if (domain.startsWith("[")) {
    // RFC 7622 §3.2: an IPv6 address literal in brackets; compare in lowercase like hostnames.
    const inner = domain.endsWith("]") ? domain.slice(1, -1) : "";
    if (!isIPv6(inner)) throw new JidError(jid, "domain", "is not a valid IPv6 address literal");
    return domain.toLowerCase();
  }
  let out: string;
  if (FAST_DOMAIN.test(domain)) {
    out = domain.toLowerCase();
  } else {
    try {
      out = sp.nameprep(domain.replace(IDNA_DOTS, "."), strict);
    } catch (cause) {
      throw new JidError(jid, "domain", `fails nameprep: ${(cause as Error).message ?? cause}`, { cause });
    }
    const bad = BAD_DOMAIN_ASCII.exec(out);
    if (bad) {
      throw new JidError(jid, "domain", `contains ${JSON.stringify(bad[0])}, not allowed in a hostname`);
    }
  }
  checkLength(jid, "domain", out);
  // IPv4 literals are plain dotted labels and pass the checks below unchanged.
  for (const label of out.split(".")) {
    if (label === "")
      throw new JidError(jid, "domain", "has an empty label (two dots in a row, or a leading dot)");
    if (label.length > 63 && byteLength(label) > 63) {
      throw new JidError(jid, "domain", "has a label longer than 63 bytes");
    }
  }
  return out;
}

/**
 * Splits and prepares a JID (Prosody's `jid.prepped_split`, throwing instead of returning nil):
 * nodeprep, nameprep and resourceprep; the domain's trailing dot is dropped; each part is checked
 * against the 1023-byte limit. Throws a `JidError` naming the part and the reason.
 *
 * Input that is already in canonical form for its profile (printable ASCII without characters a
 * profile prohibits) is only ASCII-lowercased, which is what stringprep would do to it anyway.
 */
export function parseJid(jid: string, options: PrepOptions = {}): JidParts {
  if (typeof jid !== "string") throw new JidError(String(jid), "jid", `must be a string, got ${typeof jid}`);
  const r = splitOrReason(jid);
  if (Array.isArray(r)) throw new JidError(jid, r[0], r[1]);
  const sp = options.stringprep ?? defaultStringPrep;
  const strict = options.strict ?? false;
  const domain = prepDomain(jid, r.domain, sp, strict);
  const node = r.node === undefined ? undefined : prepPart(jid, "node", r.node, sp, strict);
  const resource = r.resource === undefined ? undefined : prepPart(jid, "resource", r.resource, sp, strict);
  return { node, domain, resource };
}

/** The prepared (canonical) form of a JID (Prosody's `jid.prep`). Throws a `JidError` when invalid. */
export function prepJid(jid: string, options?: PrepOptions): string {
  const p = parseJid(jid, options);
  return join(p.node, p.domain, p.resource)!;
}

/**
 * Whether `jid` matches the pattern `acl` (Prosody's `jid.compare`): each part present in `acl`
 * must equal the same part of `jid`; parts absent from `acl` match anything. So `"host"` matches
 * every JID at that host and `"user@host"` every resource of that user. Compares as given (prep
 * both first for case-insensitive matching). An invalid `acl` or `jid` matches nothing.
 */
export function compareJids(jid: string, acl: string): boolean {
  const j = splitJid(jid);
  const a = splitJid(acl);
  if (!j || !a) return false;
  return (
    (a.node === undefined || a.node === j.node) &&
    a.domain === j.domain &&
    (a.resource === undefined || a.resource === j.resource)
  );
}

/** Whether two JIDs are the same address once prepared; `false` if either is invalid. */
export function jidEquals(a: string, b: string, options?: PrepOptions): boolean {
  try {
    return prepJid(a, options) === prepJid(b, options);
  } catch {
    return false;
  }
}
