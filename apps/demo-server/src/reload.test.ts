import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoServer, createServer, loadConfig, type Module } from "canto";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { reloadConfig } from "./reload.js";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A server on a JSON config file in a temporary folder, with a few probe modules. */
async function serverOnFile(initial: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), "canto-reload-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "canto.config.json");
  const write = (options: Record<string, unknown>) =>
    writeFileSync(file, JSON.stringify({ data_path: "./data", ...options }));
  write(initial);
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: "info" },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const reloaded: unknown[] = [];
  const greetings: string[] = [];
  const modules = {
    probe: (module: Module) => {
      module.hookGlobal("config-reloaded", (event) => reloaded.push(event));
    },
    greeter: (module: Module) => {
      greetings.push(`${module.host}: ${module.getOptionString("greeting", "hello")}`);
    },
    needy: async (module: Module) => {
      await module.depends("helper");
    },
    helper: () => {},
  };
  const server: CantoServer = await createServer({ config: await loadConfig(file), modules, logger });
  await server.start();
  cleanup.push(() => server.stop());
  return { server, logger, lines, write, reloaded, greetings };
}

describe("reloadConfig", () => {
  it("loads and unloads modules per host, activates and deactivates hosts, fires config-reloaded", async () => {
    const t = await serverOnFile({
      modules_enabled: ["probe", "needy"],
      hosts: { "a.test": {}, "gone.test": {} },
    });
    expect(t.server.manager.list("a.test").sort()).toEqual(["helper", "needy", "probe"]);

    t.write({
      modules_enabled: ["probe"],
      log_level: "warn",
      hosts: { "a.test": { modules_enabled: ["greeter"], greeting: "hi" }, "new.test": {} },
    });
    const summary = await reloadConfig(t.server, t.logger);

    expect(summary).toMatchObject({
      ok: true,
      activated: ["new.test"],
      deactivated: ["gone.test"],
      loaded: ["greeter on a.test"],
      unloaded: ["needy on a.test"],
      failed: [],
      logLevel: "warn",
    });
    expect(summary.changedHosts).toEqual(expect.arrayContaining(["*", "a.test"]));
    // `helper` came in as needy's dependency, not from the list: reloading leaves it alone.
    expect(t.server.manager.list("a.test").sort()).toEqual(["greeter", "helper", "probe"]);
    expect(t.server.manager.list("new.test")).toEqual(["probe"]);
    expect([...t.server.hosts()].map((h) => h.name).sort()).toEqual(["a.test", "new.test"]);
    expect(t.greetings).toEqual(["a.test: hi"]);
    expect(t.logger.level).toBe("warn");
    // Every host's instance of the probe sees the one global event.
    expect(t.reloaded.length).toBeGreaterThan(0);
    expect(t.reloaded[0]).toMatchObject({ filename: expect.stringContaining("canto.config.json") });
    const line = t.lines.find((l) => String(l.msg).startsWith("SIGHUP: config reloaded"));
    expect(line?.msg).toContain("hosts activated: new.test");
    expect(line?.msg).toContain("unloaded: needy on a.test");
  });

  it("keeps the old config and logs the error when the file is broken", async () => {
    const t = await serverOnFile({ modules_enabled: ["probe"], hosts: { "a.test": {} } });
    writeFileSync(t.server.config.file ?? "", '{ "modules_enabled": ["probe", "greeter"] ');

    const summary = await reloadConfig(t.server, t.logger);

    expect(summary.ok).toBe(false);
    expect(t.server.manager.list("a.test")).toEqual(["probe"]);
    expect(t.reloaded).toEqual([]);
    const error = t.lines.find((l) => l.code === "config-reload-failed");
    expect(error?.level).toBe(50);
    expect(String(error?.msg)).toMatch(/the old one stays: .*canto\.config\.json:1: syntax error/);
  });

  it("reports a module that fails to load without stopping the others", async () => {
    const t = await serverOnFile({ modules_enabled: ["probe"], hosts: { "a.test": {} } });
    t.write({ modules_enabled: ["probe", "no_such_module", "greeter"], hosts: { "a.test": {} } });
    const summary = await reloadConfig(t.server, t.logger);
    expect(summary.failed).toEqual(["load no_such_module on a.test"]);
    expect(summary.loaded).toEqual(["greeter on a.test"]);
    const line = t.lines.find((l) => String(l.msg).startsWith("SIGHUP: config reloaded"));
    expect(line?.level).toBe(40);
  });
});
