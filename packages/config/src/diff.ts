import { type ConfigData, GLOBAL, type Section } from "./types.js";

/** What changed in one section between two loads. */
export interface HostChanges {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/** What `reload()` reports: per host (`"*"` for the global section), and hosts that came or went. */
export interface ConfigChanges {
  readonly hosts: Map<string, HostChanges>;
  readonly addedHosts: string[];
  readonly removedHosts: string[];
  /** True when anything at all changed. */
  readonly changed: boolean;
}

/** Structural equality of config values. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.hasOwn(b, key)) return false;
    if (!sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function compare(before: Section | undefined, after: Section | undefined): HostChanges {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const old = before?.options ?? new Map();
  const now = after?.options ?? new Map();
  for (const [name, entry] of now) {
    const previous = old.get(name);
    if (previous === undefined) added.push(name);
    else if (!sameValue(previous.value, entry.value)) changed.push(name);
  }
  for (const name of old.keys()) if (!now.has(name)) removed.push(name);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

/** Compares two loads of a configuration. */
export function diffConfig(before: ConfigData, after: ConfigData): ConfigChanges {
  const hosts = new Map<string, HostChanges>();
  const record = (name: string, changes: HostChanges) => {
    if (changes.added.length + changes.removed.length + changes.changed.length > 0) hosts.set(name, changes);
  };
  record(GLOBAL, compare(before.global, after.global));
  const names = new Set([...before.hosts.keys(), ...after.hosts.keys()]);
  const addedHosts: string[] = [];
  const removedHosts: string[] = [];
  for (const name of [...names].sort()) {
    const a = before.hosts.get(name);
    const b = after.hosts.get(name);
    if (!a) addedHosts.push(name);
    if (!b) removedHosts.push(name);
    record(name, compare(a, b));
  }
  return {
    hosts,
    addedHosts,
    removedHosts,
    changed: hosts.size > 0 || addedHosts.length > 0 || removedHosts.length > 0,
  };
}
