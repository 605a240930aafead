import { readdirSync } from "node:fs";
import { join } from "node:path";
import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

it("installs from its packed tarball and runs without the SDK", () => {
  const install = packAndInstall("@canto/metrics");
  try {
    const out = install.run(`
      import { createMetrics, renderOpenMetrics } from "@canto/metrics";
      const metrics = createMetrics();
      metrics.metric("counter", "c", "", "", ["k"]).withLabels("v").add();
      metrics.scope({ module: "ping", host: "localhost" }).measure("t", "times")()();
      let sdk = "loaded";
      try { await import("@canto/metrics/sdk"); } catch (err) { sdk = err.code; }
      console.log(JSON.stringify({ eof: renderOpenMetrics({ scopeMetrics: [] }), sdk }));
    `);
    // Without the optional peer @opentelemetry/sdk-metrics, the main entry works and /sdk cannot load.
    expect(JSON.parse(out)).toEqual({ eof: "# EOF\n", sdk: "ERR_MODULE_NOT_FOUND" });
    const dist = join(install.dir, "node_modules", "@canto", "metrics", "dist");
    const files = readdirSync(dist, { recursive: true }).map(String);
    expect(files).toContain("index.js");
    expect(files).toContain("sdk.d.ts");
    expect(files.filter((f) => f.includes(".test.") || f.includes(".bench."))).toEqual([]);
  } finally {
    install.dispose();
  }
}, 120_000);
