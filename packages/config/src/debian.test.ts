import { accessSync, constants } from "node:fs";
import { describe, expect, it } from "vitest";
import { check } from "./check.js";
import { loadConfig } from "./load.js";

// Debian's stock configuration, installed by the `prosody` package (CI installs it).
const DEBIAN = "/etc/prosody/prosody.cfg.lua";

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!readable(DEBIAN))("Debian's /etc/prosody/prosody.cfg.lua", () => {
  it("loads, with its Include of conf.d, and reads as Prosody would", async () => {
    const config = await loadConfig(DEBIAN);
    expect(config.files[0]).toBe(DEBIAN);
    expect(config.hostType("localhost")).toBe("local");
    const options = config.options("localhost");
    expect(options.getOptionArray("modules_enabled")).toContain("roster");
    expect(options.getOptionString("authentication")).toBe("internal_hashed");
    expect(options.getOptionBoolean("s2s_secure_auth")).toBe(true);
    expect(options.getOptionPeriod("archive_expires_after")).toBe(604_800);
    expect(options.getOptionPath("certificates", undefined, "config")).toBe("/etc/prosody/certs");
    expect(config.get("*", "log")).toMatchObject({ info: "/var/log/prosody/prosody.log" });
    expect(check(config).filter((p) => p.severity === "error")).toEqual([]);
  });
});
