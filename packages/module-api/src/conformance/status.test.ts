import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:set_status() → setStatus", () => {
  it("is core/Loaded after a successful load", async () => {
    const t = await withModule(() => {});
    current = t;
    expect(t.module.getStatus()).toMatchObject({ type: "core", message: "Loaded" });
  });

  it("ignores a lower severity unless override is true, and fires module-status/updated when accepted", async () => {
    const t = await withModule(() => {});
    current = t;
    const updates: unknown[] = [];
    t.server.host("localhost")!.events.hook("module-status/updated", (e) => {
      updates.push(e);
    });
    expect(t.module.setStatus("error", "broken")).toBe(true);
    expect(t.module.setStatus("info", "fine now")).toBe(false);
    expect(t.module.getStatus()).toMatchObject({ type: "error", message: "broken" });
    expect(t.module.setStatus("warn", "degraded", true)).toBe(true);
    expect(t.module.getStatus()).toMatchObject({ type: "warn", message: "degraded" });
    expect(t.module.setStatus("error", "broken again")).toBe(true);
    expect(updates).toHaveLength(3);
    expect(updates[0]).toMatchObject({ name: "test" });
  });

  it("keeps an error set during load rather than replacing it with Loaded", async () => {
    const t = await withModule((m) => {
      m.setStatus("error", "no certificate");
    });
    current = t;
    expect(t.module.getStatus()).toMatchObject({ type: "error", message: "no certificate" });
  });

  it("rejects an unknown status type with a clear error", async () => {
    const t = await withModule(() => {});
    current = t;
    expect(() => t.module.setStatus("fatal" as never, "x")).toThrow(/unknown status type "fatal"/);
  });
});

describe("module:get_status() → getStatus", () => {
  it("returns type, message and the time it was set", async () => {
    const t = await withModule(() => {});
    current = t;
    const before = Date.now() / 1000;
    t.module.setStatus("warn", "slow storage");
    const status = t.module.getStatus();
    expect(status.type).toBe("warn");
    expect(status.message).toBe("slow storage");
    expect(status.time).toBeGreaterThanOrEqual(before - 1);
    status.message = "changed";
    expect(t.module.getStatus().message).toBe("slow storage");
  });
});

describe("module:log_status() → logStatus", () => {
  it("logs and keeps the formatted message as the status", async () => {
    const t = await withModule(() => {});
    current = t;
    t.module.logStatus("warn", "queue at %d%%", 93);
    expect(t.module.getStatus()).toMatchObject({ type: "warn", message: "queue at 93%" });
  });
});
