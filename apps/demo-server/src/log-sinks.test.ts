import { describe, expect, it } from "vitest";
import { readLogOption } from "./log-sinks.js";

const levels = (set: ReadonlySet<string>) => [...set];

describe("Prosody's log option", () => {
  it("reads Debian's table: level = file means that level and up, syslog is noted", () => {
    const rules = readLogOption(
      {
        info: "/var/log/prosody/prosody.log",
        error: "prosody.err",
        "1": { levels: ["error"], to: "syslog" },
      },
      "/etc/prosody",
    );
    expect(rules?.sinks).toEqual([
      { to: "file", filename: "/var/log/prosody/prosody.log", levels: new Set(["info", "warn", "error"]) },
      { to: "file", filename: "/etc/prosody/prosody.err", levels: new Set(["error"]) },
    ]);
    expect(rules?.notes).toEqual(["log: the syslog sink is not supported, those lines are dropped"]);
  });

  it("reads rules with min/max and lists, a bare file name, and *console", () => {
    const rules = readLogOption(
      [
        { levels: { min: "info", max: "warn" }, to: "file", filename: "a.log" },
        { levels: ["debug", "error"], to: "console" },
        { to: "file", filename: "all.log" },
      ],
      "/d",
    );
    expect(rules?.sinks.map((s) => [s.to, s.filename, levels(s.levels)])).toEqual([
      ["file", "/d/a.log", ["info", "warn"]],
      ["console", undefined, ["debug", "error"]],
      ["file", "/d/all.log", ["debug", "info", "warn", "error"]],
    ]);
    expect(readLogOption("x.log", "/d")?.sinks).toEqual([
      { to: "file", filename: "/d/x.log", levels: new Set(["info", "warn", "error"]) },
    ]);
    expect(readLogOption("*console", "/d")?.sinks[0]?.to).toBe("console");
    expect(readLogOption(undefined, "/d")).toBeUndefined();
  });
});
