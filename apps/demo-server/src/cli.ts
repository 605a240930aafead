#!/usr/bin/env node
// The `canto` command: everything is in main.ts, so that tests can call it in process.
import { DEFAULT_YOUNG_GENERATION_MIB, setYoungGenerationCap } from "canto/young-generation";
import { holdHangUps } from "./hang-up.js";

// Before the (slow) imports of the server: a SIGHUP during start-up must not end it, and the
// imports alone would grow V8's young generation past the cap (start() applies the config's).
if (process.argv.slice(2).includes("start")) {
  holdHangUps();
  setYoungGenerationCap(DEFAULT_YOUNG_GENERATION_MIB);
}
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
