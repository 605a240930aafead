import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs a timer and a task on a Keyv store", () => {
  const install = packAndInstall("@canto/cron");
  try {
    const out = install.run(`
      import Keyv from "keyv";
      import { createCron, createScheduler, hourly } from "@canto/cron";
      import { createFakeClock } from "@canto/cron/testing";
      const clock = createFakeClock({ now: 1000 });
      const scheduler = createScheduler({ clock });
      const seen = [];
      scheduler.addTimer(1, (now, x) => { seen.push("timer:" + now + ":" + x); }, "a");
      const keyv = new Keyv({ namespace: "cron" });
      const cron = createCron({ scheduler, keyv, lease: false });
      cron.add(hourly("report", (task, at) => { seen.push("task:" + task.id + ":" + at); }));
      await clock.advance(2);
      await cron.dispose();
      console.log(JSON.stringify(seen));
    `);
    expect(JSON.parse(out)).toEqual(["timer:1001:a", "task:report:1001"]);
  } finally {
    install.dispose();
  }
}, 120_000);
