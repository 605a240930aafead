import { bench, describe } from "vitest";
import { createConfig } from "./load.js";

// A typed getter on a hot path against a plain property read, in the same run.
// Run from the repository root: npx vitest bench --run packages/config
const timing = { time: 400, warmupTime: 100 };

function reader(n: number) {
  return createConfig({
    allow_registration: true,
    hosts: { "example.org": { max_history: 50 + n, archive_expires_after: "1 week" } },
  }).options("example.org");
}
const readers = [reader(0), reader(1), reader(2), reader(3)];
const plains = [0, 1, 2, 3].map((n) => ({
  max_history: 50 + n,
  allow_registration: true,
  archive_expires_after: 604_800,
}));
const options = readers[0]!;
const plain = plains[0]!;
let sink: unknown;

describe("one read per iteration", () => {
  bench(
    "baseline: plain property read",
    () => {
      sink = plain.max_history;
    },
    timing,
  );
  bench(
    "getOptionNumber (host value, bounds)",
    () => {
      sink = options.getOptionNumber("max_history", 20, 0, 1000);
    },
    timing,
  );
  bench(
    "getOptionBoolean (inherited from global)",
    () => {
      sink = options.getOptionBoolean("allow_registration", false);
    },
    timing,
  );
  bench(
    "getOptionPeriod (string value)",
    () => {
      sink = options.getOptionPeriod("archive_expires_after", "1 day");
    },
    timing,
  );
});

// 1000 reads per iteration over four hosts: the per-iteration overhead of the harness no
// longer hides the raw cost of a read.
describe("1000 reads per iteration", () => {
  bench(
    "baseline: plain property read",
    () => {
      let total = 0;
      for (let i = 0; i < 1000; i++) total += plains[i & 3]!.max_history;
      sink = total;
    },
    timing,
  );
  bench(
    "getOptionNumber (host value, bounds)",
    () => {
      let total = 0;
      for (let i = 0; i < 1000; i++) total += readers[i & 3]!.getOptionNumber("max_history", 20, 0, 1000);
      sink = total;
    },
    timing,
  );
});

export { sink };
