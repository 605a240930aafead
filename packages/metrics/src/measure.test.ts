import { describe, expect, it } from "vitest";
import { UnknownMetricTypeError } from "./errors.js";
import { sdkMetrics } from "./helpers.test-helper.js";
import type { MeasureType } from "./measure.js";

function fakeClock() {
  let t = 1000;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

describe("measure()", () => {
  it("amount is a gauge that starts at 0, or at conf.initial", async () => {
    const m = sdkMetrics();
    const set = m.metrics.measure("memory", "amount", { unit: "bytes" });
    m.metrics.measure("users", "amount", { initial: 7 });
    m.metrics.measure("rooms", "amount", 3);
    set(1024);
    expect(await m.text()).toBe(
      [
        "# HELP memory_bytes memory amount",
        "# UNIT memory_bytes bytes",
        "# TYPE memory_bytes gauge",
        "memory_bytes 1024",
        "# HELP rooms rooms amount",
        "# TYPE rooms gauge",
        "rooms 3",
        "# HELP users users amount",
        "# TYPE users gauge",
        "users 7",
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("counter adds its argument (1 by default) and starts at conf.initial", async () => {
    const m = sdkMetrics();
    const add = m.metrics.measure("connections", "counter", { description: "Connections accepted" });
    add(1);
    add(2);
    add();
    m.metrics.measure("legacy", "counter", 5);
    m.metrics.measure("initial", "counter", { initial: 2 });
    const text = await m.text();
    expect(text).toContain(
      "# HELP connections Connections accepted\n# TYPE connections counter\nconnections_total 4\n",
    );
    expect(text).toContain("legacy_total 5\n");
    expect(text).toContain("initial_total 2\n");
  });

  it("counter keeps its total when measure() runs again (Prosody reset it)", async () => {
    const m = sdkMetrics();
    m.metrics.measure("c", "counter", { initial: 1 })(5);
    const again = m.metrics.measure("c", "counter", { initial: 1 });
    again(1);
    expect(await m.text()).toContain("c_total 7\n");
  });

  it("rate adds 1 per call and ignores arguments; its description says counter", async () => {
    const m = sdkMetrics();
    const hit = m.metrics.measure("requests", "rate", { unit: "" }) as (...args: unknown[]) => void;
    hit();
    hit(10);
    hit("x");
    expect(await m.text()).toContain(
      "# HELP requests requests counter\n# TYPE requests counter\nrequests_total 3\n",
    );
  });

  it("times returns a stop function that records elapsed seconds in the default buckets", async () => {
    const clock = fakeClock();
    const m = sdkMetrics({ now: clock.now });
    const start = m.metrics.measure("request_time", "times", { unit: "ignored" });
    const stopA = start();
    clock.advance(5);
    const stopB = start();
    clock.advance(20);
    stopA();
    stopB();
    start(); // never stopped: not recorded
    expect(await m.text()).toBe(
      [
        "# HELP request_time_seconds request_time times",
        "# UNIT request_time_seconds seconds",
        "# TYPE request_time_seconds histogram",
        'request_time_seconds_bucket{le="0.001"} 0',
        'request_time_seconds_bucket{le="0.01"} 0',
        'request_time_seconds_bucket{le="0.1"} 2',
        'request_time_seconds_bucket{le="1.0"} 2',
        'request_time_seconds_bucket{le="10.0"} 2',
        'request_time_seconds_bucket{le="100.0"} 2',
        'request_time_seconds_bucket{le="+Inf"} 2',
        "request_time_seconds_count 2",
        "request_time_seconds_sum 0.045",
        "request_time_seconds_created 1700000000",
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("times takes conf.buckets", async () => {
    const clock = fakeClock();
    const m = sdkMetrics({ now: clock.now });
    const stop = m.metrics.measure("t", "times", { buckets: [1, 2] })();
    clock.advance(1500);
    stop();
    expect(await m.text()).toContain('t_seconds_bucket{le="1.0"} 0\nt_seconds_bucket{le="2.0"} 1\n');
  });

  it("sizes is a bytes histogram with buckets from 1 KiB to 1 GiB", async () => {
    const m = sdkMetrics();
    const size = m.metrics.measure("stanza_size", "sizes", { unit: "ignored" });
    size(500);
    size(5000);
    const text = await m.text();
    const buckets = [...text.matchAll(/stanza_size_bytes_bucket\{le="([^"]+)"\} (\d+)/g)].map((x) => [
      x[1],
      x[2],
    ]);
    expect(buckets).toEqual([
      ["1024.0", "1"],
      ["4096.0", "1"],
      ["32768.0", "2"],
      ["131072.0", "2"],
      ["1048576.0", "2"],
      ["4194304.0", "2"],
      ["33554432.0", "2"],
      ["134217728.0", "2"],
      ["1073741824.0", "2"],
      ["+Inf", "2"],
    ]);
    expect(text).toContain("# UNIT stanza_size_bytes bytes\n");
    expect(text).toContain("stanza_size_bytes_sum 5500\n");
  });

  it("sizes takes conf.buckets", async () => {
    const m = sdkMetrics();
    m.metrics.measure("s", "sizes", { buckets: [10] })(5);
    expect(await m.text()).toContain('s_bytes_bucket{le="10.0"} 1\ns_bytes_bucket{le="+Inf"} 1\n');
  });

  it("distribution is a summary; a string conf is its unit", async () => {
    const m = sdkMetrics();
    const d = m.metrics.measure("resources", "distribution", "resources");
    d(1);
    d(3);
    m.metrics.measure("other", "distribution", { unit: "items", description: "Other" })(2);
    expect(await m.text()).toBe(
      [
        "# HELP other_items Other",
        "# UNIT other_items items",
        "# TYPE other_items summary",
        "other_items_count 1",
        "other_items_sum 2",
        "other_items_created 1700000000",
        "# HELP resources_resources resources distribution",
        "# UNIT resources_resources resources",
        "# TYPE resources_resources summary",
        "resources_resources_count 2",
        "resources_resources_sum 4",
        "resources_resources_created 1700000000",
        "# EOF",
        "",
      ].join("\n"),
    );
  });

  it("every type survives re-registration and keeps recording into the same series", async () => {
    const clock = fakeClock();
    const m = sdkMetrics({ now: clock.now });
    const types: MeasureType[] = ["amount", "counter", "rate", "times", "sizes", "distribution"];
    for (let round = 0; round < 2; round++) {
      for (const type of types) {
        const fn = m.metrics.measure(`m_${type}`, type) as (v?: number) => unknown;
        const stop = fn(2);
        if (typeof stop === "function") stop();
      }
    }
    const text = await m.text();
    expect(text).toContain("m_amount 2\n");
    expect(text).toContain("m_counter_total 4\n");
    expect(text).toContain("m_rate_total 2\n");
    expect(text).toContain("m_times_seconds_count 2\n");
    expect(text).toContain("m_sizes_bytes_count 2\n");
    expect(text).toContain("m_distribution_count 2\n");
  });

  it("a measure and a metric of another type under the same name conflict", () => {
    const m = sdkMetrics();
    m.metrics.measure("x", "amount");
    expect(() => m.metrics.measure("x", "counter")).toThrow(
      expect.objectContaining({ code: "metric-conflict" }),
    );
  });

  it("unknown types are refused", () => {
    const m = sdkMetrics();
    expect(() => m.metrics.measure("x", "gauge" as MeasureType)).toThrow(UnknownMetricTypeError);
    expect(() => m.metrics.measure("x", "gauge" as MeasureType)).toThrow(/unknown measure type "gauge"/);
  });
});
