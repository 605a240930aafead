import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { clone, type Element, type LocalSession, presence } from "canto";
import { afterAll, bench, describe } from "vitest";
import type { MucApi } from "./muc.js";
import { configure, groupchat, mucServer, NS_MUC, SERVICE } from "./muc.test-helper.js";

// One room with 1,000 occupants: a groupchat message fanned out through the router to every
// occupant, against a baseline that clones the stanza and hands it to each session directly (the
// least any fan-out must do). Memory per occupant and per idle room are logged after the run.

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const OCCUPANTS = 1000;
const t = await mucServer({ muc_max_occupants: OCCUPANTS + 10 });
const api = t.server.host(SERVICE)!.modules.get("muc")!.exports as MucApi;
const owner = t.connect("owner@localhost/x");
await owner.process(
  presence({ to: `big@${SERVICE}/owner` })
    .c("x", { xmlns: NS_MUC })
    .root(),
);
await configure(owner, "big");
owner.record = false;

let delivered = 0;
const sessions: LocalSession[] = [];
const before = heap();
for (let i = 0; i < OCCUPANTS - 1; i++) {
  const s = t.connect(`user${i}@localhost/x`);
  s.record = false;
  s.onStanza = () => {
    delivered++;
  };
  sessions.push(s);
  await s.process(
    presence({ to: `big@${SERVICE}/user${i}` })
      .c("x", { xmlns: NS_MUC })
      .root(),
  );
}
const perOccupant = Math.round((heap() - before) / (OCCUPANTS - 1));

const chat = groupchat("big", "Hello, everyone");
const direct = [...sessions];
function baseline(stanza: Element) {
  for (const s of direct) {
    const copy = clone(stanza);
    copy.attrs.to = s.fullJid!;
    s.send(copy);
  }
}

/** Bytes per idle room: rooms with their owner's affiliation and no occupants, held in memory. */
function bytesPerIdleRoom(count: number): number {
  const start = heap();
  for (let i = 0; i < count; i++) {
    const room = api.service.createRoom(`idle${i}@${SERVICE}`, `owner${i}@localhost`, false);
    room.config.persistent = true;
  }
  return Math.round((heap() - start) / count);
}

afterAll(async () => {
  console.log(
    `muc: ${OCCUPANTS} occupants, ~${perOccupant} bytes per occupant (sessions included); ` +
      `~${bytesPerIdleRoom(10_000)} bytes per idle room (10,000 rooms); delivered ${delivered}`,
  );
  await t.stop();
});

describe(`groupchat fan-out to ${OCCUPANTS} occupants`, () => {
  bench("baseline: clone and hand to each session", () => {
    baseline(chat);
  });
  bench("muc: through the router and the room", async () => {
    await owner.process(clone(chat));
  });
});
