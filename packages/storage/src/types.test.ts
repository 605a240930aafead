import { describe, expectTypeOf, it } from "vitest";
import type { StorageManager } from "./manager.js";
import type {
  ArchiveItem,
  ArchiveStore,
  FindResult,
  KeyvalPlusStore,
  KeyvalStore,
  MapStore,
} from "./types.js";

describe("types", () => {
  it("open() returns the store type asked for", () => {
    type Open = StorageManager["open"];
    expectTypeOf<Awaited<ReturnType<(...a: Parameters<Open>) => ReturnType<Open>>>>().not.toBeAny();
    const m = null as unknown as StorageManager;
    const check = async () => {
      expectTypeOf(await m.open("h", "s")).toEqualTypeOf<KeyvalStore>();
      expectTypeOf(await m.open("h", "s", "map")).toEqualTypeOf<MapStore>();
      expectTypeOf(await m.open("h", "s", "archive")).toEqualTypeOf<ArchiveStore>();
      expectTypeOf(await m.open("h", "s", "keyval+")).toEqualTypeOf<KeyvalPlusStore>();
    };
    void check;
  });
  it("keyval and map writes resolve true, as the reference's set returns true", () => {
    expectTypeOf<KeyvalStore["set"]>().returns.resolves.toEqualTypeOf<true>();
    expectTypeOf<MapStore["set"]>().returns.resolves.toEqualTypeOf<true>();
    expectTypeOf<MapStore["setKeys"]>().returns.resolves.toEqualTypeOf<true>();
    expectTypeOf<KeyvalPlusStore["setKey"]>().returns.resolves.toEqualTypeOf<true>();
    expectTypeOf<KeyvalPlusStore["setKeys"]>().returns.resolves.toEqualTypeOf<true>();
  });
  it("find results are iterable items with an optional total", () => {
    expectTypeOf<FindResult["total"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<FindResult>().toMatchTypeOf<Iterable<ArchiveItem>>();
    expectTypeOf<FindResult>().toMatchTypeOf<AsyncIterable<ArchiveItem>>();
    expectTypeOf<ArchiveStore["get"]>().returns.resolves.toEqualTypeOf<ArchiveItem | undefined>();
  });
});
