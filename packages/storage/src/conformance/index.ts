import { StorageManager } from "../manager.js";
import type { StorageDriver } from "../types.js";
import type { ConformanceOptions, TestApi } from "./api.js";
import { edgeCases } from "./edge-cases.js";
import { rejectsWithCode, TEST_HOST } from "./helpers.js";
import { prosodyPort } from "./prosody-port.js";

export type { ConformanceOptions, TestApi } from "./api.js";
export { TEST_HOST } from "./helpers.js";

/**
 * Runs the shared conformance suite against a driver: the port of Prosody's
 * core_storagemanager_spec plus Canto's own edge cases. Third-party drivers can run it too:
 *
 * ```ts
 * import { describe, it, beforeAll, afterAll } from "vitest";
 * runConformanceSuite({ describe, it, beforeAll, afterAll }, { name: "mine", createDriver: () => myDriver() });
 * ```
 */
export function runConformanceSuite(t: TestApi, options: ConformanceOptions): void {
  const archives = options.archive ?? true;
  const title = `storage driver conformance: ${options.name}`;
  if (options.skip !== undefined) {
    t.describe.skip(`${title} (skipped: ${options.skip})`, () => {
      t.it("needs its service", () => {});
    });
    return;
  }
  t.describe(title, () => {
    let driver: StorageDriver | undefined;
    let manager: StorageManager | undefined;
    t.beforeAll(async () => {
      driver = await options.createDriver();
      manager = new StorageManager({ drivers: { [options.name]: driver }, storage: options.name });
    });
    t.afterAll(async () => {
      await manager?.close();
      await options.cleanup?.();
    });
    const m = () => manager!;
    prosodyPort(t, m, archives);
    edgeCases(t, m, () => driver!, archives);

    t.describe("use after close", () => {
      t.it("rejects store-closed from every store and from the manager", async () => {
        const d = await options.createDriver();
        const mgr = new StorageManager({ drivers: { x: d }, storage: "x" });
        const kv = await mgr.open(TEST_HOST, "closing");
        const map = await mgr.open(TEST_HOST, "closing", "map");
        await kv.set("u", { a: 1 });
        const archive = archives ? await mgr.open(TEST_HOST, "closing", "archive") : undefined;
        await mgr.close();
        await rejectsWithCode(kv.get("u"), "store-closed");
        await rejectsWithCode(kv.set("u", { a: 2 }), "store-closed");
        await rejectsWithCode(map.set("u", "a", 2), "store-closed");
        await rejectsWithCode(async () => {
          for await (const _ of kv.users()) break;
        }, "store-closed");
        if (archive) {
          await rejectsWithCode(archive.append("u", undefined, 1), "store-closed");
          await rejectsWithCode(archive.find("u"), "store-closed");
        }
        await rejectsWithCode(mgr.open(TEST_HOST, "closing"), "store-closed");
      });
    });
  });
}
