import { Element, StanzaError, type storage } from "canto";
import { NS_MAM } from "./util.js";

export type ArchivePolicy = "always" | "never" | "roster";

/** A user's archiving preferences (XEP-0313 §6), as kept in the keyval store `archive_prefs`. */
export interface ArchivePrefs {
  default: ArchivePolicy;
  /** Bare JIDs whose messages are always archived. */
  always: string[];
  /** Bare JIDs whose messages are never archived; wins over `always`. */
  never: string[];
}

const POLICIES: ReadonlySet<string> = new Set(["always", "never", "roster"]);

export function isPolicy(value: unknown): value is ArchivePolicy {
  return typeof value === "string" && POLICIES.has(value);
}

/**
 * Reads `default_archive_policy` as Prosody does: `true` archives everything, `false` nothing,
 * `"roster"` only contacts; `"always"` and `"never"` are accepted too. `undefined` when invalid.
 */
export function policyFromOption(value: unknown): ArchivePolicy | undefined {
  if (value === true) return "always";
  if (value === false) return "never";
  return isPolicy(value) ? value : undefined;
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** Stored prefs, or the server default for a user who never set any (or whose document is damaged). */
export function decodePrefs(document: unknown, fallback: ArchivePolicy): ArchivePrefs {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    return { default: fallback, always: [], never: [] };
  }
  const doc = document as Record<string, unknown>;
  return {
    default: isPolicy(doc.default) ? doc.default : fallback,
    always: strings(doc.always),
    never: strings(doc.never),
  };
}

export function encodePrefs(prefs: ArchivePrefs): storage.Document {
  return { default: prefs.default, always: [...prefs.always], never: [...prefs.never] };
}

/** `<prefs/>` as XEP-0313 §6.1 shows it. */
export function prefsElement(prefs: ArchivePrefs): Element {
  const el = new Element("prefs", { xmlns: NS_MAM, default: prefs.default });
  const always = el.c("always");
  for (const jid of prefs.always) always.c("jid").t(jid);
  const never = el.c("never");
  for (const jid of prefs.never) never.c("jid").t(jid);
  return el;
}

/** Reads a client's `<prefs/>`; throws a `bad-request` StanzaError naming what is wrong. */
export function parsePrefs(el: Element, bare: (jid: string) => string): ArchivePrefs {
  const policy = el.attrs.default;
  if (!isPolicy(policy)) {
    throw new StanzaError({
      type: "modify",
      condition: "bad-request",
      text: `prefs default must be always, never or roster, got ${JSON.stringify(policy ?? null)}`,
    });
  }
  const list = (name: string) => {
    const jids = el.getChild(name)?.getChildren("jid") ?? [];
    return [...new Set(jids.map((jid) => bare(jid.getText().trim())))];
  };
  const never = list("never");
  const always = list("always").filter((jid) => !never.includes(jid));
  return { default: policy, always, never };
}

/** Whether a message exchanged with `withJid` (bare) is archived under `prefs`. */
export async function allowedByPrefs(
  prefs: ArchivePrefs,
  withJid: string,
  inRoster: () => Promise<boolean>,
): Promise<boolean> {
  if (prefs.never.includes(withJid)) return false;
  if (prefs.always.includes(withJid)) return true;
  if (prefs.default === "always") return true;
  if (prefs.default === "never") return false;
  return inRoster();
}
