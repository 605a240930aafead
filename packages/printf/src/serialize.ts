import { types } from "node:util";
import { bytesText, display, quoteBytes, quoteString } from "./text.js";

/* ------------------------------------------------------------------------------------------------ */
/* %q: Prosody's one-line debug serialization                                                        */
/* ------------------------------------------------------------------------------------------------ */

const LUA_KEYWORDS = new Set([
  "and",
  "break",
  "do",
  "else",
  "elseif",
  "end",
  "false",
  "for",
  "function",
  "goto",
  "if",
  "in",
  "local",
  "nil",
  "not",
  "or",
  "repeat",
  "return",
  "then",
  "true",
  "until",
  "while",
]);

const MAX_DEPTH = 127;

function isIdentifier(key: string): boolean {
  if (key.length === 0 || LUA_KEYWORDS.has(key)) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    const alpha = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
    if (!alpha && (i === 0 || c < 0x30 || c > 0x39)) return false;
  }
  return true;
}

function fallback(type: string, why: string): string {
  return `{__type="${type}",__error="${why}"}`;
}

function serializeNumber(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return "(1/0)";
  if (n === Number.NEGATIVE_INFINITY) return "(-1/0)";
  if (Number.isNaN(n)) return "(0/0)";
  return String(n);
}

export function serialize(value: unknown, seen: Set<object>, depth: number): string {
  switch (typeof value) {
    case "string":
      return quoteString(value);
    case "number":
      return serializeNumber(value);
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return "nil";
    case "function":
    case "symbol":
      return fallback(typeof value, "fail");
    default:
      break;
  }
  if (value === null) return "nil";
  const obj = value as object;
  if (types.isUint8Array(obj)) {
    const text = bytesText(obj);
    return text === null ? quoteBytes(obj) : quoteString(text);
  }
  // Like Prosody, any object met twice (not only a cycle) is not expanded again.
  if (seen.has(obj)) return fallback("object", "table has multiple references");
  if (depth > MAX_DEPTH) return fallback("object", "max table depth reached");
  seen.add(obj);
  try {
    return serializeObject(obj, seen, depth);
  } catch {
    return fallback("object", "fail");
  }
}

function serializeObject(obj: object, seen: Set<object>, depth: number): string {
  // toJSON is JavaScript's counterpart of the __freeze metamethod: the object's own idea of its data.
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    const frozen: unknown = toJSON.call(obj);
    if (typeof frozen !== "object" || frozen === null) return serialize(frozen, seen, depth);
    if (frozen !== obj) obj = frozen;
  }
  const items: string[] = [];
  const add = (key: unknown, v: unknown): void => {
    if (v === undefined) return; // a nil field does not exist in a Lua table
    let k: string;
    if (typeof key === "string" && isIdentifier(key)) k = key + " = ";
    else k = "[" + serialize(key, seen, depth + 1) + "] = ";
    items.push(k + serialize(v, seen, depth + 1));
  };
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) items.push(serialize(obj[i], seen, depth + 1));
  } else if (obj instanceof Set) {
    for (const v of obj) items.push(serialize(v, seen, depth + 1));
  } else if (obj instanceof Map) {
    for (const [k, v] of obj) add(k, v);
  } else {
    const isError = obj instanceof Error;
    if (obj instanceof Error) {
      // name and message are not enumerable, yet they are what anyone logging an error wants.
      add("name", obj.name);
      add("message", obj.message);
    }
    for (const key of Object.keys(obj)) {
      if (isError && (key === "name" || key === "message")) continue;
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch {
        v = fallback("object", "fail");
        items.push((isIdentifier(key) ? key : "[" + quoteString(key) + "]") + " = " + v);
        continue;
      }
      add(key, v);
    }
  }
  return items.length === 0 ? "{ }" : "{ " + items.join("; ") + " }";
}

/* ------------------------------------------------------------------------------------------------ */
/* %p                                                                                               */
/* ------------------------------------------------------------------------------------------------ */

// JavaScript has no addresses; a stable per-object number serves the same purpose (telling two
// objects apart across log lines) without keeping anything alive.
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

export function pointer(value: unknown): string {
  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    let id = identities.get(value);
    if (id === undefined) {
      id = nextIdentity++;
      identities.set(value, id);
    }
    return "0x" + id.toString(16).padStart(8, "0");
  }
  const d = display(value);
  return typeof d === "string" ? "[" + d + "]" : d.quoted;
}
