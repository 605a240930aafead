import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { npmResolver } from "../resolve.js";
import { createTestServer, type TestServer } from "../testing.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:log() → log", () => {
  it("logs through pino with host and module bindings and Prosody's safe printf", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const t = await createTestServer({
      logger: pino({ level: "debug" }, sink),
      modules: { talker: () => {} },
    });
    current = t;
    const module = await t.server.manager.load("localhost", "talker");
    module.log("info", "user %s sent %d messages", "alice", 3, "extra");
    module.log("warn", "missing %s");
    module.log("debug", "line one\nline two");
    module.log("shout" as never, "dropped");
    const own = lines.filter((line) => line.module === "talker");
    expect(own.map((line) => [line.level, line.host, line.msg])).toEqual([
      [30, "localhost", "user alice sent 3 messages [extra]"],
      [40, "localhost", "missing (nil)"],
      [20, "localhost", "line one\n\tline two"],
    ]);
  });
});

describe("host manager", () => {
  it("activates a host at run time, loading its modules, and deactivates it, unloading them", async () => {
    const loaded: string[] = [];
    const t = await createTestServer({
      config: { modules_enabled: ["probe"], hosts: { localhost: {} } },
      modules: {
        probe: (m) => {
          loaded.push(m.host);
          m.unload = () => void loaded.push(`-${m.host}`);
        },
      },
    });
    current = t;
    const events: string[] = [];
    t.server.global.events.hook("host-activated", (host) => void events.push(`+${String(host)}`));
    t.server.global.events.hook("host-deactivated", (host) => void events.push(`-${String(host)}`));
    await t.server.activateHost("new.example");
    expect(t.server.host("new.example")?.type).toBe("local");
    expect(t.server.manager.isLoaded("new.example", "probe")).toBe(true);
    await t.server.deactivateHost("new.example");
    expect(t.server.host("new.example")).toBeUndefined();
    expect(events).toEqual(["+new.example", "-new.example"]);
    expect(loaded).toEqual(["localhost", "new.example", "-new.example"]);
  });
});

describe("module resolution", () => {
  it("finds npm packages named canto-mod-<name>", async () => {
    const base = mkdtempSync(join(tmpdir(), "canto-npm-"));
    const dir = join(base, "node_modules", "canto-mod-greeter");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "canto-mod-greeter", type: "module", main: "index.js" }),
    );
    writeFileSync(join(dir, "index.js"), "export default function (m) { return { hello: m.getName() }; }\n");
    const t = await createTestServer({ resolvers: [npmResolver(base)] });
    current = t;
    const module = await t.server.manager.load("localhost", "greeter");
    expect(module.exports).toEqual({ hello: "greeter" });
    await expect(t.server.manager.load("localhost", "../etc")).rejects.toMatchObject({
      code: "module-not-found",
    });
  });

  it("refuses a module file without a default setup function", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-bad-"));
    writeFileSync(join(dir, "mod_nodefault.js"), "export const x = 1;\n");
    const t = await createTestServer({ config: { plugin_paths: [dir], hosts: { localhost: {} } } });
    current = t;
    await expect(t.server.manager.load("localhost", "nodefault")).rejects.toThrow(
      /must export a setup function/,
    );
  });
});

describe("server start", () => {
  it("lists the modules that failed to load and keeps serving with the others", async () => {
    const t = await createTestServer({
      config: { modules_enabled: ["good", "bad", "missing"], hosts: { localhost: {} } },
      modules: {
        good: () => {},
        bad: () => {
          throw new Error("no certificate");
        },
      },
    });
    current = t;
    expect(t.server.manager.isLoaded("localhost", "good")).toBe(true);
    expect(t.server.loadFailures.map((f) => [f.host, f.module, (f.error as { code: string }).code])).toEqual([
      ["localhost", "bad", "module-load-failed"],
      ["localhost", "missing", "module-not-found"],
    ]);
  });
});
