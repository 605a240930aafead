import type { Next, Wrapper } from "./types.js";

type AnyWrapper = Wrapper<never>;

/**
 * Builds the call chain once per change, so firing through wrappers allocates no closures.
 * The first wrapper added ends up innermost, the most recent outermost.
 */
export function compose(wrappers: readonly AnyWrapper[], inner: Next): Next {
  let next = inner;
  for (const wrapper of wrappers) {
    const inward = next;
    next = (name, data) => wrapper(inward, name, data as never);
  }
  return next;
}

/** A copy of `list` without any occurrence of `wrapper` (Prosody removes every occurrence). */
export function without(list: readonly AnyWrapper[], wrapper: AnyWrapper): AnyWrapper[] {
  return list.filter((w) => w !== wrapper);
}
