import type { Logger } from "@canto/events";
import { parsePeriod } from "./duration.js";
import { ConfigDefaultError } from "./errors.js";
import { resolveRelativePath } from "./paths.js";
import { formatLocation, GLOBAL, type OptionEntry, type OptionScalar, type OptionValue } from "./types.js";

/**
 * What the getters log through, one preformatted string a call: the `warn` and `error` (and, if
 * present, `debug`) of @canto/events' one logger shape. pino and console fit.
 */
export type ConfigLogger = Pick<Logger, "warn" | "error"> & Partial<Pick<Logger, "debug">>;

/** The directories `getOptionPath` can resolve against by name. */
export interface ConfigPaths {
  /** The folder of the main configuration file. */
  readonly config: string;
  /** The data folder (`data_path`). */
  readonly data: string;
  /** Where the server is installed. */
  readonly source: string;
}

/** What an OptionReader reads from; `Config` implements it. */
export interface OptionSource {
  /** The entry for `name` on `host`, else the global one. */
  lookup(host: string, name: string): OptionEntry | undefined;
  /** Every option visible on `host` (its own over the global ones); valid until `generation` changes. */
  view(host: string): ReadonlyMap<string, OptionEntry>;
  /** Changes whenever any option changes (set, reload). */
  readonly generation: number;
  /** The section the entry came from (`"*"` when inherited). */
  lookupSection(host: string, name: string): string | undefined;
  readonly paths: ConfigPaths;
}

export interface OptionReaderOptions {
  /** Receives warnings (clamping) and errors (invalid values). Default: `console`. */
  logger?: ConfigLogger | undefined;
  /** What `getOptionPath` resolves against when no parent is given (the module's folder). */
  moduleDir?: string | undefined;
}

const MAX_INTEGER = Number.MAX_SAFE_INTEGER;
const MIN_INTEGER = Number.MIN_SAFE_INTEGER;

/** Lua's `tonumber` on a string: decimal, exponent and hexadecimal forms, surrounding spaces allowed. */
export function luaToNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const hex = /^([+-])?0[xX]([0-9a-fA-F]+)$/.exec(trimmed);
  if (hex) {
    const magnitude = Number.parseInt(hex[2] ?? "", 16);
    return hex[1] === "-" ? -magnitude : magnitude;
  }
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function isList(value: OptionValue): value is readonly OptionValue[] {
  return Array.isArray(value);
}

/** The array part of a value: an array as is, the keys "1".."n" of a mixed table. */
export function arrayPart(value: OptionValue): OptionValue[] {
  if (isList(value)) return value.slice();
  if (typeof value === "object") {
    const table = value as { readonly [key: string]: OptionValue };
    const items: OptionValue[] = [];
    for (let i = 1; table[String(i)] !== undefined; i++) items.push(table[String(i)] as OptionValue);
    return items;
  }
  return [value];
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === Number.POSITIVE_INFINITY) return "never";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Typed access to the options of one host, with Prosody's coercions. Method names and argument
 * orders are those of Prosody's `module:get_option_*`, so a module API can hand them out as is.
 * An invalid configured value never throws: it is logged (naming option, host, file and line) and
 * the default is returned. A value out of the accepted interval is clamped with a warning.
 */
export class OptionReader {
  readonly host: string;
  readonly #source: OptionSource;
  readonly #logger: ConfigLogger;
  readonly #moduleDir: string | undefined;
  #view: ReadonlyMap<string, OptionEntry> | undefined;
  #generation = -1;

  constructor(source: OptionSource, host: string, options: OptionReaderOptions = {}) {
    this.#source = source;
    this.host = host;
    this.#logger = options.logger ?? console;
    this.#moduleDir = options.moduleDir;
  }

