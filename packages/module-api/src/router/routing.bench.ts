import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type Element, iq, message, reply } from "@canto/stanza";
import { afterAll, bench, describe } from "vitest";
import { createTestServer } from "../testing.js";
import type { RoutingEvent } from "./router.js";

// A message from one in-process session to another through the whole event path (pre-stanza,
// pre-message/full, message/full, delivery), against a baseline that only looks the recipient up
// in a Map and hands the stanza over: the least any router must do.
const t = await createTestServer();
const alice = t.connect("alice@localhost/phone");
const bob = t.connect("bob@localhost/desk");
alice.record = false;
bob.record = false;
let delivered = 0;
bob.onStanza = () => {
  delivered++;
};
const stanza = message({ to: "bob@localhost/desk", type: "chat" }, "Hello, Bob");

const direct = new Map<string, { send(s: Element): void }>([["bob@localhost/desk", bob]]);
function baseline(s: Element) {
  s.attrs.from = "alice@localhost/phone";
  direct.get(s.attrs.to as string)?.send(s);
}

// sendIq round trips to an in-process responder on another host.
const iqServer = await createTestServer({
  config: { hosts: { localhost: {}, "responder.example": {} } },
  modules: { asker: () => {} },
});
const asker = await iqServer.server.manager.load("localhost", "asker");
iqServer.server.host("responder.example")!.events.hook("iq-get/host/urn:xmpp:ping:ping", (e) => {
  const { origin, stanza: request } = e as RoutingEvent;
  origin.send(reply(request));
  return true;
});
let nextId = 0;
const ping = () =>
  iq({ type: "get", id: `b${++nextId}`, to: "responder.example", from: "localhost" })
    .c("ping", { xmlns: "urn:xmpp:ping" })
    .root();

/** Bytes allocated per routed message: heap growth over a batch small enough to fit the young generation. */
function bytesPerMessage(count: number): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  for (let i = 0; i < 2000; i++) alice.process(stanza);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) alice.process(stanza);
  const after = process.memoryUsage().heapUsed;
  return Math.round((after - before) / count);
}

afterAll(async () => {
  console.log(`routing: ~${bytesPerMessage(5000)} bytes allocated per message (delivered ${delivered})`);
  await t.stop();
  await iqServer.stop();
});

describe("message from one session to another", () => {
  bench("Canto router (pre-stanza → pre-message/full → message/full → delivery)", () => {
    alice.process(stanza);
  });
  bench("baseline: Map lookup and send", () => {
    baseline(stanza);
  });
});

describe("sendIq round trip to an in-process responder", () => {
  bench("module.sendIq + reply", async () => {
    await asker.sendIq(ping());
  });
});
