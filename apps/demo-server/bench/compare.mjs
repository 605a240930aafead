#!/usr/bin/env node
// Canto against Debian's Prosody 0.12 in one run on this machine: for each session count, start
// the server on loopback with a fresh data folder, run bench/load.mjs at a fixed rate (this run
// gives the idle RSS and login figures), then a closed-loop flood (maximum delivered messages per
// second), stop it; then the same for Prosody. Writes the table to BENCHMARKS.md (or --out).
//
//   node bench/compare.mjs --sessions 1000,10000 --duration 20 --rate 1 [--flood-sessions 1000]
//     [--prosody-auth hashed,plain] [--starttls] [--results FILE.json] [--out BENCHMARKS.md]
//   node bench/compare.mjs --report results/run1.json,results/run2.json   (re-render only)
//
// Both servers: TLS not required, SASL PLAIN over loopback, accounts hashed with 4096 PBKDF2
// iterations (Prosody internal_hashed, Canto auth_internal_hashed), no rate limits, the same
// features (roster, presence, message, offline, disco, ping, tls, saslauth, bind).
import { spawn, spawnSync } from "node:child_process";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sectionBounds, sleep } from "./cli-util.mjs";
import { machine, version, waitForPort, withFdLimit } from "./process-util.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const APP = dirname(BENCH);
const CANTO_BIN = join(APP, "bin", "canto.js");
const ITERATIONS = 4096;
const PASSWORD = "pw";

const { values: args } = parseArgs({
  options: {
    sessions: { type: "string", default: "1000,10000" },
    duration: { type: "string", default: "20" },
    rate: { type: "string", default: "1" },
    window: { type: "string", default: "4" },
    "flood-sessions": { type: "string", default: "1000" },
    "prosody-auth": { type: "string", default: "hashed" },
    // STARTTLS on every session (self-signed certificates on both servers).
    starttls: { type: "boolean", default: false },
    servers: { type: "string", default: "canto,prosody" },
    out: { type: "string", default: join(APP, "BENCHMARKS.md") },
    "canto-port": { type: "string", default: "15222" },
    "prosody-port": { type: "string", default: "25222" },
    // Where the raw results go (JSON).
    results: { type: "string", default: join(tmpdir(), "canto-bench-results.json") },
    // Re-renders the Markdown from saved results files (comma list, merged in order) without
    // running anything.
    report: { type: "string" },
  },
  strict: true,
});
const sessionCounts = args.sessions.split(",").map(Number);
if (sessionCounts.some((n) => !Number.isInteger(n) || n < 1 || n > 20_000)) {
  throw new Error(`compare: --sessions must be a comma list of 1..20000, got ${args.sessions}`);
}
const floodSessions = Number(args["flood-sessions"]);
const prosodyAuths = args["prosody-auth"].split(",");
for (const auth of prosodyAuths) {
  if (auth !== "hashed" && auth !== "plain")
    throw new Error(`compare: --prosody-auth is hashed or plain, got ${auth}`);
}
const servers = args.servers.split(",");
const commands = [];

