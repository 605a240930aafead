#!/usr/bin/env node
// Load generator for an XMPP server on loopback (Canto or Prosody alike): logs in N sessions,
// measures the server's RSS idle at 0 and N sessions, then has every session send chat messages
// to the next one for a bounded time and reports delivered messages per second and latency.
//
//   node bench/load.mjs --port 15222 --domain localhost --pid 1234 --sessions 1000 \
//     --duration 30 --rate 1 --accounts-prefix user --password pw [--starttls] [--json FILE]
//
// --rate R: R messages per second per session (open loop); --rate 0: as fast as the server
// takes them, each session keeping --window messages in flight (closed loop).
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { optionChecks, percentile, sleep } from "./cli-util.mjs";
import { XmppSession } from "./xmpp-session.mjs";

const { values: args } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string" },
    domain: { type: "string", default: "localhost" },
    pid: { type: "string" },
    sessions: { type: "string", default: "100" },
    duration: { type: "string", default: "10" },
    rate: { type: "string", default: "1" },
    window: { type: "string", default: "4" },
    concurrency: { type: "string", default: "50" },
    "accounts-prefix": { type: "string", default: "user" },
    password: { type: "string", default: "pw" },
    starttls: { type: "boolean", default: false },
    label: { type: "string", default: "server" },
    json: { type: "string" },
    settle: { type: "string", default: "3" },
  },
  strict: true,
});
const { fail, number } = optionChecks("load", args);

if (args.host !== "127.0.0.1" && args.host !== "localhost" && args.host !== "::1") {
  fail(`--host must be a loopback address (this is a local benchmark), got ${args.host}`);
}
if (args.port === undefined) fail("--port is required");
if (args.pid === undefined) fail("--pid (the server's process id, for its RSS) is required");
const port = number("port", 1, 65535);
const pid = number("pid", 1, 2 ** 31);
const sessionCount = number("sessions", 1, 50_000);
const durationS = number("duration", 1, 600);
const rate = number("rate", 0, 1000, { integer: false });
const windowSize = number("window", 1, 100);
const concurrency = number("concurrency", 1, 1000);
const settleS = number("settle", 0, 60);

