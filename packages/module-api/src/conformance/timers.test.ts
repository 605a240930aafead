import { afterEach, describe, expect, it } from "vitest";
import type { TestServer } from "../testing.js";
import { createTestServer } from "../testing.js";
import { withModule } from "./helpers.test-helper.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe("module:add_timer() → addTimer", () => {
  it("calls back after the delay with (now, ...args), repeating while it returns a number", async () => {
    const calls: unknown[][] = [];
    const t = await withModule((m) => {
      m.addTimer(
        2.5,
        (now, tag) => {
          calls.push([now, tag]);
          return calls.length < 3 ? 1 : undefined;
        },
        "tag",
      );
    });
    current = t;
    await t.clock.advance(2);
    expect(calls).toHaveLength(0);
    await t.clock.advance(0.5);
    expect(calls).toHaveLength(1);
    expect(calls[0]![1]).toBe("tag");
    await t.clock.advance(10);
    expect(calls).toHaveLength(3);
  });

  it("returns a timer with stop() and reschedule()", async () => {
    let fired = 0;
    const t = await withModule(() => {});
    current = t;
    const timer = t.module.addTimer(5, () => {
      fired++;
    });
    timer.reschedule(1);
    await t.clock.advance(1);
    expect(fired).toBe(1);
    const other = t.module.addTimer(5, () => {
      fired++;
    });
    other.stop();
    await t.clock.advance(10);
    expect(fired).toBe(1);
  });

  it("stops the module's timers on unload (Prosody only mutes them)", async () => {
    let fired = 0;
    const t = await withModule((m) => {
      m.addTimer(5, () => {
        fired++;
        return 5;
      });
    });
    current = t;
    await t.clock.advance(5);
    expect(fired).toBe(1);
    const before = t.server.scheduler.size;
    await t.server.manager.unload("localhost", "test");
    expect(t.server.scheduler.size).toBe(before - 1);
    await t.clock.advance(60);
    expect(fired).toBe(1);
  });
});

describe("module:cron() → cron, module:hourly/daily/weekly()", () => {
  it("registers tasks as items named task and runs each once per period", async () => {
    const runs: string[] = [];
    const test = await createTestServer({
      modules: {
        janitor: (m) => {
          m.hourly("Sweep floors", () => {
            runs.push("hourly");
          });
          m.daily(() => {
            runs.push("daily");
          });
          m.cron({
            id: "janitor/custom",
            name: "Custom",
            when: "weekly",
            run: () => void runs.push("weekly"),
          });
        },
      },
    });
    current = test;
    const module = await test.server.manager.load("localhost", "janitor");
    expect(module.getHostItems<{ id: string }>("task").map((task) => task.id)).toEqual([
      "janitor/sweep_floors",
      "janitor/daily",
      "janitor/custom",
    ]);
    await test.clock.advance(2);
    expect(runs.sort()).toEqual(["daily", "hourly", "weekly"]);
    await test.clock.advance(3600);
    expect(runs.filter((r) => r === "hourly")).toHaveLength(2);
    expect(runs.filter((r) => r === "daily")).toHaveLength(1);
    const cron = test.server.cronOf("localhost")!;
    expect(cron.tasks().map((task) => task.id)).toContain("janitor/sweep_floors");
    await test.server.manager.unload("localhost", "janitor");
    expect(cron.tasks()).toHaveLength(0);
  });

  it("keeps the last run in storage, so a restarted host does not run a task again within its period", async () => {
    const runs: number[] = [];
    const test = await createTestServer({
      modules: { daily: (m) => void m.daily("report", (_task, at) => void runs.push(at)) },
    });
    current = test;
    await test.server.manager.load("localhost", "daily");
    await test.clock.advance(2);
    expect(runs).toHaveLength(1);
    await test.server.manager.reload("localhost", "daily");
    await test.clock.advance(3600 * 5);
    expect(runs).toHaveLength(1);
    await test.clock.advance(86400);
    expect(runs).toHaveLength(2);
  });

  it("names a task by Prosody's slug, so the <id>_period option of a Prosody config applies to it", async () => {
    const runs: number[] = [];
    const test = await createTestServer({
      // Prosody: "cleanup/" .. ("Expire: old  items"):gsub("%W", "_"):lower(), "/" read as "_".
      config: { hosts: { localhost: { cleanup_expire__old__items_period: 3600 } } },
      modules: { cleanup: (m) => void m.daily("Expire: old  items", (_task, at) => void runs.push(at)) },
    });
    current = test;
    const module = await test.server.manager.load("localhost", "cleanup");
    expect(module.getHostItems<{ id: string }>("task").map((task) => task.id)).toEqual([
      "cleanup/expire__old__items",
    ]);
    await test.clock.advance(2);
    expect(runs).toHaveLength(1);
    await test.clock.advance(3600);
    expect(runs).toHaveLength(2);
  });
});
