#!/usr/bin/env node
// The `canto` command: everything is in main.ts, so that tests can call it in process.
import { main } from "./main.js";

main(process.argv.slice(2), process).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    console.error("canto: unexpected error:", error);
    process.exitCode = 1;
  },
);
