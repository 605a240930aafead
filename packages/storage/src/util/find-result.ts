import type { ArchiveItem, FindResult } from "../types.js";

export function findResult(items: ArchiveItem[], total: number | undefined): FindResult {
  return {
    items,
    total,
    [Symbol.iterator]: () => items[Symbol.iterator](),
    async *[Symbol.asyncIterator]() {
      yield* items;
    },
  };
}
