// Issue 11: SIGKILL of the server during a message flood. Whatever the server acknowledged with
// XEP-0198 `<a h/>` before it died must be there after a restart on the same data: as offline
// messages for the recipient and in the sender's MAM archive.
import { describe, expect, it } from "vitest";
import { connect, type XmlElement, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES } from "./harness.js";
import { RawClient, STREAM_HEADER } from "./raw-socket.js";

/** Messages the sender has ready; the server dies long before they are all acknowledged. */
const FLOOD = 300;
/** The kill comes once the server has acknowledged at least this many. */
const KILL_AFTER_ACK = 120;
/** An `<r/>` after every this many messages. */
const ACK_EVERY = 10;
/** At most this many messages unacknowledged at a time. */
const WINDOW = 60;

const SM = "urn:xmpp:sm:3";

/** Logs in over direct TLS with PLAIN, binds and enables stream management (no resumption). */
async function smSender(port: number, username: string, password: string): Promise<RawClient> {
  const raw = await RawClient.directTls(port);
  await raw.open();
  raw.text = "";
  const plain = Buffer.from(`\0${username}\0${password}`).toString("base64");
  raw.write(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${plain}</auth>`);
  await raw.waitFor(/<success[\s/>]/);
  raw.text = "";
  raw.write(STREAM_HEADER);
  await raw.waitFor(/<\/stream:features>/);
  raw.text = "";
  raw.write(
    "<iq type='set' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>flood</resource></bind></iq>",
  );
  await raw.waitFor(
    /<iq[^>]*id=['"]bind-1['"][^>]*type=['"]result['"]|<iq[^>]*type=['"]result['"][^>]*id=['"]bind-1['"]/,
  );
  raw.text = "";
  raw.write(`<enable xmlns='${SM}'/>`);
  await raw.waitFor(/<enabled[\s/>]/);
  raw.text = "";
  return raw;
}

/** The highest `h` of the `<a/>` acknowledgements in `text`. */
function highestAck(text: string): number {
  let highest = 0;
  for (const match of text.matchAll(/<a\s[^>]*h=['"](\d+)['"]/g))
    highest = Math.max(highest, Number(match[1]));
  return highest;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("kill -9 during a message flood", () => {
  const t = serverFixture(
    {
      // smacks for the acks; offline (autoloaded) and mam keep what the server accepted.
      modules_enabled: [...LOGIN_MODULES, "smacks", "mam", "carbons"],
      offline_max_messages: FLOOD + 10,
      hosts: { localhost: {} },
    },
    { users: ["alice@localhost", "bob@localhost"] },
  );

  it("keeps every acknowledged message as offline message and in the sender's archive", {
    timeout: 60_000,
  }, async () => {
    const sender = await smSender(t.server.tlsPort, "alice", "alice-pw");
    const dying = t.server;
    const died = new Promise<NodeJS.Signals | null>((resolve) =>
      dying.child.once("exit", (_code, signal) => resolve(signal)),
    );

    // bob never logs in before the kill: every message is for offline storage.
    let sent = 0;
    let killedAt: number | undefined;
    const deadline = Date.now() + 20_000;
    while (sent < FLOOD && killedAt === undefined && Date.now() < deadline) {
      const acked = highestAck(sender.text);
      if (acked >= KILL_AFTER_ACK) {
        killedAt = sent;
        dying.child.kill("SIGKILL");
        break;
      }
      // A window of unacknowledged messages keeps the flood going, not finished, at the kill.
      if (sent - acked >= WINDOW) {
        await sleep(1);
        continue;
      }
      let batch = "";
      for (let i = 0; i < ACK_EVERY && sent < FLOOD; i++) {
        sent++;
        batch += `<message to='bob@localhost' type='chat' id='m-${sent}'><body>flood ${sent}</body></message>`;
      }
      sender.write(`${batch}<r xmlns='${SM}'/>`);
    }
    expect(killedAt, `no kill mid-flood; the server sent: ${sender.text.slice(0, 2000)}`).toBeDefined();
    expect(await died).toBe("SIGKILL");
    await sender.waitClosed();
    // Acks still in the socket buffer when the server died count too: the server sent them.
    const acked = highestAck(sender.text);
    expect(acked).toBeGreaterThanOrEqual(KILL_AFTER_ACK);
    expect(acked).toBeLessThan(FLOOD);

    const server = await t.restart();
    const bob = t.track(await connect({ port: server.port, username: "bob", password: "bob-pw" }));
    await bob.waitFor(
      (s) => s.is("message") && s.getChildText("body") === `flood ${acked}`,
      20_000,
      `offline message ${acked}`,
    );
    const offline = new Set(
      bob.received.filter((s) => s.is("message")).map((s) => s.getChildText("body") ?? ""),
    );
    const missingOffline = [];
    for (let i = 1; i <= acked; i++) if (!offline.has(`flood ${i}`)) missingOffline.push(i);
    expect(missingOffline).toEqual([]);

    // alice's archive, paged with RSM until the server says it is complete.
    const alice = t.track(await connect({ port: server.port, username: "alice", password: "alice-pw" }));
    const archived = new Set<string>();
    let after: string | undefined;
    for (let page = 0; page < 20; page++) {
      const queryid = `q${page}`;
      const set = xml(
        "set",
        { xmlns: "http://jabber.org/protocol/rsm" },
        xml("max", {}, "100"),
        after === undefined ? undefined : xml("after", {}, after),
      );
      const result = await alice.iq(
        "set",
        undefined,
        xml("query", { xmlns: "urn:xmpp:mam:2", queryid }, set),
      );
      for (const s of alice.received) {
        const item = s.getChild("result", "urn:xmpp:mam:2");
        if (item?.attrs.queryid !== queryid) continue;
        const body = item.getChild("forwarded")?.getChild("message")?.getChildText("body");
        if (body) archived.add(body);
      }
      const fin: XmlElement | undefined = result.getChild("fin");
      if (fin?.attrs.complete === "true") break;
      after = fin?.getChild("set")?.getChildText("last") ?? undefined;
      if (after === undefined) break;
    }
    const missingArchive = [];
    for (let i = 1; i <= acked; i++) if (!archived.has(`flood ${i}`)) missingArchive.push(i);
    expect(missingArchive).toEqual([]);
  });
});
