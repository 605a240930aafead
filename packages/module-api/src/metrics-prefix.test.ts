import { describe, expect, it } from "vitest";
import { createTestServer } from "./testing.js";

describe("openmetrics_prefix", () => {
  it("names module metrics canto_mod_... by default and prosody_mod_... when set to prosody", async () => {
    const plain = await createTestServer({ start: false });
    expect(plain.server.metrics.prefix).toBe("canto");
    const prosody = await createTestServer({
      config: { openmetrics_prefix: "prosody", hosts: { localhost: {} } } as never,
      start: false,
    });
    expect(prosody.server.metrics.prefix).toBe("prosody");
  });

  it("refuses a prefix that cannot start a metric name", async () => {
    await expect(
      createTestServer({ config: { openmetrics_prefix: "prosody-im" } as never, start: false }),
    ).rejects.toMatchObject({ code: "CANTO_ERR_CONFIG_VALUE", option: "openmetrics_prefix" });
  });
});
