#!/usr/bin/env node
// The server side of bench/file-share.mjs, in its own process so that its RSS is its own: Canto
// with http_file_share on `upload.localhost`, and beside it the baseline, a bare node:http server
// that pipes request bodies into fs.createWriteStream and fs.createReadStream into responses.
//
// Reads commands on stdin, one JSON line each, and answers one JSON line on stdout:
//   {"slot": SIZE}   → {"put", "get", "authorization"}   (asked as alice@localhost, in-process)
// Prints {"canto": PORT, "raw": PORT, "pid": PID} once listening.
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { standardModules } from "@canto/modules";
import { createConfig, iq, LocalSession, Server } from "canto";
import pino from "pino";

const data = mkdtempSync(join(tmpdir(), "canto-fileshare-bench-"));
const server = new Server({
  logger: pino({ level: "warn" }),
  modules: standardModules,
  config: createConfig({
    data_path: data,
    http_ports: [0],
    modules_enabled: ["disco"],
    hosts: { localhost: {} },
    components: {
      "upload.localhost": {
        module: "http_file_share",
        http_host: "127.0.0.1",
        http_file_share_size_limit: 1024 * 1024 * 1024,
        http_file_share_daily_quota: 1024 * 1024 * 1024 * 1024,
      },
    },
  }),
});
await server.start();
const cantoPort = server.global.modules.get("http").exports.listeners()[0].port;

const rawDir = join(data, "raw");
mkdirSync(rawDir);
const raw = createServer((request, response) => {
  const path = join(rawDir, "file");
  if (request.method === "PUT") {
    const out = createWriteStream(path);
    request.pipe(out);
    out.on("finish", () => response.writeHead(201, { "Content-Length": 0 }).end());
  } else {
    createReadStream(path).pipe(response);
  }
});
await new Promise((resolve) => raw.listen(0, "127.0.0.1", resolve));

const alice = new LocalSession(server, "alice@localhost/bench");
let counter = 0;
async function slot(size) {
  const id = `b${++counter}`;
  const stanza = iq({ id, type: "get", to: "upload.localhost" });
  stanza.c("request", { xmlns: "urn:xmpp:http:upload:0", filename: `f${counter}.bin`, size: String(size) });
  await alice.process(stanza);
  for (let i = 0; i < 200; i++) {
    const answer = alice.received.find((s) => s.attrs.id === id);
    if (answer !== undefined) {
      const el = answer.getChild("slot", "urn:xmpp:http:upload:0");
      if (el === undefined) return { error: answer.toString() };
      return {
        put: el.getChild("put").attrs.url,
        get: el.getChild("get").attrs.url,
        authorization: el.getChild("put").getChildText("header"),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { error: "no answer" };
}

const stop = async () => {
  raw.close();
  await server.stop();
  rmSync(data, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
createInterface({ input: process.stdin }).on("line", async (line) => {
  const command = JSON.parse(line);
  if (command.slot !== undefined) process.stdout.write(`${JSON.stringify(await slot(command.slot))}\n`);
  if (command.stop) await stop();
});
process.stdout.write(`${JSON.stringify({ canto: cantoPort, raw: raw.address().port, pid: process.pid })}\n`);
