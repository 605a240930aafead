import { Element, parse } from "ltx";
import { InvalidValueError } from "./errors.js";
import type { StoredValue } from "./types.js";

/**
 * How values are written: JSON text. An `Element` inside a JSON value is written as
 * `{"\u0000xml": "<serialised element/>"}`; user objects may not have keys starting with NUL, so the
 * tag is unambiguous. Archives write a top-level `Element` as plain XML (type `xml`), like Prosody.
 */
const XML_TAG = "\u0000xml";
const XML_TAG_JSON = '"\\u0000xml"';

/** Default limit on one encoded value: 8 MiB. */
export const DEFAULT_MAX_VALUE_SIZE = 8 * 1024 * 1024;

export type EncodedType = "json" | "xml";

export function isElement(value: unknown): value is Element {
  if (value instanceof Element) return true;
  // Elements from another copy of ltx (e.g. @xmpp/xml) fail instanceof but serialise the same way.
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Element>;
  return (
    typeof v.name === "string" &&
    typeof v.attrs === "object" &&
    Array.isArray(v.children) &&
    typeof v.is === "function" &&
    typeof v.getChild === "function"
  );
}

function describe(path: string): string {
  return path === "" ? "the value" : `value at ${path}`;
}

function checkSize(text: string, maxSize: number): string {
  // JSON text is mostly ASCII: count bytes only when the char count is close.
  if (text.length * 3 > maxSize && Buffer.byteLength(text) > maxSize) {
    throw new InvalidValueError(`value is ${Buffer.byteLength(text)} bytes, over the limit of ${maxSize}`);
  }
  return text;
}

/** Encodes a value as JSON text, rejecting what would not come back as it went in. */
export function encodeJson(value: StoredValue, maxSize = DEFAULT_MAX_VALUE_SIZE): string {
  const stack: unknown[] = [];
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, _v: unknown) {
      const original = this[key];
      // `this` is the holder: trim the ancestor stack to it (depth-first traversal).
      if (key !== "" || stack.length > 0) {
        const at = stack.lastIndexOf(this);
        if (at >= 0) stack.length = at + 1;
      }
      switch (typeof original) {
        case "string":
        case "boolean":
          return original;
        case "number":
          if (!Number.isFinite(original))
            throw new InvalidValueError(`${describe(key)} is ${original}, not JSON`);
          return original;
        case "undefined":
          if (Array.isArray(this)) throw new InvalidValueError("arrays may not hold undefined");
          if (key === "") throw new InvalidValueError("undefined cannot be stored here");
          return undefined;
        case "object": {
          if (original === null) return null;
          if (stack.includes(original)) throw new InvalidValueError("the value contains a cycle");
          if (isElement(original)) return { [XML_TAG]: original.toString() };
          if (!Array.isArray(original)) {
            const proto = Object.getPrototypeOf(original);
            if (proto !== Object.prototype && proto !== null) {
              const kind = (original as object).constructor?.name ?? "object";
              throw new InvalidValueError(
                `${describe(key)} is a ${kind}, not a plain object, array or Element`,
              );
            }
            for (const k in original) {
              if (k.charCodeAt(0) === 0) throw new InvalidValueError("object keys may not start with NUL");
            }
          }
          stack.push(original);
          return original;
        }
        default:
          throw new InvalidValueError(`${describe(key)} is a ${typeof original}, which cannot be stored`);
      }
    });
  } catch (err) {
    if (err instanceof InvalidValueError) throw err;
    throw new InvalidValueError(`value cannot be stored: ${(err as Error).message}`);
  }
  if (text === undefined) throw new InvalidValueError("value cannot be stored");
  return checkSize(text, maxSize);
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const xml = (value as Record<string, unknown>)[XML_TAG];
    if (typeof xml === "string") return parse(xml);
  }
  return value;
}

export function decodeJson(text: string): StoredValue {
  return JSON.parse(text, text.includes(XML_TAG_JSON) ? revive : undefined) as StoredValue;
}

/** Archive form: a top-level Element is stored as XML, anything else as JSON. */
export function encodeValue(
  value: StoredValue,
  maxSize = DEFAULT_MAX_VALUE_SIZE,
): { type: EncodedType; text: string } {
  if (isElement(value)) return { type: "xml", text: checkSize(value.toString(), maxSize) };
  return { type: "json", text: encodeJson(value, maxSize) };
}

export function decodeValue(type: string, text: string): StoredValue {
  return type === "xml" ? parse(text) : decodeJson(text);
}
