import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs", () => {
  const install = packAndInstall("@canto/events");
  try {
    const output = install.run(`
      import { EventBus, EventHandlerError } from "@canto/events";
      const bus = new EventBus();
      const seen = [];
      bus.observe((e) => seen.push(e.name));
      bus.hook("greet", (name) => "hello " + name, 1);
      bus.hook("greet", () => "never");
      bus.hook("fail", () => { throw new Error("boom"); });
      let failure;
      try { bus.fire("fail"); } catch (e) { failure = e instanceof EventHandlerError && e.event; }
      const later = await bus.fireAsync("greet", "async");
      console.log(JSON.stringify({ result: bus.fire("greet", "world"), later, failure, seen }));
    `);
    expect(JSON.parse(output.trim())).toEqual({
      result: "hello world",
      later: "hello async",
      failure: "fail",
      seen: ["fail", "greet", "greet"],
    });
  } finally {
    install.dispose();
  }
}, 120_000);
