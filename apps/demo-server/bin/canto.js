#!/usr/bin/env node
// Runs the compiled CLI; says how to build it when it is missing (a fresh clone).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(entry)) {
  console.error(
    "canto: apps/demo-server is not built (dist/cli.js is missing): run `npm run build` at the repository root",
  );
  process.exit(1);
}
await import(entry.href);
