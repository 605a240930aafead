import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { sdkMetrics } from "../helpers.test-helper.js";
import { fixture } from "./fixture.test-helper.js";
import { renderPrometheusText } from "./prometheus.js";

const promtool = spawnSync("promtool", ["--version"]).status === 0;

function check(text: string): { status: number | null; output: string } {
  const run = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

async function moduleText(): Promise<string> {
  const m = sdkMetrics();
  const scope = m.metrics.scope({ module: "c2s", host: "localhost" });
  scope.metric("counter", "stanzas", "", "Stanzas received", ["kind"]).withLabels("message").add(3);
  scope.measure("connections", "amount", { description: "Open c2s connections" })(2);
  scope.measure("auth_time", "times")()();
  scope.measure("stanza_size", "sizes")(300);
  scope.measure("resources", "distribution", "resources")(2);
  scope.measure("logins", "rate")();
  return renderPrometheusText(await m.collect());
}

describe("renderPrometheusText()", () => {
  it("matches the golden file", async () => {
    await expect(renderPrometheusText(fixture)).toMatchFileSnapshot("golden/fixture.prom.txt");
  });

  it("has no # EOF, # UNIT or _created, and names counter families with _total", async () => {
    const text = await moduleText();
    expect(text).not.toMatch(/# EOF|# UNIT|_created/);
    expect(text).toContain(
      '# HELP canto_mod_c2s__stanzas_total Stanzas received\n# TYPE canto_mod_c2s__stanzas_total counter\ncanto_mod_c2s__stanzas_total{host="localhost",kind="message"} 3\n',
    );
    expect(text).toContain('canto_mod_c2s__auth_time_seconds_bucket{host="localhost",le="1"} 1\n');
  });

  it("renders nothing for no data", () => {
    expect(renderPrometheusText({ scopeMetrics: [] })).toBe("");
  });

  it.skipIf(!promtool)("passes promtool check metrics (module metrics)", async () => {
    const result = check(await moduleText());
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it.skipIf(!promtool)("parses with promtool for every fixture shape", () => {
    // Lint findings about third-party names are fine here; only parse errors fail.
    const result = check(renderPrometheusText(fixture));
    expect(result.output).not.toMatch(/error while linting|parse/i);
  });

  it.skipIf(!promtool)("promtool is the one from Debian's prometheus package", () => {
    expect(execFileSync("promtool", ["--version"], { encoding: "utf8" })).toMatch(/promtool, version 2\./);
  });
});
