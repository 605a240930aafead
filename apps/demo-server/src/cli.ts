#!/usr/bin/env node
// The `canto` command: everything is in main.ts, so that tests can call it in process.
import { holdHangUps } from "./hang-up.js";

// Before the (slow) imports of the server: a SIGHUP during start-up must not end it.
if (process.argv.slice(2).includes("start")) holdHangUps();
const { main } = await import("./main.js");

main(process.argv.slice(2), process).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    console.error("canto: unexpected error:", error);
    process.exitCode = 1;
  },
);
