import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Config } from "./config.js";
import { createConfig, loadConfig } from "./load.js";
import { emptyData } from "./types.js";

// Ported from Prosody's spec/core_configmanager_spec.lua.
describe("get and set (core_configmanager_spec)", () => {
  const config = new Config(emptyData());
  it("get falls back from host to global; undefined host or key gives undefined", () => {
    config.set("example.com", "testkey", 123);
    expect(config.get("example.com", "testkey")).toBe(123);
    config.set("*", "testkey1", 321);
    expect(config.get("*", "testkey1")).toBe(321);
    expect(config.get("example.com", "testkey1")).toBe(321);
    expect(config.get("undefined host", "testkey1")).toBe(321);
    expect(config.get("undefined host", "undefined key")).toBeUndefined();
  });
  it("set without a key returns false", () => {
    expect(config.set("*", "", 1)).toBe(false);
    expect(config.set("*", "set_test", "testkey")).toBe(true);
    expect(config.get("*", "set_test")).toBe("testkey");
    expect(config.set("*", "set_test", undefined)).toBe(true);
    expect(config.get("*", "set_test")).toBeUndefined();
  });
});

describe("lookup", () => {
  const config = createConfig({
    admins: ["root@example.org"],
    storage: "sqlite",
    hosts: { "example.org": { storage: "memory" } },
    components: { "upload.example.org": { module: "http_file_share", http_file_share_size_limit: 1024 } },
  });
  it("prefers the host's value, then the global one", () => {
    expect(config.get("example.org", "storage")).toBe("memory");
    expect(config.get("*", "storage")).toBe("sqlite");
    expect(config.rawGet("example.org", "admins")).toBeUndefined();
  });
  it("lets component hosts inherit global options", () => {
    expect(config.get("upload.example.org", "admins")).toEqual(["root@example.org"]);
    expect(config.get("upload.example.org", "component_module")).toBe("http_file_share");
  });
  it("knows host types", () => {
    expect(config.hostType("*")).toBe("global");
    expect(config.hostType("example.org")).toBe("local");
    expect(config.hostType("upload.example.org")).toBe("component");
    expect(config.hostType("nowhere")).toBeUndefined();
    expect(config.hosts().map((h) => h.name)).toEqual(["example.org", "upload.example.org"]);
  });
});

describe("reload", () => {
  const dir = mkdtempSync(join(tmpdir(), "canto-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("re-reads the files and reports what changed per host", async () => {
    const file = join(dir, "prosody.cfg.lua");
    writeFileSync(
      file,
      'admins = { "a@x" }\nmotd = "hi"\nVirtualHost "x"\n  storage = "memory"\nVirtualHost "gone"\n',
    );
    const config = await loadConfig(file);
    const reader = config.options("x");
    expect(reader.getOptionString("storage")).toBe("memory");
    writeFileSync(
      file,
      'admins = { "a@x", "b@x" }\nlimit = 5\nVirtualHost "x"\n  storage = "sql"\nVirtualHost "new"\n',
    );
    const changes = await config.reload();
    expect(changes.changed).toBe(true);
    expect(changes.addedHosts).toEqual(["new"]);
    expect(changes.removedHosts).toEqual(["gone"]);
    expect(changes.hosts.get("*")).toEqual({ added: ["limit"], removed: ["motd"], changed: ["admins"] });
    expect(changes.hosts.get("x")).toEqual({ added: [], removed: [], changed: ["storage"] });
    // readers made before the reload see the new values
    expect(reader.getOptionString("storage")).toBe("sql");
    expect((await config.reload()).changed).toBe(false);
  });

  it("keeps the current configuration when the new one is broken", async () => {
    const file = join(dir, "broken.cfg.lua");
    writeFileSync(file, "limit = 5\n");
    const config = await loadConfig(file);
    writeFileSync(file, "limit = = 5\n");
    await expect(config.reload()).rejects.toMatchObject({ code: "CANTO_ERR_CONFIG_PARSE", line: 1 });
    expect(config.get("*", "limit")).toBe(5);
  });

  it("reloads a .mjs config", async () => {
    const file = join(dir, "canto.config.mjs");
    writeFileSync(file, "export default { limit: 1 };\n");
    const config = await loadConfig(file);
    writeFileSync(file, "export default { limit: 2 };\n");
    const changes = await config.reload();
    expect(changes.hosts.get("*")?.changed).toEqual(["limit"]);
    expect(config.get("*", "limit")).toBe(2);
  });

  it("is refused for a config made in code", async () => {
    await expect(createConfig({}).reload()).rejects.toThrow("nothing to reload");
  });
});

describe("the README's standalone example", () => {
  it("reads as documented", () => {
    const config = createConfig({
      request_timeout: "30 seconds",
      max_upload: 10_485_760,
      hosts: { "eu.example.com": { max_upload: 1_048_576 } },
    });
    const eu = config.options("eu.example.com");
    expect(eu.getOptionPeriod("request_timeout", "1 minute")).toBe(30);
    expect(eu.getOptionInteger("max_upload", 0, 0, 5_000_000)).toBe(1_048_576);
    expect(config.options("*").getOptionBoolean("debug", false)).toBe(false);
    const before = config.generation;
    config.set("eu.example.com", "max_upload", 2);
    expect(config.generation).toBe(before + 1);
    expect(eu.getOptionInteger("max_upload", 0)).toBe(2);
  });
});
