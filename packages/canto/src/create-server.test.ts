import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type CantoServer, createServer, defineConfig, message } from "./index.js";

let server: CantoServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe("createServer", () => {
  it("wires SQLite in the data directory, metrics rendered as OpenMetrics, and loads modules", async () => {
    const data = mkdtempSync(join(tmpdir(), "canto-facade-"));
    server = await createServer({
      config: defineConfig({
        data_path: data,
        log_level: "silent",
        modules_enabled: ["notes"],
        hosts: { localhost: {} },
      }),
      modules: {
        notes: async (module) => {
          const store = await module.openStore();
          const seen = module.measure("saved", "counter");
          module.hook(
            "message/bare",
            async (event: { stanza: { getChildText(n: string): string | null } }) => {
              await store.set("last", { body: event.stanza.getChildText("body") });
              seen(1);
              return true;
            },
          );
        },
      },
    });
    await server.start();
    expect(server.manager.isLoaded("localhost", "notes")).toBe(true);
    const host = server.hostSession("localhost");
    await server.post(host, message({ to: "x@localhost", from: "localhost" }, "kept"));
    expect(server.storage.driverName("localhost", "notes")).toBe("sqlite");
    const store = await server.storage.open("localhost", "notes");
    expect(await store.get("last")).toEqual({ body: "kept" });
    const text = await server.telemetry.openMetrics();
    expect(text).toContain('canto_mod_notes__saved_total{host="localhost"} 1');
    expect(text.trimEnd().endsWith("# EOF")).toBe(true);
  });

  it("unloads every module and closes every store on stop", async () => {
    const data = mkdtempSync(join(tmpdir(), "canto-facade-"));
    let unloaded = 0;
    server = await createServer({
      config: { data_path: data, log_level: "silent", modules_enabled: ["u"], hosts: { a: {}, b: {} } },
      modules: {
        u: (module) => {
          module.unload = () => {
            unloaded++;
          };
        },
      },
    });
    await server.start();
    const stopping = server;
    server = undefined;
    await stopping.stop();
    expect(unloaded).toBe(2);
    await expect(stopping.storage.open("a", "x")).rejects.toMatchObject({ code: "store-closed" });
  });
});
