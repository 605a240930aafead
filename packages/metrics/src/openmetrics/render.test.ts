import { describe, expect, it } from "vitest";
import { sdkMetrics } from "../helpers.test-helper.js";
import { exposedName, exposedUnit } from "./data.js";
import { fixture } from "./fixture.test-helper.js";
import { renderOpenMetrics } from "./render.js";

describe("renderOpenMetrics()", () => {
  it("matches the golden file for every shape of collected data", async () => {
    await expect(renderOpenMetrics(fixture)).toMatchFileSnapshot("golden/fixture.om.txt");
  });

  it("matches the golden file for a module's metrics recorded through the SDK", async () => {
    const m = sdkMetrics({ now: (() => 0) as () => number });
    const scope = m.metrics.scope({ module: "c2s", host: "localhost" });
    scope.metric("counter", "stanzas", "", "Stanzas received", ["kind"]).withLabels("message").add(3);
    scope.measure("connections", "amount", { description: "Open c2s connections" })(2);
    scope.measure("auth_time", "times")()();
    scope.measure("stanza_size", "sizes")(300);
    scope.measure("resources", "distribution", "resources")(2);
    m.metrics
      .scope({ module: "admin" })
      .metric("gauge", "hosts", "", "Hosts", ["host"])
      .withLabels('a"b')
      .set(1);
    await expect(await m.text()).toMatchFileSnapshot("golden/module.om.txt");
  });

  it("renders nothing but # EOF for no data", () => {
    expect(renderOpenMetrics({ scopeMetrics: [] })).toBe("# EOF\n");
  });

  it("escapes label values exactly once", () => {
    const text = renderOpenMetrics(fixture);
    expect(text).toContain('{host="we\\"ird\\\\host\\nname",kind="iq"} 3\n');
    expect(text).not.toContain("\\\\\\\\");
  });

  it("writes / as __ and other invalid characters as _", () => {
    expect(exposedName("canto_mod_ping/time")).toBe("canto_mod_ping__time");
    expect(exposedName("http.server-requests")).toBe("http_server_requests");
    expect(exposedName("9lives")).toBe("_9lives");
  });

  it("turns common UCUM units into Prometheus words", () => {
    expect(exposedUnit("s")).toBe("seconds");
    expect(exposedUnit("By")).toBe("bytes");
    expect(exposedUnit("By/s")).toBe("bytes_per_second");
    expect(exposedUnit("{request}")).toBe("");
    expect(exposedUnit("1")).toBe("");
    expect(exposedUnit("seconds")).toBe("seconds");
  });

  it("takes the SDK's ResourceMetrics as they are", async () => {
    const m = sdkMetrics();
    m.metrics.measure("x", "rate")();
    const collected = await m.collect();
    expect(renderOpenMetrics(collected)).toContain("x_total 1\n");
  });
});
