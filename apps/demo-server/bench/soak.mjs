#!/usr/bin/env node
// Soak test (issue 11): starts Canto with the demo server's default module set (mam, carbons,
// smacks, offline, http, ...) in a fresh data folder, logs in N sessions that enable stream
// management and carbons as a mobile client does, and has them send chat messages to each other at
// a fixed rate for --duration seconds while a few sessions per minute log out and back in (their
// messages wait in the offline store). Every --sample seconds it records the server's RSS (and,
// from the server's --trace-gc output, its live JS heap after the last full collection); every
// message carries a unique id, so losses and duplicates both show. Writes the raw results (JSON)
// and a "## Soak" section of BENCHMARKS.md (replacing an earlier one). Exits 1 when RSS is not
// flat by the regression or a message was lost or duplicated.
//
//   node bench/soak.mjs [--duration 600] [--sessions 1000] [--rate 0.5] [--churn 60]
//     [--warmup 120] [--starttls] [--results FILE.json] [--out BENCHMARKS.md|-]
//     [--heap-snapshots DIR]
//   node bench/soak.mjs --report results/soak.json [--notes NOTES.md] [--out FILE]
//     (re-render only: recomputes the verdict, stores the notes in the results file)
import { spawn, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { optionChecks, percentile, sectionBounds, sleep } from "./cli-util.mjs";
import { machine, waitForPort, withFdLimit } from "./process-util.mjs";
import { XmppSession } from "./xmpp-session.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const APP = dirname(BENCH);
const CANTO_BIN = join(APP, "bin", "canto.js");
const PASSWORD = "pw";
const MiB = 2 ** 20;

function parseOptions() {
  try {
    return parseArgs({
      options: {
        duration: { type: "string", default: "600" },
        sessions: { type: "string", default: "1000" },
        rate: { type: "string", default: "0.5" },
        churn: { type: "string", default: "60" },
        warmup: { type: "string" },
        sample: { type: "string", default: "10" },
        drain: { type: "string", default: "60" },
        concurrency: { type: "string", default: "50" },
        port: { type: "string", default: "17222" },
        starttls: { type: "boolean", default: false },
        // A client that only binds and sends presence (no stream management, no carbons).
        "bare-client": { type: "boolean", default: false },
        // Growth of the fitted line over the post-warm-up window that still counts as flat: the
        // larger of --flat-mib and --flat-pct % of RSS at the warm-up boundary. V8's collection
        // cycle swings RSS by tens of MiB at this load, so a fixed few MiB would judge the sawtooth
        // rather than growth; the report states the leak per message the threshold would catch.
        "flat-mib": { type: "string", default: "5" },
        "flat-pct": { type: "string", default: "10" },
        "heap-snapshots": { type: "string" },
        results: { type: "string", default: join(tmpdir(), "canto-soak-results.json") },
        out: { type: "string", default: join(APP, "BENCHMARKS.md") },
        report: { type: "string" },
        // With --report: hand-written analysis (Markdown) stored in the results file and rendered.
        notes: { type: "string" },
        keep: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`soak: ${error.message} (see the usage at the top of bench/soak.mjs)`);
    process.exit(2);
  }
}
const args = parseOptions();
const { fail, number } = optionChecks("soak", args);

const round = (value, digits = 1) =>
  value === null || value === undefined ? null : Number(value.toFixed(digits));

/** Median, p99 and maximum of a list of durations (ms). */
function summary(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    max: round(sorted.at(-1) ?? null, 1),
  };
}

/** Least-squares line through (x, y): slope and intercept. */
function fitLine(points) {
  const n = points.length;
  if (n < 2) return { slope: 0, intercept: points[0]?.y ?? 0 };
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

// ---------------------------------------------------------------------------------------------
// Server process

/** The demo server's default config, made reachable by the benchmark client (see compare.mjs). */
async function writeConfig(dir, port) {
  const { DEFAULT_MODULES } = await import("../dist/default-config.js");
  const { standardModules, AUTOLOAD } = await import("@canto/modules");
  const modules = DEFAULT_MODULES.filter((name) => name in standardModules);
  const config = {
    log_level: "warn",
    data_path: "./data",
    c2s_interfaces: ["127.0.0.1"],
    c2s_ports: [port],
    c2s_direct_tls_ports: [port + 1],
    http_interfaces: ["127.0.0.1"],
    http_ports: [port + 2],
    consider_websocket_secure: true,
    allow_registration: false,
    // The benchmark relaxations of compare.mjs: PLAIN without TLS on loopback, and one IP for all.
    c2s_require_encryption: false,
    allow_unencrypted_plain_auth: true,
    scram_iteration_count: 4096,
    c2s_max_unauthed_per_ip: 100_000,
    modules_enabled: modules,
    hosts: { localhost: {} },
  };
  const file = join(dir, "canto.config.json");
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return { file, config, autoload: AUTOLOAD };
}

async function startServer(configFile, dir, port, nodeFlags) {
  const argv = [process.execPath, ...nodeFlags, CANTO_BIN, "start", "--config", configFile];
  const [cmd, cmdArgs] = withFdLimit(argv);
  const child = spawn(cmd, cmdArgs, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (text) => {
    // Bounded: a server logging a warning per message must not grow this process.
    if (output.length < 200_000) output += text;
  };
  const gc = new GcTrace();
  let partial = "";
  child.stdout.on("data", (chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (!gc.read(line)) keep(`${line}\n`);
  });
  child.stderr.on("data", keep);
  const exited = new Promise((r) => child.on("exit", (code, signal) => r(code ?? signal)));
  await Promise.race([
    waitForPort(port, 30_000),
    exited.then((code) => {
      throw new Error(`canto exited (${code}) before listening:\n${output}`);
    }),
  ]);
  return {
    pid: child.pid,
    argv,
    gc,
    exited,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** V8's `--trace-gc` lines: heap left after the last collection, and pauses since the last look. */
class GcTrace {
  static LINE =
    /: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)\b[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;
  constructor() {
    this.heapMiB = null;
    /** Live JS heap after the last full (mark-compact) collection: the figure a leak makes climb. */
    this.fullHeapMiB = null;
    this.fullGcs = 0;
    this.pauseMs = 0;
    this.maxPauseMs = 0;
  }

  read(line) {
    const m = GcTrace.LINE.exec(line);
    if (m === null) return false;
    const [, kind, after, pause] = m;
    this.heapMiB = Number(after);
    if (kind === "Mark-Compact" || kind === "Mark-sweep") {
      this.fullHeapMiB = Number(after);
      this.fullGcs++;
    }
    this.pauseMs += Number(pause);
    this.maxPauseMs = Math.max(this.maxPauseMs, Number(pause));
    return true;
  }

  /** The figures since the last call. */
  take() {
    const figures = {
      heapMiB: this.heapMiB,
      fullHeapMiB: this.fullHeapMiB,
      fullGcs: this.fullGcs,
      gcPauseMs: round(this.pauseMs, 1),
      maxGcPauseMs: round(this.maxPauseMs, 1),
    };
    this.pauseMs = 0;
    this.maxPauseMs = 0;
    return figures;
  }
}

/** Share of the last 10 s in which some runnable task waited for a CPU (Linux PSI), or null. */
function pressure(resource) {
  try {
    const m = /^some avg10=([\d.]+)/m.exec(readFileSync(`/proc/pressure/${resource}`, "utf8"));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** RSS and anonymous RSS (bytes), CPU seconds and open descriptors of `pid`, all from /proc. */
function probe(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
  // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime and stime in ticks.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  let fds = null;
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch {}
  return { rss: kb("VmRSS"), rssAnon: kb("RssAnon"), cpuS: ticks / 100, fds };
}

// ---------------------------------------------------------------------------------------------
// Client

const NS_SM = "urn:xmpp:sm:3";
/** Any complete start, end or empty-element tag (names exclude `<?`, `<!`). */
const TAG = /<(\/?)([^\s/>!?]+)[^>]*?(\/?)>/g;
const MESSAGE_ERROR = /^<message\b[^>]*\btype=(['"])error\1/;
const SOAK_BODY = /<body>(\d+):(\d+(?:\.\d+)?)<\/body>/;

/**
 * bench/xmpp-session.mjs's client, plus what a mobile client does once bound: stream management
 * (XEP-0198, answering every `<r/>` with the count of stanzas handled) and carbons (XEP-0280).
 * Once online it splits the stream into top-level elements by tracking tag depth (the server's
 * output is well-formed and has no `>` in attribute values here), since `h` must count every
 * stanza, not only messages.
 */
class SoakSession extends XmppSession {
  constructor(options) {
    super(options);
    this.depth = 0;
    this.scanFrom = 0;
    this.elementStart = 0;
    this.handled = 0;
    this.smOn = false;
    this.leaving = false;
    this.waits = new Map();
  }

  async login() {
    await super.login();
    this.socket.on("close", () => {
      if (!this.leaving) this.options.onUnexpectedClose();
    });
    if (this.options.streamManagement) {
      this.socket.write(`<enable xmlns='${NS_SM}' resume='true'/>`);
      const answer = await this.wait("sm");
      if (!answer.startsWith("<enabled")) throw new Error(`stream management refused: ${answer}`);
    }
    if (this.options.carbons) {
      this.socket.write("<iq type='set' id='carbons1'><enable xmlns='urn:xmpp:carbons:2'/></iq>");
      const answer = await this.wait("carbons");
      if (!/type=(['"])result\1/.test(answer)) throw new Error(`carbons refused: ${answer}`);
    }
  }

  wait(name) {
    const { timeoutMs, username } = this.options;
    return new Promise((resolveWait, reject) => {
      const timer = setTimeout(() => {
        this.waits.delete(name);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name} (${username})`));
      }, timeoutMs);
      this.waits.set(name, (element) => {
        clearTimeout(timer);
        this.waits.delete(name);
        resolveWait(element);
      });
    });
  }

  receive(chunk) {
    if (!this.online) {
      super.receive(chunk);
      return;
    }
    this.buffer += chunk;
    TAG.lastIndex = this.scanFrom;
    for (let m = TAG.exec(this.buffer); m !== null; m = TAG.exec(this.buffer)) {
      const end = TAG.lastIndex;
      if (m[1] === "/") {
        this.depth--;
        if (this.depth === 0) this.handle(this.buffer.slice(this.elementStart, end));
        // `</stream:stream>`: the server closes; the socket's close follows.
        else if (this.depth < 0) this.depth = 0;
      } else if (m[3] === "/") {
        if (this.depth === 0) this.handle(m[0]);
      } else {
        if (this.depth === 0) this.elementStart = m.index;
        this.depth++;
      }
      this.scanFrom = end;
    }
    const keep = this.depth > 0 ? this.elementStart : this.scanFrom;
    this.buffer = this.buffer.slice(keep);
    this.scanFrom -= keep;
    this.elementStart = 0;
  }

  /** One complete top-level element of the stream. */
  handle(element) {
    const name = /^<([^\s/>]+)/.exec(element)?.[1];
    if (name === "message" || name === "presence" || name === "iq") {
      if (this.smOn) this.handled++;
    }
    if (name === "message") {
      if (MESSAGE_ERROR.test(element)) this.options.onBounce(element);
      else if (element.includes("urn:xmpp:carbons:2")) this.options.onCarbon();
      else {
        const body = SOAK_BODY.exec(element);
        if (body)
          this.options.onMessage(Number(body[1]), Number(body[2]), element.includes("urn:xmpp:delay"));
      }
    } else if (name === "r") {
      this.socket.write(`<a xmlns='${NS_SM}' h='${this.handled}'/>`);
    } else if (name === "iq") {
      if (/\bid=(['"])carbons1\1/.test(element)) this.waits.get("carbons")?.(element);
    } else if (name === "enabled") {
      this.smOn = true;
      this.waits.get("sm")?.(element);
    } else if (name === "failed") {
      this.options.onSmFailure(element);
      this.waits.get("sm")?.(element);
    } else if (name === "stream:error") {
      this.options.onStreamError(element);
    }
  }

  sendMessage(to, id, now) {
    this.socket.write(
      `<message to='${to}' type='chat' id='m${id}'><body>${id}:${now.toFixed(3)}</body></message>`,
    );
  }

  /** Acknowledges what it handled, closes the stream and waits for the server to close (≤ 5 s). */
  async leave() {
    if (this.socket === undefined || this.closed) return;
    this.leaving = true;
    this.online = false;
    const closed = new Promise((r) => this.socket.once("close", r));
    this.socket.write(`${this.smOn ? `<a xmlns='${NS_SM}' h='${this.handled}'/>` : ""}</stream:stream>`);
    await Promise.race([closed, sleep(5000)]);
    this.socket.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Traffic

class Tally {
  constructor() {
    this.capacity = 1 << 16;
    this.counts = new Uint8Array(this.capacity);
    this.to = new Int32Array(this.capacity);
    this.sent = 0;
    this.delivered = 0;
    this.duplicates = 0;
    this.misrouted = 0;
    this.unknown = 0;
    this.bounced = 0;
    this.firstBounce = null;
    this.carbons = 0;
    /** Messages that came with a delay stamp: kept in the offline store while their addressee reconnected. */
    this.delayed = 0;
    this.delayedMaxMs = 0;
    /** Latencies (ms) by minute of sending. */
    this.byMinute = [];
  }

  /** A new message id for a message to session `to`. */
  next(to) {
    if (this.sent === this.capacity) {
      this.capacity *= 2;
      const counts = new Uint8Array(this.capacity);
      counts.set(this.counts);
      this.counts = counts;
      const dest = new Int32Array(this.capacity);
      dest.set(this.to);
      this.to = dest;
    }
    this.to[this.sent] = to;
    return this.sent++;
  }

  receive(id, at, stamp, now, trafficStart, delayed) {
    if (!(id >= 0 && id < this.sent)) {
      this.unknown++;
      return;
    }
    if (this.to[id] !== at) this.misrouted++;
    if (this.counts[id] < 255) this.counts[id]++;
    if (this.counts[id] > 1) {
      this.duplicates++;
      return;
    }
    this.delivered++;
    const minute = Math.max(0, Math.floor((stamp - trafficStart) / 60_000));
    this.byMinute[minute] ??= { sent: 0, delivered: 0, latencies: [] };
    this.byMinute[minute].delivered++;
    // A message kept offline waited for its addressee to come back: that is not the server's speed.
    if (delayed) {
      this.delayed++;
      this.delayedMaxMs = Math.max(this.delayedMaxMs, now - stamp);
    } else this.byMinute[minute].latencies.push(now - stamp);
  }

  sentIn(stamp, trafficStart) {
    const minute = Math.max(0, Math.floor((stamp - trafficStart) / 60_000));
    this.byMinute[minute] ??= { sent: 0, delivered: 0, latencies: [] };
    this.byMinute[minute].sent++;
  }

  missing(limit) {
    const ids = [];
    let count = 0;
    for (let id = 0; id < this.sent; id++) {
      if (this.counts[id] !== 0) continue;
      count++;
      if (ids.length < limit) ids.push({ id, to: this.to[id] });
    }
    return { count, first: ids };
  }
}

async function runSoak() {
  const durationS = number("duration", 10, 3600);
  const sessionCount = number("sessions", 2, 20_000);
  const rate = number("rate", 0.01, 100, { integer: false });
  const churnPerMinute = number("churn", 0, 6000);
  const sampleS = number("sample", 1, 300);
  const drainS = number("drain", 1, 600);
  const concurrency = number("concurrency", 1, 1000);
  const port = number("port", 1024, 65533);
  const flatMiB = number("flat-mib", 0, 10_000, { integer: false });
  const flatPct = number("flat-pct", 0, 100, { integer: false });
  if (args.warmup === undefined) args.warmup = String(Math.max(sampleS, Math.round(durationS / 5)));
  const warmupS = number("warmup", 0, durationS - 2 * sampleS);
  if (sessionCount * rate > 20_000)
    fail(`--sessions × --rate is ${sessionCount * rate} msg/s: not a moderate load`);

  const dir = mkdtempSync(join(tmpdir(), "canto-soak-"));
  const { file: configFile, config, autoload } = await writeConfig(dir, port);
  console.error(
    `soak: data in ${dir}; modules ${autoload.join(", ")} + ${config.modules_enabled.join(", ")}`,
  );
  const made = spawnSync(
    process.execPath,
    [
      join(BENCH, "canto-accounts.mjs"),
      "--config",
      configFile,
      "--count",
      String(sessionCount),
      "--password",
      PASSWORD,
    ],
    { cwd: dir, stdio: "inherit" },
  );
  if (made.status !== 0) throw new Error("soak: creating the accounts failed (see above)");

  const nodeFlags = [
    "--trace-gc",
    ...(args["heap-snapshots"] === undefined ? [] : ["--heapsnapshot-signal=SIGUSR2"]),
  ];
  const server = await startServer(configFile, dir, port, nodeFlags);
  const clock0 = performance.now();
  const elapsedS = () => (performance.now() - clock0) / 1000;
  const tally = new Tally();
  let trafficStart = Number.POSITIVE_INFINITY;
  let phase = "idle";
  const samples = [];
  const events = [];
  const mark = (name) => {
    events.push({ t: round(elapsedS(), 1), event: name });
    console.error(`soak: ${round(elapsedS(), 1)} s: ${name}`);
  };
  mark("server listening");

  const sessions = new Array(sessionCount);
  const jids = Array.from({ length: sessionCount }, (_, i) => `user${i}@localhost/bench`);
  const problems = {
    streamErrors: 0,
    firstStreamError: null,
    smFailures: 0,
    closedUnexpectedly: 0,
    reconnectFailures: 0,
    firstReconnectFailure: null,
    loginFailures: 0,
    firstLoginFailure: null,
  };
  let reconnects = 0;
  const leaveMs = [];
  const reloginMs = [];
  let cpu0 = process.cpuUsage();

  const makeSession = (i) =>
    new SoakSession({
      host: "127.0.0.1",
      port,
      domain: "localhost",
      username: `user${i}`,
      password: PASSWORD,
      starttls: args.starttls,
      heapSnapshots: args["heap-snapshots"] !== undefined,
      timeoutMs: 60_000,
      streamManagement: !args["bare-client"],
      carbons: !args["bare-client"],
      onMessage: (id, stamp, delayed) =>
        tally.receive(id, i, stamp, performance.now(), trafficStart, delayed),
      onCarbon: () => tally.carbons++,
      onBounce: (stanza) => {
        tally.bounced++;
        tally.firstBounce ??= stanza.slice(0, 500);
      },
      onStreamError: (text) => {
        problems.streamErrors++;
        problems.firstStreamError ??= `user${i}: ${text.slice(0, 500)}`;
      },
      onSmFailure: () => problems.smFailures++,
      onUnexpectedClose: () => problems.closedUnexpectedly++,
    });

  const takeSample = () => {
    const p = probe(server.pid);
    const mine = process.cpuUsage(cpu0);
    cpu0 = process.cpuUsage();
    const sample = {
      t: round(elapsedS(), 1),
      trafficT: Number.isFinite(trafficStart) ? round((performance.now() - trafficStart) / 1000, 1) : null,
      phase,
      rssMiB: round(p.rss / MiB, 1),
      rssAnonMiB: round(p.rssAnon / MiB, 1),
      ...server.gc.take(),
      serverCpuS: round(p.cpuS, 2),
      fds: p.fds,
      loadGenCpuS: round((mine.user + mine.system) / 1e6, 2),
      load1: round(loadavg()[0], 2),
      cpuPressure: pressure("cpu"),
      online: sessions.filter((s) => s?.online).length,
      sent: tally.sent,
      delivered: tally.delivered,
      duplicates: tally.duplicates,
    };
    samples.push(sample);
    console.error(
      `soak: t=${sample.t}s ${phase} rss=${sample.rssMiB} MiB cpu=${sample.serverCpuS}s online=${sample.online} sent=${sample.sent} delivered=${sample.delivered}`,
    );
  };
  await sleep(2000);
  takeSample();
  const sampler = setInterval(takeSample, sampleS * 1000);

  try {
    // Logins, `concurrency` at a time.
    phase = "login";
    mark(`logging in ${sessionCount} sessions`);
    let nextLogin = 0;
    const loginStart = performance.now();
    await Promise.all(
      Array.from({ length: Math.min(concurrency, sessionCount) }, async () => {
        while (nextLogin < sessionCount) {
          const i = nextLogin++;
          const session = makeSession(i);
          try {
            await session.login();
            sessions[i] = session;
          } catch (error) {
            problems.loginFailures++;
            problems.firstLoginFailure ??= error.message;
          }
        }
      }),
    );
    const loginS = (performance.now() - loginStart) / 1000;
    mark(`${sessions.filter((s) => s?.online).length}/${sessionCount} online after ${round(loginS, 1)} s`);
    if (problems.loginFailures > 0)
      throw new Error(`${problems.loginFailures} logins failed; first: ${problems.firstLoginFailure}`);
    phase = "settle";
    await sleep(5000);

    // Traffic: open loop, every online session in turn sends to the next one.
    phase = "traffic";
    trafficStart = performance.now();
    mark(
      `traffic for ${durationS} s at ${rate} msg/s per session, ${churnPerMinute} reconnections per minute`,
    );
    const stopAt = trafficStart + durationS * 1000;
    let running = true;
    const churn = (async () => {
      if (churnPerMinute === 0) return;
      const every = 60_000 / churnPerMinute;
      let k = 0;
      let cursor = 0;
      while (running) {
        await sleep(Math.max(0, trafficStart + ++k * every - performance.now()));
        if (!running) break;
        const i = cursor;
        cursor = (cursor + 7919) % sessionCount;
        const old = sessions[i];
        if (!old?.online) continue;
        const left = performance.now();
        await old.leave();
        leaveMs.push(performance.now() - left);
        const fresh = makeSession(i);
        try {
          const login = performance.now();
          await fresh.login();
          reloginMs.push(performance.now() - login);
          sessions[i] = fresh;
          reconnects++;
        } catch (error) {
          problems.reconnectFailures++;
          problems.firstReconnectFailure ??= error.message;
        }
      }
    })();
    // The first snapshot once warm, the second after the drain: what grew between them is the leak.
    const warmSnapshot =
      args["heap-snapshots"] === undefined
        ? Promise.resolve()
        : sleep(warmupS * 1000).then(() => snapshot(server, dir, "warm"));
    let cursor = 0;
    while (performance.now() < stopAt) {
      const due = Math.floor(((performance.now() - trafficStart) / 1000) * rate * sessionCount);
      // Bounded per tick, so a stalled server cannot make this loop run away; a session that is
      // reconnecting skips its turn.
      for (let k = 0; tally.sent < due && k < sessionCount; k++) {
        const from = cursor;
        cursor = (cursor + 1) % sessionCount;
        const session = sessions[from];
        if (!session?.online) continue;
        const to = (from + 1) % sessionCount;
        const now = performance.now();
        const id = tally.next(to);
        tally.sentIn(now, trafficStart);
        session.sendMessage(jids[to], id, now);
      }
      await sleep(5);
    }
    running = false;
    await churn;
    await warmSnapshot;
    const sentInWindow = tally.sent;
    phase = "drain";
    mark(`traffic stopped: ${sentInWindow} sent, ${tally.delivered} delivered; draining up to ${drainS} s`);
    const drainUntil = performance.now() + drainS * 1000;
    while (tally.delivered < tally.sent && performance.now() < drainUntil) await sleep(100);
    // Late duplicates (stream management re-sending) would come now.
    await sleep(2000);
    mark(`drained: ${tally.delivered}/${tally.sent} delivered`);
    takeSample();
    clearInterval(sampler);
    if (args["heap-snapshots"] !== undefined) await snapshot(server, dir, "end");
    phase = "done";

    for (const session of sessions) session?.leave();
    await sleep(1000);
    const stopCode = await server.stop();
    const missing = tally.missing(20);
    const report = {
      machine: machine(),
      argv: process.argv.slice(2),
      commands: [
        `node apps/demo-server/bench/canto-accounts.mjs --config canto.config.json --count ${sessionCount} --password ${PASSWORD}`,
        `${server.argv.join(" ").replace(dir, "$DATA")}`,
      ],
      options: {
        durationS,
        sessionCount,
        rate,
        churnPerMinute,
        sampleS,
        warmupS,
        drainS,
        starttls: args.starttls,
        heapSnapshots: args["heap-snapshots"] !== undefined,
        bareClient: args["bare-client"],
        flatMiB,
        flatPct,
      },
      config,
      autoload,
      loginS: round(loginS, 1),
      events,
      samples,
      minutes: tally.byMinute.map((m, minute) => {
        const sorted = m.latencies.sort((a, b) => a - b);
        return {
          minute,
          sent: m.sent,
          delivered: m.delivered,
          p50Ms: round(percentile(sorted, 50), 2),
          p99Ms: round(percentile(sorted, 99), 2),
          maxMs: round(sorted.at(-1) ?? null, 2),
        };
      }),
      totals: {
        sent: tally.sent,
        delivered: tally.delivered,
        lost: missing.count,
        firstLost: missing.first,
        duplicates: tally.duplicates,
        misrouted: tally.misrouted,
        unknown: tally.unknown,
        bounced: tally.bounced,
        firstBounce: tally.firstBounce,
        carbons: tally.carbons,
        delayed: tally.delayed,
        delayedMaxMs: round(tally.delayedMaxMs, 0),
        leaveMs: summary(leaveMs),
        reloginMs: summary(reloginMs),
        reconnects,
        ...problems,
      },
      resultsFile: resolve(args.results),
      serverExit: stopCode,
      serverOutput: server.output().slice(-4000),
    };
    report.verdict = verdict(report);
    return { report, dir };
  } finally {
    clearInterval(sampler);
    if ((await Promise.race([server.exited, sleep(0).then(() => "running")])) === "running")
      await server.stop();
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
    else console.error(`soak: kept ${dir}`);
  }
}

/** Asks the server (started with --heapsnapshot-signal) for a heap snapshot; moves it to --heap-snapshots. */
async function snapshot(server, dir, label) {
  const before = new Set(readdirSync(dir).filter((f) => f.endsWith(".heapsnapshot")));
  process.kill(server.pid, "SIGUSR2");
  const until = Date.now() + 120_000;
  // The file appears while it is written; it is done once its size stops changing.
  let found;
  let size = -1;
  while (Date.now() < until) {
    await sleep(1000);
    found ??= readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    if (found === undefined) continue;
    const now = statSync(join(dir, found)).size;
    if (now === size && now > 0) break;
    size = now;
  }
  if (found === undefined) throw new Error("soak: the server wrote no heap snapshot");
  mkdirSync(args["heap-snapshots"], { recursive: true });
  const target = resolve(args["heap-snapshots"], `canto-${label}.heapsnapshot`);
  renameSync(join(dir, found), target);
  console.error(`soak: heap snapshot ${target}`);
}

// ---------------------------------------------------------------------------------------------
// Verdict and report

/** Flatness of RSS after warm-up, and delivery, from the recorded data. */
function verdict(report) {
  const { warmupS, durationS, flatMiB } = report.options;
  const flatPct = report.options.flatPct ?? 10;
  const after = report.samples.filter(
    (s) => s.phase === "traffic" && s.trafficT >= warmupS && s.trafficT <= durationS,
  );
  const points = after.map((s) => ({ x: s.trafficT / 60, y: s.rssMiB }));
  const { slope } = fitLine(points);
  const windowMin = points.length > 1 ? points.at(-1).x - points[0].x : 0;
  const rss = after.map((s) => s.rssMiB);
  const growth = slope * windowMin;
  const t = report.totals;
  const heapPoints = after
    .filter((s) => s.fullHeapMiB !== null)
    .map((s) => ({ x: s.trafficT / 60, y: s.fullHeapMiB }));
  const heap = fitLine(heapPoints);
  const heapWindow = heapPoints.length > 1 ? heapPoints.at(-1).x - heapPoints[0].x : 0;
  const fullGcsAfterWarmup = after.length ? (after.at(-1).fullGcs ?? 0) - (after[0].fullGcs ?? 0) : 0;
  const rssLimitMiB = Math.max(flatMiB, ((after[0]?.rssMiB ?? 0) * flatPct) / 100);
  const sentAfterWarmup = after.length ? after.at(-1).sent - after[0].sent : 0;
  return {
    warmupS,
    postWarmupSamples: after.length,
    windowMin: round(windowMin, 2),
    slopeMiBPerMin: round(slope, 3),
    fittedGrowthMiB: round(growth, 1),
    minMiB: rss.length ? Math.min(...rss) : null,
    maxMiB: rss.length ? Math.max(...rss) : null,
    maxMinusMinMiB: rss.length ? round(Math.max(...rss) - Math.min(...rss), 1) : null,
    flat: after.length >= 3 && growth <= rssLimitMiB,
    rssLimitMiB: round(rssLimitMiB, 1),
    // The smallest steady leak per message sent after warm-up that would exceed the limit.
    detectableBytesPerMessage:
      sentAfterWarmup > 0 ? Math.ceil((rssLimitMiB * 2 ** 20) / sentAfterWarmup) : null,
    heapSlopeMiBPerMin: round(heap.slope, 3),
    heapFittedGrowthMiB: round(heap.slope * heapWindow, 1),
    heapMinMiB: heapPoints.length ? Math.min(...heapPoints.map((p) => p.y)) : null,
    heapMaxMiB: heapPoints.length ? Math.max(...heapPoints.map((p) => p.y)) : null,
    // Between two full collections the figure cannot move: it takes a few of them to say anything.
    heapFlat: fullGcsAfterWarmup >= 3 && heap.slope * heapWindow <= flatMiB,
    fullGcsAfterWarmup,
    heapBeforeFullGcMaxMiB: after.length ? Math.max(...after.map((s) => s.heapMiB ?? 0)) : null,
    rssAtWarmupMiB: after[0]?.rssMiB ?? null,
    rssAtEndMiB: after.at(-1)?.rssMiB ?? null,
    // A heap snapshot makes the server allocate its own size again, which RSS keeps.
    perturbedBySnapshots: report.options.heapSnapshots === true,
    allDelivered: t.lost === 0 && t.duplicates === 0 && t.misrouted === 0 && t.sent > 0,
  };
}

/** A results file as seen from the repository root (older runs stored it relative to apps/demo-server). */
function shownPath(file) {
  const root = dirname(dirname(APP));
  const path = relative(root, isAbsolute(file) ? file : resolve(APP, file));
  return path.startsWith("..") ? file : path;
}

function phaseLabel(s) {
  if (s.phase === "traffic") return s.trafficT < s.warmupS ? "traffic (warm-up)" : "traffic";
  return s.phase;
}

/** A text plot of RSS over time, one column per sample. */
function plot(samples, warmupS, height = 12) {
  const values = samples.map((s) => s.rssMiB);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const rows = [];
  for (let r = height - 1; r >= 0; r--) {
    const level = lo + (span * r) / (height - 1);
    const line = values.map((v) => (Math.round(((v - lo) / span) * (height - 1)) === r ? "*" : " ")).join("");
    rows.push(`${level.toFixed(0).padStart(6)} MiB |${line}`);
  }
  rows.push(`${" ".repeat(11)}+${"-".repeat(values.length)}`);
  const letter = (x) => (x.phase === "traffic" ? (x.trafficT < warmupS ? "w" : "t") : x.phase[0]);
  rows.push(`${"phase".padStart(11)} ${samples.map(letter).join("")}`);
  return rows;
}

function section(report) {
  const { options: o, verdict: v, totals: t, machine: m } = report;
  const every = Math.max(1, Math.round(30 / o.sampleS));
  const traffic = report.samples.filter((s) => s.phase === "traffic");
  const shown = report.samples.filter(
    (s, i) =>
      s.phase !== "traffic" || (traffic.indexOf(s) + 1) % every === 0 || i === report.samples.length - 1,
  );
  const client = o.bareClient
    ? "each binding a resource and sending presence, nothing more,"
    : "each enabling stream management with resumption (acking every `<r/>`) and carbons as a mobile client does,";
  return [
    "## Soak",
    "",
    `Generated by \`node apps/demo-server/bench/soak.mjs ${report.argv.join(" ")}\` on ${m.date.slice(0, 10)} (${m.nproc} cores, ${m.cpu}, node ${m.node}, ${m.kernel}). The load generator runs on the same cores as the server; the load average and CPU pressure per sample below show whether anything else did. Re-render with \`node apps/demo-server/bench/soak.mjs --report ${shownPath(report.resultsFile)}\`.`,
    "",
    `Setup: Canto with the demo server's default modules (${report.autoload.join(", ")}, ${report.config.modules_enabled.join(", ")}), SQLite storage in a fresh data folder, ${o.starttls ? "STARTTLS" : "plaintext"} c2s on loopback with compare.mjs's relaxations (PLAIN without TLS, no per-IP handshake cap). ${o.sessionCount} sessions, ${client} each send ${o.rate} chat message/s to the next session for ${o.durationS} s (${o.sessionCount * o.rate} msg/s in all, every message archived by mam for both parties); ${o.churnPerMinute} sessions a minute log out and back in, so messages sent to them meanwhile go through the offline store. Every message body carries a unique id: *delivered* counts distinct ids received by their addressee. RSS from \`/proc/PID/status\` every ${o.sampleS} s; the first ${o.warmupS} s of traffic are the warm-up.`,
    "",
    "### Verdict",
    "",
    `- RSS after warm-up (${v.postWarmupSamples} samples over ${v.windowMin} min): least-squares slope ${v.slopeMiBPerMin} MiB/min (fitted growth ${v.fittedGrowthMiB} MiB), min ${v.minMiB} MiB, max ${v.maxMiB} MiB, max − min ${v.maxMinusMinMiB} MiB: **${v.flat ? "flat" : "NOT flat"}** (flat: fitted growth ≤ ${v.rssLimitMiB ?? o.flatMiB} MiB, the larger of ${o.flatMiB} MiB and ${o.flatPct ?? 10} % of RSS at the warm-up boundary${v.detectableBytesPerMessage ? `; a steady leak of ${v.detectableBytesPerMessage} bytes per message or more would exceed it` : ""}).${v.perturbedBySnapshots ? " This run took heap snapshots, which raise RSS by about the heap's size: the RSS verdict is not meaningful." : ""}`,
    `- RSS at the warm-up boundary ${v.rssAtWarmupMiB} MiB, at the end of traffic ${v.rssAtEndMiB} MiB (${round(v.rssAtEndMiB - v.rssAtWarmupMiB, 1)} MiB).`,
    `- Live JS heap after each full collection (from the server's \`--trace-gc\`; ${v.fullGcsAfterWarmup} full collections after warm-up): ${v.heapMinMiB} to ${v.heapMaxMiB} MiB, slope ${v.heapSlopeMiBPerMin} MiB/min (fitted growth ${v.heapFittedGrowthMiB} MiB): **${v.heapFlat ? "flat" : v.fullGcsAfterWarmup < 3 ? "too few full collections to tell" : "NOT flat"}** (same criterion, over at least 3 full collections). The heap before a full collection reached ${v.heapBeforeFullGcMaxMiB} MiB.`,
    ...(!v.flat && v.heapFlat && v.rssAtEndMiB - v.rssAtWarmupMiB <= o.flatMiB
      ? [
          "- So RSS is not flat by the regression while the live heap is, and RSS ended no higher than where warm-up ended: the swing follows V8's collection cycle (RSS rises while garbage accumulates between full collections and falls when one returns pages), not growth that stays.",
        ]
      : []),
    `- Messages: ${t.sent} sent, ${t.delivered} delivered, ${t.lost} lost, ${t.duplicates} duplicates, ${t.misrouted} misrouted, ${t.bounced} bounced; ${t.delayed} of them delivered from the offline store: **${v.allDelivered ? "every message delivered exactly once" : "NOT every message delivered exactly once"}**.`,
    `- ${report.loginS} s to log in ${o.sessionCount} sessions; ${t.reconnects} reconnections (${t.reconnectFailures} failed; stream close p50 ${t.leaveMs.p50} ms, log in again p50 ${t.reloginMs.p50} ms, p99 ${t.reloginMs.p99} ms); ${t.streamErrors} stream errors, ${t.smFailures} stream management failures, ${t.closedUnexpectedly} connections closed by the server; server exit ${report.serverExit}.`,
    "",
    "### RSS curve",
    "",
    `Time from the server's start; traffic rows every ${every * o.sampleS} s (all ${report.samples.length} samples in \`${shownPath(report.resultsFile)}\`). *sent* and *delivered* are running totals; *CPU* is the server's user + system time so far; *JS heap after full GC* is the last mark-compact's result and *GC pause max* the longest pause since the previous row (both from \`--trace-gc\`); *fds* the server's open descriptors; *load* the machine's load average and *CPU pressure* the share of the last 10 s in which some task on the machine waited for a CPU (\`/proc/pressure/cpu\`; not recorded by older runs).`,
    "",
    "| t s | traffic t s | phase | RSS MiB | anon RSS MiB | JS heap after full GC MiB | GC pause max ms | server CPU s | fds | load (1 min) | CPU pressure % | online | sent | delivered |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...shown
      .map((s, row) => ({
        ...s,
        // The longest pause of all the samples this row stands for.
        maxGcPauseMs: Math.max(
          -1,
          ...report.samples
            .slice(row === 0 ? 0 : report.samples.indexOf(shown[row - 1]) + 1, report.samples.indexOf(s) + 1)
            .map((x) => x.maxGcPauseMs ?? -1),
        ),
      }))
      .map(
        (s) =>
          `| ${s.t} | ${s.trafficT ?? "-"} | ${phaseLabel({ ...s, warmupS: o.warmupS })} | ${s.rssMiB} | ${s.rssAnonMiB} | ${s.fullHeapMiB ?? "-"} | ${s.maxGcPauseMs < 0 ? "-" : s.maxGcPauseMs} | ${s.serverCpuS} | ${s.fds} | ${s.load1} | ${s.cpuPressure ?? "-"} | ${s.online} | ${s.sent} | ${s.delivered} |`,
      ),
    "",
    "```",
    ...plot(report.samples, o.warmupS),
    "```",
    "",
    "Plot: one column per sample; phase i = idle server, l = logins, s = settling, w = warm-up traffic, t = traffic after warm-up, d = drain.",
    "",
    ...(report.notes ? ["### Notes", "", report.notes.trim(), ""] : []),
    "### Latency per minute of sending",
    "",
    `Send → receive, of the messages delivered live (the ${t.delayed} delivered from the offline store after their addressee logged back in are counted in *delivered* but not in the latencies; the longest waited ${t.delayedMaxMs} ms).`,
    "",
    "| minute | sent | delivered | p50 ms | p99 ms | max ms |",
    "|---|---|---|---|---|---|",
    ...report.minutes.map(
      (x) => `| ${x.minute + 1} | ${x.sent} | ${x.delivered} | ${x.p50Ms} | ${x.p99Ms} | ${x.maxMs} |`,
    ),
    "",
  ];
}

/** Puts the section into `file`, replacing an earlier "## Soak" section up to the next "## ". */
function writeSection(file, lines) {
  const text = lines.join("\n");
  if (file === "-") {
    console.log(text);
    return;
  }
  let existing = "";
  try {
    existing = readFileSync(file, "utf8");
  } catch {}
  const section = sectionBounds(existing, "Soak");
  let next;
  if (section !== undefined) {
    next = `${existing.slice(0, section.start)}${text}\n${existing.slice(section.end)}`;
  } else {
    next = existing.trim() === "" ? `${text}\n` : `${existing.replace(/\n*$/, "\n\n")}${text}\n`;
  }
  writeFileSync(file, next.replace(/\n{3,}/g, "\n\n").replace(/\n*$/, "\n"));
  console.error(`soak: wrote the Soak section of ${file}`);
}

async function main() {
  if (args.report !== undefined) {
    let report;
    try {
      report = JSON.parse(readFileSync(args.report, "utf8"));
    } catch (error) {
      fail(`--report ${args.report}: ${error.message}`);
    }
    // The verdict is derived from the samples: recomputed so the file and the Markdown agree.
    report.verdict = verdict(report);
    // Only new notes change the results file; a plain re-render leaves it as it is.
    if (args.notes !== undefined) {
      try {
        report.notes = readFileSync(args.notes, "utf8");
      } catch (error) {
        fail(`--notes ${args.notes}: ${error.message}`);
      }
      writeFileSync(args.report, `${JSON.stringify(report, null, 2)}\n`);
    }
    writeSection(args.out, section(report));
    return;
  }
  const { report } = await runSoak();
  writeFileSync(args.results, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`soak: raw results in ${args.results}`);
  writeSection(args.out, section(report));
  console.error(`soak: verdict ${JSON.stringify(report.verdict)}`);
  setTimeout(() => process.exit(report.verdict.flat && report.verdict.allDelivered ? 0 : 1), 100).unref();
}

main().catch((error) => {
  console.error(`soak: ${error.stack ?? error}`);
  process.exit(1);
});
