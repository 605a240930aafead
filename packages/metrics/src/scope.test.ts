import { describe, expect, it } from "vitest";
import { InvalidLabelError, InvalidMetricNameError } from "./errors.js";
import { sdkMetrics } from "./helpers.test-helper.js";

describe("scope()", () => {
  it("names families canto_mod_<module>/<name>, exposed with __", async () => {
    const m = sdkMetrics();
    const scope = m.metrics.scope({ module: "ping" });
    const family = scope.metric("counter", "pings", "", "Pings answered");
    expect(family.name).toBe("canto_mod_ping/pings");
    family.withLabels().add();
    expect(await m.text()).toContain(
      "# HELP canto_mod_ping__pings Pings answered\n# TYPE canto_mod_ping__pings counter\ncanto_mod_ping__pings_total 1\n",
    );
  });

  it("a host scope adds an implicit host label, first, and fills it in", async () => {
    const m = sdkMetrics();
    const a = m.metrics.scope({ module: "c2s", host: "a.example" });
    const b = m.metrics.scope({ module: "c2s", host: "b.example" });
    const fa = a.metric("counter", "stanzas", "", "Stanzas", ["kind"]);
    const fb = b.metric("counter", "stanzas", "", "Stanzas", ["kind"]);
    expect(fa.labelKeys).toEqual(["kind"]);
    fa.withLabels("iq").add(2);
    fb.withLabels("iq").add(5);
    expect(() => fa.withLabels("iq", "extra")).toThrow(/expects 1 label value\(s\) \(kind\), got 2/);
    const text = await m.text();
    expect(text).toContain('canto_mod_c2s__stanzas_total{host="a.example",kind="iq"} 2\n');
    expect(text).toContain('canto_mod_c2s__stanzas_total{host="b.example",kind="iq"} 5\n');
  });

  it("a host scope family without labels takes withLabels() with no values", async () => {
    const m = sdkMetrics();
    m.metrics.scope({ module: "x", host: "h" }).metric("gauge", "g").withLabels().set(3);
    expect(await m.text()).toContain('canto_mod_x__g{host="h"} 3\n');
  });

  it("measure() in a host scope records under the host label", async () => {
    const m = sdkMetrics();
    const scope = m.metrics.scope({ module: "http_file_share", host: "upload.example" });
    scope.measure("uploads", "rate")();
    scope.measure("total_storage", "amount", { unit: "bytes" })(42);
    const text = await m.text();
    expect(text).toContain('canto_mod_http_file_share__uploads_total{host="upload.example"} 1\n');
    expect(text).toContain("# UNIT canto_mod_http_file_share__total_storage_bytes bytes\n");
    expect(text).toContain('canto_mod_http_file_share__total_storage_bytes{host="upload.example"} 42\n');
  });

  it('a global module (no host, or "*") gets the real family and declares host itself', async () => {
    const m = sdkMetrics();
    for (const host of [undefined, "*"]) {
      const scope = m.metrics.scope({ module: "stats", host });
      expect(scope.host).toBeUndefined();
      const family = scope.metric("gauge", "users", "", "", ["host"]);
      expect(family.labelKeys).toEqual(["host"]);
      family.withLabels("a.example").set(1);
    }
    expect(await m.text()).toContain('canto_mod_stats__users{host="a.example"} 1\n');
  });

  it("a host scope may not declare host itself", () => {
    const m = sdkMetrics();
    const scope = m.metrics.scope({ module: "x", host: "h" });
    expect(() => scope.metric("counter", "c", "", "", ["host"])).toThrow(InvalidLabelError);
  });

  it("the same family from a host scope and a global scope conflicts, naming both", () => {
    const m = sdkMetrics();
    m.metrics.scope({ module: "x", host: "h" }).metric("counter", "c");
    expect(() => m.metrics.scope({ module: "x" }).metric("counter", "c")).toThrow(
      'metric "canto_mod_x/c" is already registered by module "x" on host "h" as counter with labels (host); ' +
        'module "x" (global) cannot register it as counter with labels ()',
    );
  });

  it("families survive a reload: a new scope for the same module gets the same series", async () => {
    const m = sdkMetrics();
    m.metrics.scope({ module: "x", host: "h" }).measure("c", "counter")(3);
    m.metrics.scope({ module: "x", host: "h" }).measure("c", "counter")(1);
    expect(await m.text()).toContain('canto_mod_x__c_total{host="h"} 4\n');
  });

  it("the prefix option replaces canto; an empty prefix leaves mod_", () => {
    expect(sdkMetrics({ prefix: "prosody" }).metrics.scope({ module: "m" }).metric("gauge", "g").name).toBe(
      "prosody_mod_m/g",
    );
    expect(sdkMetrics({ prefix: "" }).metrics.scope({ module: "m" }).metric("gauge", "g").name).toBe(
      "mod_m/g",
    );
  });

  it("module and metric names are validated", () => {
    const m = sdkMetrics();
    expect(() => m.metrics.scope({ module: "bad-name" })).toThrow(InvalidMetricNameError);
    expect(() => m.metrics.scope({ module: "" })).toThrow(InvalidMetricNameError);
    expect(() => m.metrics.scope({ module: "ok" }).metric("gauge", "1bad")).toThrow(InvalidMetricNameError);
    expect(() => m.metrics.scope({ module: "ok" }).measure("a/b", "rate")).toThrow(InvalidMetricNameError);
  });
});
