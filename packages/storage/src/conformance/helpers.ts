import assert from "node:assert/strict";
import { Element } from "ltx";
import { StorageError } from "../errors.js";
import type { FindResult } from "../types.js";

export const TEST_HOST = "storage-unit-tests.invalid";

/** A stanza like the upstream spec's: <test xmlns="urn:example:foo"><foo/><foo/></test>. */
export function testStanza(): Element {
  const el = new Element("test", { xmlns: "urn:example:foo" });
  el.c("foo").up().c("foo");
  return el;
}

export function assertTestStanza(value: unknown): void {
  assert.ok(value instanceof Element, "an ltx Element comes back");
  assert.equal(value.name, "test");
  assert.equal(value.attrs.xmlns, "urn:example:foo");
  assert.equal(value.getChildElements().length, 2);
}

export async function rejectsWithCode(
  promise: Promise<unknown> | (() => Promise<unknown>),
  code: string,
): Promise<void> {
  await assert.rejects(typeof promise === "function" ? promise() : promise, (err: unknown) => {
    assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

export function keys(result: FindResult): string[] {
  return result.items.map((i) => i.key);
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}
