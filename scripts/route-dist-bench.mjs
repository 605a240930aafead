#!/usr/bin/env node
// The router's hot path as the server runs it (built packages, no test runner in between): a chat
// message alice → bob through module-api's test server, 500,000 at a time, five timed rounds after
// a warm-up; prints the median rate and the heap allocated per message of five batches.
//
//   npm run build && node --expose-gc scripts/route-dist-bench.mjs [REPO_ROOT]
//
// Run it against two checkouts one after the other to compare before and after.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = pathToFileURL(resolve(process.argv[2] ?? ".")).href;
const { createTestServer } = await import(`${root}/packages/module-api/dist/testing.js`);
const { message } = await import(`${root}/packages/stanza/dist/index.js`);
const t = await createTestServer();
const alice = t.connect("alice@localhost/phone");
const bob = t.connect("bob@localhost/desk");
alice.record = false;
bob.record = false;
bob.onStanza = () => {};
const stanza = message({ to: "bob@localhost/desk", type: "chat" }, "Hello, Bob");
for (let i = 0; i < 200_000; i++) alice.process(stanza);
const rates = [];
for (let round = 0; round < 5; round++) {
  const start = performance.now();
  for (let i = 0; i < 500_000; i++) alice.process(stanza);
  rates.push((500_000 / (performance.now() - start)) * 1000);
}
rates.sort((a, b) => a - b);
const bytes = [];
if (typeof globalThis.gc === "function") {
  for (let round = 0; round < 5; round++) {
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 5000; i++) alice.process(stanza);
    bytes.push(Math.round((process.memoryUsage().heapUsed - before) / 5000));
  }
}
console.log(
  `route-dist: median ${Math.round(rates[2])} msg/s; bytes per message ${bytes.join(",") || "(run with --expose-gc)"}`,
);
await t.stop();
