import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packAndInstall } from "@canto/test-utils";
import { expect, it } from "vitest";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

it("installs from its packed tarball and logs a client in over TCP with STARTTLS and SASL", () => {
  const install = packAndInstall("@canto/modules", { reuseNative: ["better-sqlite3"] });
  const data = mkdtempSync(join(tmpdir(), "canto-pack-data-"));
  try {
    // A server from the packed `canto` with the packed standard modules on SQLite, and a raw XMPP
    // client: STARTTLS on the self-signed certificate `tls` makes, SASL PLAIN against the account
    // `createAccount` stored, resource binding, then a version query (XEP-0092).
    const out = install.run(`
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { createServer, defineConfig } from "canto";
import { AUTOLOAD, accountExists, createAccount, standardModules } from "@canto/modules";

const server = await createServer({
  config: defineConfig({
    data_path: ${JSON.stringify(data)},
    log_level: "silent",
    c2s_ports: [0],
    c2s_direct_tls_ports: [],
    modules_enabled: ["tls", "saslauth", "auth_internal_hashed", "bind", "version"],
    hosts: { localhost: {} },
  }),
  modules: standardModules,
  autoload: AUTOLOAD,
});
await server.start();
const username = await createAccount(server, "localhost", "Alice", "correct horse");
const port = server.global.modules.get("c2s").exports.listeners().find((l) => l.kind === "c2s").port;

let socket = connect({ port, host: "127.0.0.1" });
await new Promise((resolve, reject) => { socket.once("connect", resolve); socket.once("error", reject); });
let text = "";
let wake = () => {};
const watch = (s) => { s.setEncoding("utf8"); s.on("data", (d) => { text += d; wake(); }); };
watch(socket);
const waitFor = (pattern) => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("timed out waiting for " + pattern + "; received: " + text)), 10000);
  const check = () => {
    const m = pattern.exec(text);
    if (!m) return;
    clearTimeout(timer);
    wake = () => {};
    text = text.slice(m.index + m[0].length);
    resolve(m);
  };
  wake = check;
  check();
});
const FEATURES = /<stream:features(?:[^>]*\\/>|[\\s\\S]*?<\\/stream:features>)/;
const open = () => socket.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>");
const mechanisms = (features) => [...features.matchAll(/<mechanism>([^<]+)<\\/mechanism>/g)].map((m) => m[1]);

open();
const plainFeatures = (await waitFor(FEATURES))[0];
socket.write("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
await waitFor(/<proceed[^>]*\\/>/);
socket.removeAllListeners("data");
socket = tlsConnect({ socket, servername: "localhost", rejectUnauthorized: false });
await new Promise((resolve, reject) => { socket.once("secureConnect", resolve); socket.once("error", reject); });
watch(socket);
const certificate = socket.getPeerCertificate();

open();
const secureFeatures = (await waitFor(FEATURES))[0];
socket.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + Buffer.from("\\0alice\\0correct horse").toString("base64") + "</auth>");
await waitFor(/<success[^>]*(?:\\/>|>[^<]*<\\/success>)/);

open();
await waitFor(FEATURES);
socket.write("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>pack</resource></bind></iq>");
const jid = (await waitFor(/<jid>([^<]+)<\\/jid>/))[1];
socket.write("<iq type='get' id='v1' to='localhost'><query xmlns='jabber:iq:version'/></iq>");
const answer = (await waitFor(/<iq\\b[^>]*\\bid=["']v1["'][\\s\\S]*?<\\/iq>/))[0];
socket.destroy();

console.log(JSON.stringify({
  modules: Object.keys(standardModules).sort(),
  autoload: AUTOLOAD,
  account: { username, exists: await accountExists(server, "localhost", "alice"), driver: server.storage.driverName("localhost", "accounts") },
  beforeTls: { starttls: plainFeatures.includes("urn:ietf:params:xml:ns:xmpp-tls"), mechanisms: mechanisms(plainFeatures) },
  certificate: certificate.subjectaltname,
  mechanisms: mechanisms(secureFeatures),
  jid,
  answer: {
    type: /\\btype=["']([^"']+)["']/.exec(answer)?.[1],
    name: /<name>([^<]*)<\\/name>/.exec(answer)?.[1],
    version: /<version>([^<]*)<\\/version>/.exec(answer)?.[1],
  },
}));
await server.stop();
`);
    expect(JSON.parse(out)).toEqual({
      modules: expect.arrayContaining([
        "auth_internal_hashed",
        "bind",
        "c2s",
        "carbons",
        "disco",
        "mam",
        "message",
        "offline",
        "ping",
        "presence",
        "roster",
        "saslauth",
        "smacks",
        "tls",
        "version",
      ]),
      autoload: ["presence", "message", "offline", "c2s"],
      account: { username: "alice", exists: true, driver: "sqlite" },
      beforeTls: { starttls: true, mechanisms: [] },
      certificate: expect.stringContaining("DNS:localhost"),
      mechanisms: expect.arrayContaining(["SCRAM-SHA-256", "PLAIN"]),
      jid: "alice@localhost/pack",
      // The version comes from the packed package.json, found next to dist/ in node_modules.
      answer: { type: "result", name: "Canto", version },
    });
  } finally {
    install.dispose();
    rmSync(data, { recursive: true, force: true });
  }
}, 300_000);
