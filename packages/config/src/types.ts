import type { SourceLocation } from "./errors.js";

/**
 * A configuration value. Lua tables become arrays when they only have an array part, and plain
 * objects otherwise (array items of a mixed table sit under the keys `"1"`, `"2"`, ...).
 */
export type OptionValue =
  | string
  | number
  | boolean
  | readonly OptionValue[]
  | { readonly [key: string]: OptionValue };

/** A value that getOptionEnum can choose between. */
export type OptionScalar = string | number | boolean;

/** `"*"` is the global section. */
export const GLOBAL = "*";

/** `global` for `*`, `local` for a VirtualHost, `component` for a Component. */
export type HostType = "global" | "local" | "component";

export interface OptionEntry {
  readonly value: OptionValue;
  /** Where the value was set; absent for values set from code. */
  readonly location?: SourceLocation | undefined;
}

/** One section of the configuration: the global one or a host's. */
export interface Section {
  readonly name: string;
  readonly type: HostType;
  readonly options: Map<string, OptionEntry>;
  /** Every place the section was opened (`VirtualHost "x"` twice gives two). */
  readonly definedAt: SourceLocation[];
}

export type ProblemSeverity = "error" | "warning";

/** A problem found while loading or checking a configuration. */
export interface ConfigProblem {
  readonly severity: ProblemSeverity;
  /** Stable identifier, e.g. `CANTO_CONFIG_WRONG_TYPE`. */
  readonly code: string;
  readonly message: string;
  readonly host?: string | undefined;
  readonly option?: string | undefined;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

/** Everything a loader produces. */
export interface ConfigData {
  readonly global: Section;
  readonly hosts: Map<string, Section>;
  /** The files read, main file first. */
  readonly files: string[];
  /** Non-fatal problems met while loading (duplicate options, empty Include globs, ...). */
  readonly problems: ConfigProblem[];
}

export function newSection(name: string, type: HostType): Section {
  return { name, type, options: new Map(), definedAt: [] };
}

export function emptyData(): ConfigData {
  return { global: newSection(GLOBAL, "global"), hosts: new Map(), files: [], problems: [] };
}

export function formatLocation(location: SourceLocation | undefined): string {
  if (!location) return "set in code";
  return location.line > 0 ? `${location.file}:${location.line}` : location.file;
}
