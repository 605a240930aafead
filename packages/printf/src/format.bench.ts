/**
 * format() against Node's util.format with the same arguments, in the same run. util.format does
 * less (no control character pictures, no nil handling, no quoting), so it is the yardstick for
 * "as cheap as the formatting everyone already uses", not an equivalent.
 *
 *   npx vitest bench --run packages/printf
 */
import { format as nodeFormat } from "node:util";
import { bench, describe } from "vitest";
import { format } from "./format.js";

const cases: ReadonlyArray<readonly [name: string, fmt: string, args: readonly unknown[]]> = [
  ["no arguments", "Module loaded and ready", []],
  ["two ASCII strings", "user %s logged in from %s", ["romeo@example.net", "::1"]],
  ["string, integer, float", "%s: %d items in %f ms", ["queue", 42, 1.25]],
  ["control characters and a newline", "got %s", ["line one\nline two \x1b[31mred\x1b[0m"]],
  ["non-ASCII text", "message from %s", ["Jürgen Müller-Lüdenscheidt 日本語"]],
  ["extra arguments", "event %s", ["presence", "extra", 3, true]],
  ["an Error", "failed: %s", [new Error("disk full")]],
];

for (const [name, fmt, args] of cases) {
  describe(name, () => {
    bench("canto format", () => {
      format(fmt, ...args);
    });
    bench("node util.format", () => {
      nodeFormat(fmt, ...args);
    });
  });
}

// Format strings built at run time miss the template cache every time.
describe("a different format string on every call", () => {
  let i = 0;
  bench("canto format", () => {
    format(`request ${i++} for %s`, "romeo");
  });
  let j = 0;
  bench("node util.format", () => {
    nodeFormat(`request ${j++} for %s`, "romeo");
  });
});
