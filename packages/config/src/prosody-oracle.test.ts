import { execFileSync } from "node:child_process";
import { accessSync, constants, cpSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadLuaConfig } from "./lua/evaluate.js";
import type { ConfigData, OptionValue } from "./types.js";

// Differential test: Prosody's own configmanager (Debian's prosody package, run with lua5.4)
// and Canto's evaluator must read the same files the same way.
const ORACLE = fileURLToPath(new URL("../fixtures/oracle/", import.meta.url));
const PROSODY_CONFIGMANAGER = "/usr/lib/prosody/core/configmanager.lua";
const LUA = "/usr/bin/lua5.4";
const available = existsSync(PROSODY_CONFIGMANAGER) && existsSync(LUA);

/** Options Prosody stores as markers that Canto keeps as host types instead. */
const MARKERS = new Set(["defined", "load_global_modules"]);

/** Prosody's util.json spells mixed tables with "__array" and empty tables as {}. */
function fromProsodyJson(value: unknown): OptionValue {
  if (Array.isArray(value)) return value.map(fromProsodyJson);
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [];
    const table: Record<string, OptionValue> = {};
    for (const [key, item] of entries) {
      if (key === "__array") {
        (item as unknown[]).forEach((element, i) => {
          table[String(i + 1)] = fromProsodyJson(element);
        });
      } else table[key] = fromProsodyJson(item);
    }
    return table;
  }
  return value as OptionValue;
}

function prosodyReads(
  file: string,
  env: Record<string, string>,
): Record<string, Record<string, OptionValue>> {
  const json = execFileSync(LUA, [`${ORACLE}dump.lua`, file], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  const raw = JSON.parse(json) as Record<string, Record<string, unknown>>;
  const out: Record<string, Record<string, OptionValue>> = {};
  for (const [host, options] of Object.entries(raw)) {
    out[host] = {};
    for (const [name, value] of Object.entries(options)) {
      if (!MARKERS.has(name)) (out[host] as Record<string, OptionValue>)[name] = fromProsodyJson(value);
    }
  }
  return out;
}

function cantoReads(data: ConfigData): Record<string, Record<string, OptionValue>> {
  const out: Record<string, Record<string, OptionValue>> = {};
  for (const section of [data.global, ...data.hosts.values()]) {
    out[section.name] = Object.fromEntries([...section.options].map(([name, entry]) => [name, entry.value]));
  }
  return out;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function compare(file: string): void {
  const env = { CANTO_ORACLE_VAR: "from the environment" };
  expect(cantoReads(loadLuaConfig(file, { env }))).toEqual(prosodyReads(file, env));
}

describe.skipIf(!available)("Canto reads configs as Prosody does", () => {
  it("a fixture using every construct Prosody 0.12 and Canto share", () => {
    // Lua shortens chunk names past 60 characters, and Prosody then cannot find the line of a
    // duplicate option; a copy under a short path keeps the oracle independent of the checkout.
    const copy = mkdtempSync(join(tmpdir(), "oracle-"));
    cpSync(ORACLE, copy, { recursive: true });
    compare(join(copy, "prosody.cfg.lua"));
  });
  it.skipIf(!readable("/etc/prosody/prosody.cfg.lua"))("Debian's /etc/prosody/prosody.cfg.lua", () => {
    compare("/etc/prosody/prosody.cfg.lua");
  });
});
