import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { standardModules } from "@canto/modules";
import { describe, expect, it } from "vitest";
import { io, tempFolders } from "./cli-io.test-helper.js";
import { DEFAULT_MODULES, defaultConfig } from "./default-config.js";
import { parseAccountJid } from "./jid-arg.js";
import { formatLine } from "./log-output.js";
import { main } from "./main.js";

const folder = tempFolders("canto-cli-");

describe("canto CLI", () => {
  it("prints usage and exits 2 without a command, 0 with --help", async () => {
    const none = io();
    expect(await main([], none.io)).toBe(2);
    expect(none.out()).toContain("Usage: canto");
    expect(await main(["--help"], io().io)).toBe(0);
  });

  it("refuses unknown commands and options with exit code 2", async () => {
    const unknown = io();
    expect(await main(["frobnicate"], unknown.io)).toBe(2);
    expect(unknown.err()).toContain('unknown command "frobnicate"');
    const option = io();
    expect(await main(["start", "--port", "1"], option.io)).toBe(2);
    expect(option.err()).toContain("--port");
  });

  it("check config prints each problem with file:line and exits 1 on an error", async () => {
    const dir = folder();
    const file = join(dir, "canto.config.json");
    writeFileSync(
      file,
      '{\n  "log_level": "info",\n  "c2s_ports": "five",\n  "hosts": { "localhost": {} }\n}\n',
    );
    const run = io();
    expect(await main(["check", "config", file], run.io)).toBe(1);
    expect(run.out()).toMatch(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3: error \\S+: .*c2s_ports`),
    );
  });

  it("check config names a bad gc.young_generation with its line, and start refuses it", async () => {
    const dir = folder();
    const file = join(dir, "prosody.cfg.lua");
    writeFileSync(
      file,
      'gc = { mode = "incremental" }\ngc = { young_generation = "lots" }\nVirtualHost "localhost"\n',
    );
    const run = io();
    expect(await main(["check", "config", file], run.io)).toBe(1);
    expect(run.out()).toContain(
      `${file}:2: error CANTO_CONFIG_BAD_VALUE: Option 'gc' in the global section (${file}:2) has young_generation "lots"; it should be a whole number of MiB from 1 to 1024, or false`,
    );
    const start = io();
    expect(await main(["start", "--config", file], start.io)).toBe(1);
    expect(start.err()).toContain("the config has 1 error(s)");
  });

  it("start refuses a bad sql table with the option's file and line and what was expected", async () => {
    const dir = folder();
    const file = join(dir, "prosody.cfg.lua");
    writeFileSync(
      file,
      `data_path = "${dir}/data"\nstorage = "sql"\nsql = { driver = "Oracle"; database = "prosody" }\nVirtualHost "localhost"\n`,
    );
    const start = io();
    expect(await main(["start", "--config", file], start.io)).toBe(1);
    expect(start.err()).toContain(
      `canto: ${file}:3: option "sql": driver must be "SQLite3", "PostgreSQL" or "MySQL" (got "Oracle")`,
    );
  });

  it("check config reports a syntax error with its line", async () => {
    const dir = folder();
    const file = join(dir, "prosody.cfg.lua");
    writeFileSync(file, 'VirtualHost "localhost"\nmodules_enabled = { "ping"\n');
    const run = io();
    expect(await main(["check", "config", file], run.io)).toBe(1);
    expect(run.out()).toContain(`${file}:`);
  });

  it("check config passes the embedded default", async () => {
    const run = io();
    const cwd = process.cwd();
    process.chdir(folder());
    try {
      expect(await main(["check", "config"], run.io)).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    expect(run.out()).toContain("the embedded default config: OK");
  });

  it("account commands name a bad JID or an unknown host before touching any data", async () => {
    const bad = io();
    expect(await main(["adduser", "alice@localhost/phone", "-p", "x"], bad.io)).toBe(2);
    expect(bad.err()).toContain("has a resource");
    const dir = folder();
    const file = join(dir, "canto.config.json");
    writeFileSync(file, JSON.stringify({ hosts: { "example.org": {} } }));
    const host = io();
    expect(await main(["passwd", "alice@localhost", "-c", file, "-p", "x"], host.io)).toBe(3);
    expect(host.err()).toContain("localhost is not a VirtualHost");
    expect(host.err()).toContain("hosts: example.org");
  });
});

describe("parseAccountJid", () => {
  it("normalises the user part and refuses JIDs without one", () => {
    expect(parseAccountJid("Alice@LocalHost", "adduser")).toEqual({ username: "alice", host: "localhost" });
    expect(() => parseAccountJid("localhost", "adduser")).toThrow(/no user part/);
    expect(() => parseAccountJid(undefined, "adduser")).toThrow(/missing the account's JID/);
  });
});

describe("defaultConfig", () => {
  it("serves localhost on loopback with the standard modules, all of which exist", () => {
    const config = defaultConfig(standardModules);
    expect(config).toMatchObject({
      data_path: "./data",
      c2s_interfaces: ["127.0.0.1"],
      c2s_ports: [5222],
      c2s_direct_tls_ports: [5223],
      hosts: { localhost: {} },
    });
    // Every default module exists in the standard set, so none is silently left out.
    expect(config.modules_enabled).toEqual(DEFAULT_MODULES);
    expect(config.http_ports).toEqual([5280]);
  });

  it("enables only the default modules that exist", () => {
    expect(defaultConfig({}).modules_enabled).toEqual([]);
    expect(defaultConfig({ http: () => {}, ping: () => {} }).modules_enabled).toEqual(["ping", "http"]);
  });
});

describe("formatLine", () => {
  it("turns a pino line into a short readable one", () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 0),
      host: "localhost",
      module: "c2s",
      msg: "hi",
    });
    expect(formatLine(line)).toBe("12:00:00 info  [localhost c2s] hi\n");
  });
});
