/** What the heap needs from an entry: a key, a tie-breaking sequence, and a slot for its position. */
export interface HeapNode {
  /** Sort key (the deadline). Smaller comes first. */
  key: number;
  /** Tie-breaker for equal keys: smaller (older) comes first. */
  seq: number;
  /** Position in the heap, or -1 when the node is not in it. Maintained by the heap. */
  heapIndex: number;
}

function before(a: HeapNode, b: HeapNode): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}

/**
 * A binary min-heap whose nodes know their own position, so removing or re-keying any node is
 * O(log n) with no search. Push, pop, remove and update are O(log n); peek is O(1).
 */
export class IndexedHeap<T extends HeapNode> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  push(node: T): void {
    node.heapIndex = this.#items.length;
    this.#items.push(node);
    this.#up(node.heapIndex);
  }

  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop()!;
    if (last !== top) {
      items[0] = last;
      last.heapIndex = 0;
      this.#down(0);
    }
    top.heapIndex = -1;
    return top;
  }

  /** Removes `node` if it is in this heap; returns whether it was. */
  remove(node: T): boolean {
    const items = this.#items;
    const i = node.heapIndex;
    if (i < 0 || items[i] !== node) return false;
    const last = items.pop()!;
    if (last !== node) {
      items[i] = last;
      last.heapIndex = i;
      this.#down(i);
      this.#up(last.heapIndex);
    }
    node.heapIndex = -1;
    return true;
  }

  /** Restores order after `node.key` or `node.seq` changed while it was in the heap. */
  update(node: T): void {
    const i = node.heapIndex;
    if (i < 0 || this.#items[i] !== node) return;
    this.#up(i);
    this.#down(node.heapIndex);
  }

  /** Removes every node and returns them, in no particular order. */
  drain(): T[] {
    const items = this.#items.splice(0);
    for (const node of items) node.heapIndex = -1;
    return items;
  }

  #up(i: number): void {
    const items = this.#items;
    const node = items[i]!;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = items[parentIndex]!;
      if (!before(node, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = parentIndex;
    }
    items[i] = node;
    node.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const node = items[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(items[right]!, items[left]!)) child = right;
      const candidate = items[child]!;
      if (!before(candidate, node)) break;
      items[i] = candidate;
      candidate.heapIndex = i;
      i = child;
    }
    items[i] = node;
    node.heapIndex = i;
  }
}
