import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Module } from "../module.js";
import { createTestServer, type TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:get_name() → getName", () => {
  it("returns the name the module was loaded as", async () => {
    current = await withModule(() => {}, { name: "pinger" });
    const { module } = current as TestServer & { module: Module };
    expect(module.getName()).toBe("pinger");
    expect(module.name).toBe("pinger");
  });
});

describe("module:get_host() → getHost and module.host", () => {
  it("returns the host a module is loaded on", async () => {
    const t = await withModule(() => {}, {
      config: { hosts: { "a.example": {}, "b.example": {} } },
      host: "b.example",
    });
    current = t;
    expect(t.module.getHost()).toBe("b.example");
    expect(t.module.host).toBe("b.example");
  });

  it("returns * for a global module", async () => {
    const t = await withModule((m) => m.setGlobal());
    current = t;
    expect(t.module.getHost()).toBe("*");
    expect(t.server.global.modules.get("test")).toBe(t.module);
    expect(t.server.host("localhost")?.modules.has("test")).toBe(false);
  });
});

describe("module:get_host_type() → getHostType", () => {
  it("is local on a VirtualHost, component on a Component, undefined for a global module", async () => {
    const seen: Record<string, string | undefined> = {};
    const test = await createTestServer({
      config: { hosts: { localhost: {} }, components: { "muc.localhost": { module: "probe" } } },
      modules: {
        probe: (m) => {
          seen[m.host] = m.getHostType();
        },
        global: (m) => {
          m.setGlobal();
          seen.global = m.getHostType() ?? "undefined";
        },
      },
    });
    current = test;
    await test.server.manager.load("localhost", "probe");
    await test.server.manager.load("localhost", "global");
    expect(seen).toEqual({ "muc.localhost": "component", localhost: "local", global: "undefined" });
  });
});

describe("module:set_global() → setGlobal", () => {
  it("moves the module to * and refuses a second, unshared global instance", async () => {
    const test = await createTestServer({
      config: { hosts: { "a.example": {}, "b.example": {} } },
      modules: { g: (m) => m.setGlobal() },
    });
    current = test;
    await test.server.manager.load("a.example", "g");
    await expect(test.server.manager.load("b.example", "g")).rejects.toMatchObject({
      code: "global-module-already-loaded",
    });
  });
});

describe("module:get_directory() → getDirectory, module:load_resource() → loadResource", () => {
  it("resolves resources relative to the module's file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-mod-"));
    writeFileSync(join(dir, "data.json"), '{"hello":"world"}');
    writeFileSync(
      join(dir, "mod_reader.js"),
      "export default async function (module) { module.exports = JSON.parse(await module.loadResource('data.json')); return module.exports; }\n",
    );
    const test = await createTestServer({ config: { plugin_paths: [dir], hosts: { localhost: {} } } });
    current = test;
    const module = await test.server.manager.load("localhost", "reader");
    expect(module.getDirectory()).toBe(dir);
    expect(module.exports).toEqual({ hello: "world" });
    expect(await module.loadResource(join(dir, "data.json"), "binary")).toBeInstanceOf(Buffer);
    await expect(module.loadResource("missing.txt")).rejects.toMatchObject({ code: "ENOENT" });
  });
});
