// Prosody's `log` option (its loggingmanager's rules) read into sinks for pino: which levels go
// to the console and which to which file.
import { isAbsolute, resolve } from "node:path";

/** Prosody's levels, lowest first; pino's trace and fatal ride along with debug and error. */
export const PROSODY_LEVELS = ["debug", "info", "warn", "error"] as const;
export type ProsodyLevel = (typeof PROSODY_LEVELS)[number];

/** Where some levels go. */
export interface LogSink {
  to: "console" | "file";
  /** Absolute, for `to: "file"`. */
  filename?: string;
  levels: ReadonlySet<ProsodyLevel>;
}

export interface LogRules {
  sinks: LogSink[];
  /** What was ignored (syslog, unknown sink types), one sentence each, for the start-up log. */
  notes: string[];
}

const isLevel = (value: unknown): value is ProsodyLevel =>
  typeof value === "string" && (PROSODY_LEVELS as readonly string[]).includes(value);

/** Prosody's get_levels: a level, `{ min, max }`, a list of levels, or both. Default: all. */
function levelsOf(criteria: unknown): Set<ProsodyLevel> {
  if (criteria === undefined) return new Set(PROSODY_LEVELS);
  if (isLevel(criteria)) return new Set([criteria]);
  const set = new Set<ProsodyLevel>();
  if (typeof criteria !== "object" || criteria === null) return set;
  const table = criteria as Record<string, unknown>;
  const min = isLevel(table.min) ? PROSODY_LEVELS.indexOf(table.min) : undefined;
  const max = isLevel(table.max) ? PROSODY_LEVELS.indexOf(table.max) : undefined;
  if (min !== undefined || max !== undefined) {
    for (let i = min ?? 0; i <= (max ?? PROSODY_LEVELS.length - 1); i++) set.add(PROSODY_LEVELS[i]!);
  }
  for (const value of Array.isArray(criteria) ? criteria : Object.values(table))
    if (isLevel(value)) set.add(value);
  return set;
}

const from = (level: ProsodyLevel) => new Set(PROSODY_LEVELS.slice(PROSODY_LEVELS.indexOf(level)));

/**
 * The sinks of a `log` option, as Prosody reads it: a file name (info and up there), `"*console"`
 * (everything), `{ info = "file", error = "*console" }` (that level and up), and rules
 * `{ to = "file", filename = ..., levels = { min = ... } }` (also as the table's array part).
 * Relative file names are resolved against `baseDir` (the config's folder). `undefined` when
 * the option is unset: the caller keeps its own default.
 */
export function readLogOption(value: unknown, baseDir: string): LogRules | undefined {
  if (value === undefined) return undefined;
  const sinks: LogSink[] = [];
  const notes: string[] = [];
  const path = (name: string) => (isAbsolute(name) ? name : resolve(baseDir, name));
  const target = (where: string, levels: Set<ProsodyLevel>) => {
    if (where === "*console" || where === "*stdout") sinks.push({ to: "console", levels });
    else if (where.startsWith("*"))
      notes.push(`log: the ${where.slice(1)} sink is not supported, those lines are dropped`);
    else sinks.push({ to: "file", filename: path(where), levels });
  };
  const rule = (entry: unknown) => {
    if (typeof entry === "string") return target(entry, new Set(PROSODY_LEVELS));
    if (typeof entry !== "object" || entry === null) return;
    const table = entry as Record<string, unknown>;
    const levels = levelsOf(table.levels);
    if (table.to === "console") sinks.push({ to: "console", levels });
    else if (table.to === "file" && typeof table.filename === "string")
      sinks.push({ to: "file", filename: path(table.filename), levels });
    else notes.push(`log: the ${String(table.to)} sink is not supported, those lines are dropped`);
  };
  if (typeof value === "string") {
    if (value.startsWith("*")) target(value, new Set(PROSODY_LEVELS));
    else target(value, from("info"));
  } else if (Array.isArray(value)) {
    for (const entry of value) rule(entry);
  } else if (typeof value === "object" && value !== null) {
    const table = value as Record<string, unknown>;
    for (const level of PROSODY_LEVELS)
      if (typeof table[level] === "string") target(table[level] as string, from(level));
    for (const [key, entry] of Object.entries(table)) if (/^\d+$/.test(key)) rule(entry);
  }
  return { sinks, notes };
}