  /** The entry visible on this host: one Map read while the config is unchanged. */
  #entry(name: string): OptionEntry | undefined {
    const source = this.#source;
    if (this.#generation !== source.generation || this.#view === undefined) {
      this.#view = source.view(this.host);
      this.#generation = source.generation;
    }
    return this.#view.get(name);
  }

  #describe(name: string, entry: OptionEntry | undefined): string {
    const from = this.#source.lookupSection(this.host, name);
    const where = entry === undefined ? "default value" : formatLocation(entry.location);
    const hostPart =
      this.host === GLOBAL
        ? "in the global section"
        : from === GLOBAL
          ? `for host '${this.host}' (inherited from the global section)`
          : `for host '${this.host}'`;
    return `Config option '${name}' ${hostPart} (${where})`;
  }

  #error(name: string, entry: OptionEntry | undefined, text: string): void {
    this.#logger.error(`${this.#describe(name, entry)}: ${text}`);
  }

  #warn(name: string, entry: OptionEntry | undefined, text: string): void {
    this.#logger.warn(`${this.#describe(name, entry)}: ${text}`);
  }

  /** The value of a list used where one value is expected: its first item (logged if more). */
  #scalar(name: string, entry: OptionEntry): OptionValue | undefined {
    const value = entry.value;
    if (typeof value !== "object") return value;
    const items = arrayPart(value);
    if (items.length > 1) this.#error(name, entry, "does not take a list, using just the first item");
    if (!isList(value) && items.length === 0) return value;
    return items[0];
  }

  /** The raw value (by reference), or `defaultValue`. */
  getOption(name: string): OptionValue | undefined;
  getOption<T>(name: string, defaultValue: T): OptionValue | T;
  getOption(name: string, defaultValue?: unknown): unknown {
    const entry = this.#entry(name);
    return entry === undefined ? defaultValue : entry.value;
  }

  getOptionString(name: string): string | undefined;
  getOptionString(name: string, defaultValue: string): string;
  getOptionString(name: string, defaultValue?: string): string | undefined {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue;
    const value = typeof entry.value === "string" ? entry.value : this.#scalar(name, entry);
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (value !== undefined) this.#error(name, entry, `expected a string, not ${show(value)}`);
    return defaultValue;
  }

  getOptionNumber(name: string): number | undefined;
  getOptionNumber(name: string, defaultValue: number, min?: number, max?: number): number;
  getOptionNumber(name: string, defaultValue: undefined, min?: number, max?: number): number | undefined;
  getOptionNumber(name: string, defaultValue?: number, min?: number, max?: number): number | undefined {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue;
    let value = entry.value;
    let number: number | undefined;
    if (typeof value === "number") {
      // Fast path: a number within bounds.
      if ((min === undefined || value >= min) && (max === undefined || value <= max)) return value;
      number = value;
    } else {
      value = this.#scalar(name, entry) as OptionValue;
      number = typeof value === "number" ? value : typeof value === "string" ? luaToNumber(value) : undefined;
      if (number === undefined) {
        if (value !== undefined)
          this.#error(name, entry, `not understood (${show(value)}), expecting a number`);
        return defaultValue;
      }
    }
    return this.#clamp(name, entry, number, defaultValue, min, max);
  }

  #clamp(
    name: string,
    entry: OptionEntry,
    value: number,
    defaultValue: number | undefined,
    min: number | undefined,
    max: number | undefined,
  ): number {
    if (value === defaultValue || Number.isNaN(value)) return value;
    if (min !== undefined && value < min) {
      this.#warn(name, entry, `out of bounds ${show(value)} < ${show(min)}, using ${show(min)}`);
      return min;
    }
    if (max !== undefined && value > max) {
      this.#warn(name, entry, `out of bounds ${show(value)} > ${show(max)}, using ${show(max)}`);
      return max;
    }
    return value;
  }

  getOptionInteger(name: string): number | undefined;
  getOptionInteger(name: string, defaultValue: number, min?: number, max?: number): number;
  getOptionInteger(name: string, defaultValue: undefined, min?: number, max?: number): number | undefined;
  getOptionInteger(name: string, defaultValue?: number, min?: number, max?: number): number | undefined {
    const number = this.getOptionNumber(name, defaultValue as number, min ?? MIN_INTEGER, max ?? MAX_INTEGER);
    if (number === undefined || number === defaultValue || Number.isInteger(number)) return number;
    const entry = this.#entry(name);
    const floored = Math.floor(number);
    this.#warn(name, entry, `expected an integer, not a float (${show(number)}), using ${floored}`);
    return floored;
  }

  getOptionBoolean(name: string): boolean | undefined;
  getOptionBoolean(name: string, defaultValue: boolean): boolean;
  getOptionBoolean(name: string, defaultValue?: boolean): boolean | undefined {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue;
    const value = typeof entry.value === "boolean" ? entry.value : this.#scalar(name, entry);
    if (value === true || value === "true" || value === 1) return true;
    if (value === false || value === "false" || value === 0) return false;
    if (value !== undefined)
      this.#error(name, entry, `not understood (${show(value)}), expecting true/false`);
    return defaultValue;
  }

  /** A copy of the value as an array (a single value becomes a one-item array). */
  getOptionArray<T extends OptionValue = OptionValue>(name: string): T[] | undefined;
  getOptionArray<T extends OptionValue = OptionValue>(name: string, defaultValue: readonly T[]): T[];
  getOptionArray(name: string, defaultValue?: readonly OptionValue[]): OptionValue[] | undefined {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue?.slice();
    return arrayPart(entry.value);
  }

  getOptionSet<T extends OptionValue = OptionValue>(name: string): Set<T> | undefined;
  getOptionSet<T extends OptionValue = OptionValue>(name: string, defaultValue: Iterable<T>): Set<T>;
  getOptionSet(name: string, defaultValue?: Iterable<OptionValue>): Set<OptionValue> | undefined {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue === undefined ? undefined : new Set(defaultValue);
    return new Set(arrayPart(entry.value));
  }

  /** This host's set united with the global one; either alone when the other is unset. */
  getOptionInheritedSet<T extends OptionValue = OptionValue>(name: string): Set<T> | undefined;
  getOptionInheritedSet<T extends OptionValue = OptionValue>(name: string, defaultValue: Iterable<T>): Set<T>;
  getOptionInheritedSet(name: string, defaultValue?: Iterable<OptionValue>): Set<OptionValue> | undefined {
    const defaults = defaultValue === undefined ? undefined : [...defaultValue];
    const own = this.getOptionSet(name, defaults as OptionValue[]);
    if (this.host === GLOBAL) return own;
    const global = new OptionReader(this.#source, GLOBAL, { logger: this.#logger }).getOptionSet(
      name,
      defaults as OptionValue[],
    );
    if (own === undefined) return global;
    if (global === undefined) return own;
    for (const item of global) own.add(item);
    return own;
  }

  /**
   * A path option resolved against `parent`: `"config"`, `"data"`, `"source"`, any directory, or
   * (when omitted) the module's folder. Absolute values are returned unchanged.
   */
  getOptionPath(name: string): string | undefined;
  getOptionPath(name: string, defaultValue: string, parent?: string): string;
  getOptionPath(name: string, defaultValue: undefined, parent?: string): string | undefined;
  getOptionPath(name: string, defaultValue?: string, parent?: string): string | undefined {
    const value = this.getOptionString(name, defaultValue as string);
    if (value === undefined) return undefined;
    const paths = this.#source.paths;
    let base: string;
    if (parent === undefined) base = this.#moduleDir ?? paths.config;
    else if (parent === "config" || parent === "data" || parent === "source") base = paths[parent];
    else base = parent;
    return resolveRelativePath(base, value);
  }

  /**
   * One of `defaultValue` and `alternatives` (compared exactly, types included). Anything else is
   * logged and the default returned.
   */
  getOptionEnum<const T extends OptionScalar>(name: string, defaultValue: T, ...alternatives: T[]): T {
    const entry = this.#entry(name);
    if (entry === undefined) return defaultValue;
    const value = typeof entry.value === "object" ? this.#scalar(name, entry) : entry.value;
    if (value === defaultValue || alternatives.includes(value as T)) return value as T;
    if (value !== undefined) {
      const allowed = [defaultValue, ...alternatives].map(show).join(", ");
      this.#error(name, entry, `${show(value)} is not in the set of allowed values (one of: ${allowed})`);
    }
    return defaultValue;
  }

  /**
   * A period in seconds (`Infinity` for never). Accepts numbers, `false`, `"never"` and strings such
   * as `"3 weeks"`, `"1 day 12 hours"` or `"1.5 hours"`. Bounds may be numbers or period strings and
   * apply to the default as well.
   */
  getOptionPeriod(name: string): number | undefined;
  getOptionPeriod(
    name: string,
    defaultValue: number | string | false,
    min?: number | string,
    max?: number | string,
  ): number;
  getOptionPeriod(
    name: string,
    defaultValue: undefined,
    min?: number | string,
    max?: number | string,
  ): number | undefined;
  getOptionPeriod(
    name: string,
    defaultValue?: number | string | false,
    min?: number | string,
    max?: number | string,
  ): number | undefined {
    const fallback =
      defaultValue === undefined ? undefined : this.#programmerPeriod(name, defaultValue, "default");
    const entry = this.#entry(name);
    let seconds = fallback;
    if (entry !== undefined) {
      const value = typeof entry.value === "object" ? this.#scalar(name, entry) : entry.value;
      if (value === false) return Number.POSITIVE_INFINITY;
      if (typeof value === "number") seconds = value;
      else if (typeof value === "string") {
        const parsed = parsePeriod(value);
        if (parsed.ok) seconds = parsed.seconds;
        else this.#error(name, entry, `${parsed.message}, expecting a period such as "2 days"`);
      } else if (value !== undefined) {
        this.#error(name, entry, `expects a number or a period such as "3 hours", not ${show(value)}`);
      }
    }
    if (seconds === undefined || seconds === Number.POSITIVE_INFINITY) return seconds;
    if (seconds < 0) return Number.POSITIVE_INFINITY;
    const low = min === undefined ? undefined : this.#programmerPeriod(name, min, "minimum");
    const high = max === undefined ? undefined : this.#programmerPeriod(name, max, "maximum");
    if (low !== undefined && seconds < low) {
      this.#warn(name, entry, `out of bounds ${show(seconds)} s < ${show(low)} s, using ${show(low)} s`);
      return low;
    }
    if (high !== undefined && seconds > high) {
      this.#warn(name, entry, `out of bounds ${show(seconds)} s > ${show(high)} s, using ${show(high)} s`);
      return high;
    }
    return seconds;
  }

  #programmerPeriod(name: string, value: number | string | false, what: string): number {
    if (value === false) return Number.POSITIVE_INFINITY;
    if (typeof value === "number") return value < 0 ? Number.POSITIVE_INFINITY : value;
    const parsed = parsePeriod(value);
    if (parsed.ok) return parsed.seconds;
    throw new ConfigDefaultError(`getOptionPeriod('${name}'): the ${what} ${parsed.message}`, {
      option: name,
      host: this.host,
    });
  }
}
