import type { Handler } from "./types.js";

type AnyHandler = Handler<never>;

function byDescendingPriority(a: [AnyHandler, number], b: [AnyHandler, number]): number {
  // Not `b - a`: two handlers at Infinity would compare as NaN.
  return a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : 0;
}

/** The handlers of one event, keyed by function, with the sorted array cached between changes. */
export class HandlerSet {
  // A Map keeps insertion order, and Array#sort is stable: equal priorities run in the order added.
  readonly priorities = new Map<AnyHandler, number>();
  /** Replaced, never mutated, so a dispatch in progress keeps walking its own snapshot. */
  sorted: readonly AnyHandler[] | undefined;

  add(handler: AnyHandler, priority: number): void {
    const previous = this.priorities.get(handler);
    if (previous === priority) return;
    // A new priority puts the handler last among its new equals, as if it had just been added.
    if (previous !== undefined) this.priorities.delete(handler);
    this.priorities.set(handler, priority);
    this.sorted = undefined;
  }

  remove(handler: AnyHandler): boolean {
    if (!this.priorities.delete(handler)) return false;
    this.sorted = undefined;
    return true;
  }

  get size(): number {
    return this.priorities.size;
  }

  sort(): readonly AnyHandler[] {
    const entries = [...this.priorities].sort(byDescendingPriority);
    const sorted = entries.map((entry) => entry[0]);
    this.sorted = sorted;
    return sorted;
  }
}
