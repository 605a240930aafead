#!/usr/bin/env node
// Creates benchmark accounts user0..user{N-1} for Canto in-process, the way `canto adduser` does
// (the config's hosts without listeners, then @canto/modules' createAccount), but for all of them
// in one process instead of one CLI start per account.
//
//   node bench/canto-accounts.mjs --config canto.config.json --domain localhost --count 1000
import { parseArgs } from "node:util";
import { createAccount, standardModules } from "@canto/modules";
import { startAccountServer } from "../dist/account-server.js";
import { loadServerConfig } from "../dist/load-config.js";
import { optionChecks } from "./cli-util.mjs";

const { values: args } = parseArgs({
  options: {
    config: { type: "string" },
    domain: { type: "string", default: "localhost" },
    count: { type: "string", default: "100" },
    prefix: { type: "string", default: "user" },
    password: { type: "string", default: "pw" },
    parallel: { type: "string", default: "8" },
  },
  strict: true,
});
const { fail, number } = optionChecks("canto-accounts", args);
if (args.config === undefined) fail("--config is required");
const count = number("count", 1, 1_000_000);
const parallel = number("parallel", 1, 1000);

const { config } = await loadServerConfig(args.config, standardModules);
const server = await startAccountServer(config);
const started = Date.now();
let next = 0;
try {
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        await createAccount(server, args.domain, `${args.prefix}${i}`, args.password);
      }
    }),
  );
} finally {
  await server.stop("bench accounts created");
}
console.error(`canto-accounts: created ${count} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
