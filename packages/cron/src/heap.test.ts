import { expect, it } from "vitest";
import { type HeapNode, IndexedHeap } from "./heap.js";

function node(key: number, seq: number): HeapNode {
  return { key, seq, heapIndex: -1 };
}

/** A small deterministic PRNG so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

it("pops in (key, seq) order under random pushes, removes and updates", () => {
  const rand = prng(42);
  const heap = new IndexedHeap<HeapNode>();
  const live = new Set<HeapNode>();
  let seq = 0;
  for (let step = 0; step < 20_000; step++) {
    const r = rand();
    if (r < 0.5 || live.size === 0) {
      const n = node(Math.floor(rand() * 100), seq++);
      heap.push(n);
      live.add(n);
    } else if (r < 0.7) {
      const victim = [...live][Math.floor(rand() * live.size)]!;
      expect(heap.remove(victim)).toBe(true);
      expect(heap.remove(victim)).toBe(false);
      live.delete(victim);
    } else if (r < 0.85) {
      const moved = [...live][Math.floor(rand() * live.size)]!;
      moved.key = Math.floor(rand() * 100);
      moved.seq = seq++;
      heap.update(moved);
    } else {
      const expected = [...live].sort((a, b) => a.key - b.key || a.seq - b.seq)[0];
      const popped = heap.pop();
      expect(popped).toBe(expected);
      live.delete(popped!);
    }
    expect(heap.size).toBe(live.size);
  }
  const rest: HeapNode[] = [];
  for (let n = heap.pop(); n; n = heap.pop()) rest.push(n);
  expect(rest).toEqual([...live].sort((a, b) => a.key - b.key || a.seq - b.seq));
  expect(rest.every((n) => n.heapIndex === -1)).toBe(true);
});

it("peek, drain and the empty heap", () => {
  const heap = new IndexedHeap<HeapNode>();
  expect(heap.pop()).toBeUndefined();
  expect(heap.peek()).toBeUndefined();
  const a = node(2, 0);
  const b = node(1, 1);
  heap.push(a);
  heap.push(b);
  expect(heap.peek()).toBe(b);
  expect(heap.drain().sort((x, y) => x.seq - y.seq)).toEqual([a, b]);
  expect(heap.size).toBe(0);
  expect(a.heapIndex).toBe(-1);
  expect(heap.remove(a)).toBe(false);
});
