#!/usr/bin/env node
// Throughput of http_file_share against a raw Node file stream, in the same run, and the server's
// RSS while many large uploads run at once. Needs the built packages (npx turbo run build).
//
//   node bench/file-share.mjs [--size-mb 200] [--rounds 3] [--parallel 20] [--parallel-mb 50] [--json FILE]
//
// Throughput: one PUT, then one GET, of --size-mb MiB each, --rounds times, through a slot on
// Canto and to the bare node:http server (request piped to fs.createWriteStream,
// fs.createReadStream piped to the response); the best round of each is reported.
// RSS: --parallel uploads of --parallel-mb MiB at once, the server's VmRSS sampled every 50 ms.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { machine } from "./process-util.mjs";

const { values: args } = parseArgs({
  options: {
    "size-mb": { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    parallel: { type: "string", default: "20" },
    "parallel-mb": { type: "string", default: "50" },
    json: { type: "string" },
  },
  strict: true,
});
const MiB = 1024 * 1024;
const size = Number(args["size-mb"]) * MiB;
const rounds = Number(args.rounds);
const parallel = Number(args.parallel);
const parallelSize = Number(args["parallel-mb"]) * MiB;

const dir = mkdtempSync(join(tmpdir(), "canto-fileshare-client-"));
function makeFile(name, bytes) {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  const block = randomBytes(MiB);
  for (let written = 0; written < bytes; written += MiB)
    writeSync(fd, block, 0, Math.min(MiB, bytes - written));
  closeSync(fd);
  return path;
}
const bigFile = makeFile("big.bin", size);
const parallelFile = makeFile("parallel.bin", parallelSize);

const child = spawn(process.execPath, [new URL("./file-share-server.mjs", import.meta.url).pathname], {
  stdio: ["pipe", "pipe", "inherit"],
});
const lines = createInterface({ input: child.stdout });
const pending = [];
lines.on("line", (line) => pending.shift()?.(JSON.parse(line)));
const nextLine = () => new Promise((resolve) => pending.push(resolve));
const ports = await nextLine();
const ask = async (command) => {
  const answer = nextLine();
  child.stdin.write(`${JSON.stringify(command)}\n`);
  return answer;
};
const rss = () =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${ports.pid}/status`, "utf8"))[1]) * 1024;

/** A PUT streamed from `file`; resolves to the status. */
function put(url, file, bytes, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "PUT", headers: { "Content-Length": bytes, ...headers }, agent: false },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    createReadStream(file).pipe(req);
  });
}
/** A GET whose body is counted and dropped; resolves to the byte count. */
function get(url) {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let n = 0;
      res.on("data", (chunk) => {
        n += chunk.length;
      });
      res.on("end", () => resolve(n));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}
const timed = async (fn) => {
  const start = performance.now();
  const result = await fn();
  return { seconds: (performance.now() - start) / 1000, result };
};
const mbps = (seconds) => size / MiB / seconds;

const best = { canto: { up: 0, down: 0 }, raw: { up: 0, down: 0 } };
for (let round = 0; round < rounds; round++) {
  const slot = await ask({ slot: size });
  if (slot.error) throw new Error(slot.error);
  const up = await timed(() => put(slot.put, bigFile, size, { Authorization: slot.authorization }));
  if (up.result !== 201) throw new Error(`canto PUT answered ${up.result}`);
  const down = await timed(() => get(slot.get));
  if (down.result !== size) throw new Error(`canto GET gave ${down.result} bytes`);
  const rawUp = await timed(() => put(`http://127.0.0.1:${ports.raw}/file`, bigFile, size));
  const rawDown = await timed(() => get(`http://127.0.0.1:${ports.raw}/file`));
  best.canto.up = Math.max(best.canto.up, mbps(up.seconds));
  best.canto.down = Math.max(best.canto.down, mbps(down.seconds));
  best.raw.up = Math.max(best.raw.up, mbps(rawUp.seconds));
  best.raw.down = Math.max(best.raw.down, mbps(rawDown.seconds));
}

const slots = [];
for (let i = 0; i < parallel; i++) slots.push(await ask({ slot: parallelSize }));
const rssBefore = rss();
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, rss());
}, 50);
const all = await timed(() =>
  Promise.all(slots.map((s) => put(s.put, parallelFile, parallelSize, { Authorization: s.authorization }))),
);
clearInterval(sampler);
const rssAfter = rss();
if (all.result.some((status) => status !== 201)) throw new Error(`parallel PUTs answered ${all.result}`);

child.stdin.write(`${JSON.stringify({ stop: true })}\n`);
await new Promise((resolve) => child.once("exit", resolve));
rmSync(dir, { recursive: true, force: true });

const f = (n) => n.toFixed(1);
const report = {
  machine: machine(),
  sizeMiB: size / MiB,
  rounds,
  uploadMiBps: {
    canto: f(best.canto.up),
    raw: f(best.raw.up),
    ratio: (best.canto.up / best.raw.up).toFixed(2),
  },
  downloadMiBps: {
    canto: f(best.canto.down),
    raw: f(best.raw.down),
    ratio: (best.canto.down / best.raw.down).toFixed(2),
  },
  parallel: {
    uploads: parallel,
    eachMiB: parallelSize / MiB,
    seconds: f(all.seconds),
    rssBeforeMiB: f(rssBefore / MiB),
    rssPeakMiB: f(rssPeak / MiB),
    rssAfterMiB: f(rssAfter / MiB),
  },
};
console.log(JSON.stringify(report, null, 2));
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
