import type { OptionValue } from "../types.js";

/** A function the config file may call (VirtualHost, Include, FileContents, ...). */
export class Builtin {
  constructor(
    readonly name: string,
    readonly call: (args: LuaValue[], line: number) => LuaValue,
  ) {}
}

/** A table of builtins reached by dotted names, such as `Lua.os`. */
export class Namespace {
  constructor(
    readonly name: string,
    readonly members: ReadonlyMap<string, LuaValue>,
  ) {}
}

/** What an expression evaluates to: config data, nil (`undefined`), or one of the callables. */
export type LuaValue = OptionValue | undefined | Builtin | Namespace;

export function isData(value: LuaValue): value is OptionValue | undefined {
  return !(value instanceof Builtin) && !(value instanceof Namespace);
}

export function luaType(value: LuaValue): string {
  if (value === undefined) return "nil";
  if (value instanceof Builtin) return "function";
  if (value instanceof Namespace) return "table";
  if (typeof value === "object") return "table";
  return typeof value;
}

/** Lua truthiness: only nil and false are false. */
export function truthy(value: LuaValue): boolean {
  return value !== undefined && value !== false;
}

/** Lua's formatting of a number in string contexts (`..`, tostring). */
export function luaNumberToString(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (value === Number.NEGATIVE_INFINITY) return "-inf";
  if (Number.isNaN(value)) return "nan";
  return String(value);
}