/** Starts a server process; resolves once its port answers. */
async function startServer(name, argv, port, cwd) {
  const [cmd, cmdArgs] = withFdLimit(argv);
  commands.push(`(${name}) ${argv.join(" ")}`);
  const child = spawn(cmd, cmdArgs, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => {
    output += c;
  });
  child.stderr.on("data", (c) => {
    output += c;
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    await Promise.race([
      waitForPort(port, 30_000),
      exited.then((code) => {
        throw new Error(`${name} exited (${code}) before listening:\n${output}`);
      }),
    ]);
  } catch (error) {
    // A server that came up too late would hold the port for every later run: stop it by its PID.
    child.kill("SIGKILL");
    throw error;
  }
  return {
    pid: child.pid,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function runLoad(label, port, pid, sessions, mode) {
  const jsonFile = join(tmpdir(), `canto-bench-${process.pid}-${label}-${sessions}-${mode.name}.json`);
  const argv = [
    process.execPath,
    join(BENCH, "load.mjs"),
    "--port",
    String(port),
    "--pid",
    String(pid),
    "--domain",
    "localhost",
    "--sessions",
    String(sessions),
    "--duration",
    args.duration,
    "--rate",
    mode.rate,
    "--window",
    args.window,
    "--accounts-prefix",
    "user",
    "--password",
    PASSWORD,
    "--label",
    label,
    ...(args.starttls ? ["--starttls"] : []),
    "--json",
    jsonFile,
  ];
  const shown = argv.slice(2, -2).map((a) => (/[\s()]/.test(a) ? `'${a}'` : a));
  commands.push(`(${label}) node bench/load.mjs ${shown.join(" ")}`);
  const [cmd, cmdArgs] = withFdLimit(argv);
  const result = spawnSync(cmd, cmdArgs, { stdio: ["ignore", "inherit", "inherit"], timeout: 15 * 60_000 });
  if (result.status !== 0)
    throw new Error(`load for ${label} at ${sessions} sessions failed (${result.status})`);
  const summary = JSON.parse(readFileSync(jsonFile, "utf8"));
  rmSync(jsonFile, { force: true });
  if (mode.name === "flood") {
    // The flood runs on the server the rate run already warmed: its idle RSS says nothing.
    summary.rssPerIdleSessionKiB = null;
    summary.row = summary.row.replace(/^((?:\|[^|]*){7})\|[^|]*\|/, "$1| (see rate row) |");
  }
  return summary;
}

/** --rate is one figure for every session count, or one per entry of --sessions. */
function rateFor(sessions) {
  const rates = args.rate.split(",");
  if (rates.length === 1) return rates[0];
  if (rates.length !== sessionCounts.length) {
    throw new Error(`compare: --rate has ${rates.length} entries but --sessions has ${sessionCounts.length}`);
  }
  return rates[sessionCounts.indexOf(sessions)];
}

function modes(sessions) {
  const list = [{ name: "rate", rate: rateFor(sessions) }];
  if (sessions === floodSessions) list.push({ name: "flood", rate: "0" });
  return list;
}

async function benchCanto(maxSessions) {
  const dir = mkdtempSync(join(tmpdir(), "canto-bench-"));
  const config = join(dir, "canto.config.json");
  writeFileSync(
    config,
    JSON.stringify(
      {
        log_level: "warn",
        data_path: "./data",
        c2s_interfaces: ["127.0.0.1"],
        c2s_ports: [Number(args["canto-port"])],
        c2s_direct_tls_ports: [Number(args["canto-port"]) + 1],
        c2s_require_encryption: false,
        allow_unencrypted_plain_auth: true,
        scram_iteration_count: ITERATIONS,
        // Every benchmark connection comes from 127.0.0.1: the per-IP handshake cap would refuse them.
        c2s_max_unauthed_per_ip: 100_000,
        modules_enabled: ["tls", "saslauth", "auth_internal_hashed", "bind", "roster", "disco", "ping"],
        hosts: { localhost: {} },
      },
      null,
      2,
    ),
  );
  console.error(`compare: creating ${maxSessions} Canto accounts in ${dir}`);
  const created = Date.now();
  const accounts = spawnSync(
    process.execPath,
    [
      join(BENCH, "canto-accounts.mjs"),
      "--config",
      config,
      "--count",
      String(maxSessions),
      "--password",
      PASSWORD,
    ],
    { cwd: dir, stdio: "inherit" },
  );
  if (accounts.status !== 0) throw new Error("compare: creating Canto accounts failed");
  commands.push(`(canto) node bench/canto-accounts.mjs --config canto.config.json --count ${maxSessions}`);
  const accountsS = (Date.now() - created) / 1000;
  const rows = [];
  for (const sessions of sessionCounts) {
    const server = await startServer(
      "canto",
      [process.execPath, CANTO_BIN, "start", "--config", config],
      Number(args["canto-port"]),
      dir,
    );
    try {
      await sleep(2000);
      for (const mode of modes(sessions))
        rows.push(
          runLoad(
            args.starttls ? "canto (TLS)" : "canto",
            Number(args["canto-port"]),
            server.pid,
            sessions,
            mode,
          ),
        );
    } finally {
      await server.stop();
    }
    const warnings = server.output().trim();
    if (warnings) console.error(`compare: canto said:\n${warnings.slice(0, 2000)}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { rows, accountsS };
}

/** Prosody 0.12 internal_hashed account file: SCRAM-SHA-1 keys, hex, salt kept as text. */
function prosodyHashedAccount() {
  const salt = "canto-bench-salt";
  const salted = pbkdf2Sync(PASSWORD, salt, ITERATIONS, 20, "sha1");
  const clientKey = createHmac("sha1", salted).update("Client Key").digest();
  const storedKey = createHash("sha1").update(clientKey).digest("hex");
  const serverKey = createHmac("sha1", salted).update("Server Key").digest("hex");
  return `return {\n\t["iteration_count"] = ${ITERATIONS};\n\t["salt"] = "${salt}";\n\t["stored_key"] = "${storedKey}";\n\t["server_key"] = "${serverKey}";\n};\n`;
}

/** certs/localhost.{crt,key} for Prosody's STARTTLS (Canto makes its own self-signed one). */
function selfSignedCertificate(folder) {
  const made = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=localhost",
    "-keyout",
    join(folder, "localhost.key"),
    "-out",
    join(folder, "localhost.crt"),
  ]);
  if (made.status !== 0) throw new Error(`compare: openssl could not make a certificate: ${made.stderr}`);
}

function chownTree(path, uid, gid) {
  spawnSync("chown", ["-R", `${uid}:${gid}`, path]);
  chownSync(path, uid, gid);
}

async function benchProsody(maxSessions, auth) {
  const dir = mkdtempSync(join(tmpdir(), "prosody-bench-"));
  // mkdtemp makes it 0700: the `prosody` user must read the config inside.
  chmodSync(dir, 0o755);
  const data = join(dir, "data");
  const accountsDir = join(data, "localhost", "accounts");
  mkdirSync(accountsDir, { recursive: true });
  mkdirSync(join(dir, "certs"));
  if (args.starttls) selfSignedCertificate(join(dir, "certs"));
  const port = Number(args["prosody-port"]);
  const config = join(dir, "prosody.cfg.lua");
  writeFileSync(
    config,
    [
      `pidfile = "${join(data, "prosody.pid")}"`,
      `data_path = "${data}"`,
      `certificates = "${join(dir, "certs")}"`,
      `log = { warn = "*console" }`,
      `network_backend = "epoll"`,
      `c2s_ports = { ${port} }`,
      `c2s_interfaces = { "127.0.0.1" }`,
      `c2s_direct_tls_ports = {}`,
      `s2s_ports = {}`,
      `c2s_require_encryption = false`,
      `allow_unencrypted_plain_auth = true`,
      `authentication = "internal_${auth}"`,
      `storage = "internal"`,
      `modules_enabled = { "roster", "saslauth", "tls", "disco", "ping" }`,
      `modules_disabled = { "s2s" }`,
      `VirtualHost "localhost"`,
      "",
    ].join("\n"),
  );
  // Written straight into Prosody's internal storage: prosodyctl register takes ~0.3 s an account.
  const file = auth === "plain" ? `return {\n\t["password"] = "${PASSWORD}";\n};\n` : prosodyHashedAccount();
  for (let i = 0; i < maxSessions; i++) writeFileSync(join(accountsDir, `user${i}.dat`), file);
  const uid = Number(spawnSync("id", ["-u", "prosody"]).stdout.toString().trim());
  const gid = Number(spawnSync("id", ["-g", "prosody"]).stdout.toString().trim());
  chownTree(data, uid, gid);
  chownTree(join(dir, "certs"), uid, gid);
  const label = `prosody (internal_${auth}${args.starttls ? ", TLS" : ""})`;
  const rows = [];
  for (const sessions of sessionCounts) {
    // Prosody refuses to run as root; setpriv execs it as `prosody` with the same PID.
    const argv = [
      "setpriv",
      `--reuid=${uid}`,
      `--regid=${gid}`,
      "--init-groups",
      "prosody",
      "-F",
      "--config",
      config,
    ];
    const server = await startServer(label, argv, port, dir);
    try {
      await sleep(2000);
      for (const mode of modes(sessions)) rows.push(runLoad(label, port, server.pid, sessions, mode));
    } finally {
      await server.stop();
    }
    const warnings = server.output().trim();
    if (warnings) console.error(`compare: prosody said:\n${warnings.slice(0, 2000)}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return { rows };
}

/** Writes `text` to `file`, keeping the "## Soak" section soak.mjs put there (it has its own results). */
function writeKeepingSoak(file, text) {
  let soak = "";
  if (existsSync(file)) {
    const existing = readFileSync(file, "utf8");
    const section = sectionBounds(existing, "Soak");
    if (section !== undefined) soak = existing.slice(section.start, section.end).trimEnd();
  }
  writeFileSync(file, soak === "" ? text : `${text.trimEnd()}\n\n${soak}\n`);
}

async function main() {
  if (args.report !== undefined) {
    const runs = args.report.split(",").map((file) => JSON.parse(readFileSync(file, "utf8")));
    writeKeepingSoak(args.out, markdown(runs));
    console.error(`compare: wrote ${args.out} from ${args.report}`);
    return;
  }
  const maxSessions = Math.max(...sessionCounts);
  const results = [];
  let cantoAccountsS = null;
  if (servers.includes("canto")) {
    const canto = await benchCanto(maxSessions);
    results.push(...canto.rows);
    cantoAccountsS = canto.accountsS;
  }
  if (servers.includes("prosody")) {
    for (const auth of prosodyAuths) results.push(...(await benchProsody(maxSessions, auth)).rows);
  }
  const report = {
    machine: machine({
      prosody: version("dpkg-query", ["-W", "-f=$" + "{Version}", "prosody"]),
      lua: version("lua5.4", ["-v"]),
    }),
    argv: process.argv.slice(2),
    rate: args.rate,
    maxSessions,
    cantoAccountsS,
    results,
    commands,
  };
  writeFileSync(args.results, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`compare: raw results in ${args.results}; table rows:`);
  for (const row of results) console.log(row.row);
  if (args.out !== "-") {
    writeKeepingSoak(args.out, markdown([report]));
    console.error(`compare: wrote ${args.out}`);
  }
}

const HEADER = [
  "| server | sessions | load | delivered msg/s | p50 ms | p99 ms | lost | RSS per idle session KiB | 1,000 logins s | all logins s |",
  "|---|---|---|---|---|---|---|---|---|---|",
];

/** Canto's figure against Prosody's for the same session count and load, per target. */
function verdicts(results) {
  const lines = [];
  const prosodyLabel =
    results.find((r) => r.label.startsWith("prosody (internal_hashed"))?.label ??
    results.find((r) => r.label.startsWith("prosody"))?.label;
  for (const canto of results.filter((r) => r.label.startsWith("canto"))) {
    const prosody = results.find(
      (r) => r.label === prosodyLabel && r.sessions === canto.sessions && r.mode === canto.mode,
    );
    if (prosody === undefined) continue;
    const ratio = canto.deliveredPerSecond / prosody.deliveredPerSecond;
    const at = `${canto.sessions} sessions, ${canto.mode}`;
    const offered = canto.mode.startsWith("closed loop")
      ? undefined
      : canto.sessions * Number.parseFloat(canto.mode);
    const bothKeptUp =
      offered !== undefined &&
      canto.deliveredPerSecond >= 0.98 * offered &&
      prosody.deliveredPerSecond >= 0.98 * offered;
    const cantoKeptUp = offered !== undefined && canto.deliveredPerSecond >= 0.98 * offered;
    // A fixed rate caps what either can deliver: only the closed loop measures the maximum.
    const throughput = bothKeptUp
      ? `both delivered the ${offered} msg/s offered (throughput is judged on the closed-loop rows)`
      : cantoKeptUp
        ? `Canto delivered the ${offered} msg/s offered, Prosody ${prosody.deliveredPerSecond} (fell behind; throughput is judged on the closed-loop rows)`
        : `delivered ${canto.deliveredPerSecond} vs ${prosody.deliveredPerSecond} msg/s = ${ratio.toFixed(2)}× (target ≥ 2×: ${ratio >= 2 ? "met" : "not met"})`;
    lines.push(
      `- ${at}: ${throughput}; p99 ${canto.p99Ms} vs ${prosody.p99Ms} ms (target no worse: ${canto.p99Ms <= prosody.p99Ms ? "met" : "not met"})`,
    );
    if (!canto.mode.startsWith("closed loop")) {
      lines.push(
        `- ${canto.sessions} idle sessions: ${canto.rssPerIdleSessionKiB} vs ${prosody.rssPerIdleSessionKiB} KiB each (target ≤ Prosody: ${canto.rssPerIdleSessionKiB <= prosody.rssPerIdleSessionKiB ? "met" : "not met"}); ${canto.heldAfterSettle}/${canto.sessions} Canto sessions held`,
      );
    }
  }
  const held = results.filter(
    (r) => r.label.startsWith("canto") && r.sessions >= 10_000 && !r.mode.startsWith("closed loop"),
  );
  for (const canto of held) {
    const held = canto.heldAfterSettle === canto.sessions && canto.lost === 0;
    lines.push(
      `- ${canto.sessions} concurrent sessions on this machine: ${canto.heldAfterSettle} held, ${canto.lost} messages lost (target: ${held ? "met" : "not met"})`,
    );
  }
  return lines;
}

/** Hand-written analysis kept beside the generator, so a re-run keeps it. */
function notes() {
  try {
    return readFileSync(join(BENCH, "notes.md"), "utf8").trim();
  } catch {
    return "";
  }
}

function runSection(report, index) {
  return [
    `### Run ${index + 1}: \`node apps/demo-server/bench/compare.mjs ${(report.argv ?? []).join(" ")}\``,
    "",
    `${report.machine.date}; ${report.results[0]?.durationS ?? "?"} s of traffic per row.`,
    "",
    ...HEADER,
    ...report.results.map((r) => r.row),
    "",
    "Targets (issue 11), Canto against Prosody internal_hashed at the same session count and load:",
    "",
    ...verdicts(report.results),
    "",
  ];
}

/** BENCHMARKS.md from one or more compare runs (each a results JSON). */
function markdown(runs) {
  const m = runs[0].machine;
  return [
    "# Benchmarks: Canto against Prosody 0.12",
    "",
    "Generated by `apps/demo-server/bench/compare.mjs` (hand-written notes from `bench/notes.md`). Both servers ran one after the other on this machine, each on loopback with a fresh data folder; the load generator (`bench/load.mjs`) runs on the same 2 cores as the server, so absolute figures are lower than on separate machines, but both servers pay the same.",
    "",
    "Columns: *load* is a fixed rate per session (open loop) or a closed loop where every session keeps 4 messages in flight to its peer (the server's maximum); *delivered msg/s* counts messages received by their addressee during the traffic window; *p50/p99* are send→receive latencies; *lost* is sent − received after a 10 s drain; *RSS per idle session* is (server RSS with N idle sessions − RSS before the first login) / N; *1,000 logins* is the time until the 1,000th session was bound (50 logins in flight).",
    "",
    ...runs.flatMap(runSection),
    notes(),
    "",
    "## Machine",
    "",
    "```",
    `nproc: ${m.nproc} (${m.cpu})`,
    m.free,
    `node ${m.node}, prosody ${m.prosody} (${m.lua}), ${m.kernel}`,
    "```",
    "",
    "## Commands",
    "",
    "Every run from the repository root after `npm run build`; `compare.mjs` runs these itself (temporary folders shown as they were), each child under `ulimit -n 65536` (or the hard limit, if lower: 10,000 sessions need 10,000 descriptors in the server and in the load generator). This file is rendered from the saved results (kept in `bench/results/`) with `node apps/demo-server/bench/compare.mjs --report apps/demo-server/bench/results/run1.json,...`; the load generator alone is `npm run bench:server -- --port P --pid PID --sessions N ...` (in apps/demo-server, or at the root where `bench:server` runs `node apps/demo-server/bench/load.mjs`).",
    "",
    "```",
    ...runs.flatMap((report) => [
      `node apps/demo-server/bench/compare.mjs ${(report.argv ?? []).join(" ")}`,
      ...report.commands.map((command) => `  ${command}`),
    ]),
    "```",
    "",
    ...runs
      .filter((report) => report.cantoAccountsS !== null)
      .map(
        (report) =>
          `Canto accounts: ${report.cantoAccountsS} s to create ${report.maxSessions ?? "?"} with bench/canto-accounts.mjs (in-process createAccount, 8 at a time).`,
      ),
    "",
  ].join("\n");
}

main().catch((error) => {
  console.error(`compare: ${error.stack ?? error}`);
  process.exit(1);
});