/** The server's resident set size in bytes, from /proc/<pid>/status. */
function rssBytes() {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

const round = (value, digits = 2) => (value === null ? null : Number(value.toFixed(digits)));

async function loginAll(sessions) {
  const started = performance.now();
  let next = 0;
  let done = 0;
  let at1000 = null;
  const failures = [];
  async function worker() {
    while (next < sessions.length) {
      const session = sessions[next++];
      try {
        await session.login();
        done++;
        if (done === 1000) at1000 = performance.now() - started;
      } catch (error) {
        failures.push(error.message);
        if (failures.length > 20) throw new Error(`too many failed logins; first: ${failures[0]}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, sessions.length) }, worker));
  return { totalMs: performance.now() - started, at1000Ms: at1000, failures };
}

/**
 * The server's CPU time so far in seconds (user + system, from /proc/<pid>/stat). CPU per message
 * is steadier than messages per second on a shared machine: other load slows the server down
 * without making it spend more instructions on each message.
 */
function cpuSeconds() {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
/** USER_HZ: Linux reports process times in hundredths of a second on every common platform. */
const CLOCK_TICKS = 100;

/** Runs traffic for durationS seconds; returns counts and latency figures. */
async function traffic(sessions) {
  const n = sessions.length;
  const latencies = [];
  const maxSamples = 2_000_000;
  let sent = 0;
  let received = 0;
  let receivedInWindow = 0;
  let bounced = 0;
  let firstBounce = null;
  let running = true;
  const start = performance.now();
  const stopAt = start + durationS * 1000;
  const peers = sessions.map((_, i) => sessions[(i + 1) % n].jid);
  const send = (i) => {
    sessions[i].sendChat(peers[i], performance.now());
    sent++;
  };
  sessions.forEach((session, j) => {
    session.onError = (stanza) => {
      bounced++;
      firstBounce ??= stanza.slice(0, 500);
    };
    session.onBody = (stamp) => {
      const now = performance.now();
      received++;
      if (now <= stopAt) receivedInWindow++;
      if (latencies.length < maxSamples) latencies.push(now - stamp);
      // Closed loop: the message came from session j-1, which may send the next one.
      if (rate === 0 && running) send((j - 1 + n) % n);
    };
  });
  if (rate === 0) {
    for (let w = 0; w < windowSize; w++) for (let i = 0; i < n; i++) send(i);
    await sleep(durationS * 1000);
  } else {
    let cursor = 0;
    while (performance.now() < stopAt) {
      const due = Math.floor(((performance.now() - start) / 1000) * rate * n);
      // Bounded per tick, so a stalled server cannot make this loop run away.
      for (let k = 0; sent < due && k < 50_000; k++) {
        send(cursor);
        cursor = (cursor + 1) % n;
      }
      await sleep(5);
    }
  }
  running = false;
  const sentInWindow = sent;
  // Let messages in flight arrive (bounded wait).
  const drainUntil = performance.now() + 10_000;
  while (received < sent && performance.now() < drainUntil) await sleep(50);
  latencies.sort((a, b) => a - b);
  return {
    sent: sentInWindow,
    received,
    lost: sent - received,
    bounced,
    firstBounce,
    deliveredPerSecond: receivedInWindow / durationS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? latencies[latencies.length - 1] : null,
  };
}

async function main() {
  const rss0 = rssBytes();
  const sessions = Array.from(
    { length: sessionCount },
    (_, i) =>
      new XmppSession({
        host: args.host,
        port,
        domain: args.domain,
        username: `${args["accounts-prefix"]}${i}`,
        password: args.password,
        starttls: args.starttls,
        timeoutMs: 60_000,
      }),
  );
  console.error(`load[${args.label}]: logging in ${sessionCount} sessions (concurrency ${concurrency})`);
  const login = await loginAll(sessions);
  const online = sessions.filter((s) => s.online);
  console.error(
    `load[${args.label}]: ${online.length}/${sessionCount} online in ${(login.totalMs / 1000).toFixed(1)} s`,
  );
  await sleep(settleS * 1000);
  const held = sessions.filter((s) => s.online).length;
  const rssIdle = rssBytes();
  console.error(
    `load[${args.label}]: traffic for ${durationS} s at rate ${rate || `closed loop x${windowSize}`}`,
  );
  const cpuBefore = cpuSeconds();
  const result = await traffic(online.filter((s) => s.online));
  const cpuTraffic = cpuSeconds() - cpuBefore;
  const rssAfter = rssBytes();
  for (const session of sessions) session.close();
  await sleep(500);

  const summary = {
    label: args.label,
    sessions: sessionCount,
    online: online.length,
    heldAfterSettle: held,
    loginFailures: login.failures.length,
    firstLoginFailure: login.failures[0] ?? null,
    loginTotalS: round(login.totalMs / 1000),
    login1000S: login.at1000Ms === null ? null : round(login.at1000Ms / 1000),
    loginsPerSecond: round(online.length / (login.totalMs / 1000), 1),
    rssIdle0MiB: round(rss0 / 2 ** 20, 1),
    rssIdleNMiB: round(rssIdle / 2 ** 20, 1),
    rssAfterTrafficMiB: round(rssAfter / 2 ** 20, 1),
    rssPerIdleSessionKiB: round((rssIdle - rss0) / held / 1024, 1),
    mode: rate === 0 ? `closed loop, window ${windowSize}` : `${rate} msg/s per session`,
    durationS,
    sent: result.sent,
    received: result.received,
    lost: result.lost,
    bounced: result.bounced,
    firstBounce: result.firstBounce,
    deliveredPerSecond: round(result.deliveredPerSecond, 0),
    p50Ms: round(result.p50Ms),
    p99Ms: round(result.p99Ms),
    maxMs: round(result.maxMs),
    serverCpuUsPerMessage: result.received > 0 ? round((cpuTraffic * 1e6) / result.received, 1) : null,
  };
  const row = `| ${summary.label} | ${summary.sessions} | ${summary.mode} | ${summary.deliveredPerSecond} | ${summary.p50Ms} | ${summary.p99Ms} | ${summary.lost} | ${summary.rssPerIdleSessionKiB} | ${summary.login1000S ?? "-"} | ${summary.loginTotalS} |`;
  console.log(JSON.stringify(summary));
  console.log(row);
  if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify({ ...summary, row }, null, 2)}\n`);
  // Stops by itself even if a socket lingers.
  setTimeout(() => process.exit(0), 100).unref();
}

main().catch((error) => {
  console.error(`load: ${error.stack ?? error}`);
  process.exit(1);
});
