import { clone, Element } from "@canto/stanza";
import { createMemoryDriver } from "@canto/storage";
import { bench, describe } from "vitest";
import { notificationMessages } from "./protocol.js";
import { PubsubService } from "./service.js";

// One publish to a node with 1,000 subscribers: each iteration is 1,000 notifications, so
// notifications per second = 1,000 × hz. Both sides end in the serialized stanzas a transport writes.
const SUBSCRIBERS = 1000;
const options = { time: 2000, warmupTime: 500 };
const driver = createMemoryDriver();
let sink = 0;

const service = new PubsubService({
  jid: "pubsub.example.org",
  nodes: await driver.keyval!("pubsub.example.org", "pubsub_nodes"),
  items: await driver.archive!("pubsub.example.org", "pubsub_data", {}),
  limits: { maxItems: 10 },
  broadcaster: (notification, recipients) => {
    for (const message of notificationMessages("pubsub.example.org", notification, recipients)) {
      sink += message.toString().length;
    }
  },
});
await service.createNode("owner@example.org", "news", { max_items: 10 });

// Memory per subscription: heap growth over 1,000 subscriptions (node state plus its stored copy).
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < SUBSCRIBERS; i++) {
  const jid = `user${i}@example.org/res`;
  await service.subscribe(jid, "news", jid);
}
globalThis.gc?.();
const perSubscription = (process.memoryUsage().heapUsed - before) / SUBSCRIBERS;
console.log(
  `pubsub: ~${Math.round(perSubscription)} bytes of heap per subscription (${SUBSCRIBERS} subscribers)`,
);

function payload(): Element {
  return new Element("entry", { xmlns: "http://www.w3.org/2005/Atom" })
    .c("title")
    .t("Bench entry")
    .up()
    .c("content")
    .t("x".repeat(200))
    .root();
}

const jids = Array.from({ length: SUBSCRIBERS }, (_, i) => `user${i}@example.org/res`);
let n = 0;

describe(`one publish fanned out to ${SUBSCRIBERS} subscribers`, () => {
  bench(
    "PubsubService.publish (store, trim, access, broadcast, build + serialize)",
    async () => {
      await service.publish("owner@example.org", "news", `item${n++ % 20}`, payload());
    },
    options,
  );
  bench(
    "baseline: build + serialize the same messages with ltx, no engine",
    () => {
      const body = payload();
      for (const to of jids) {
        const msg = new Element("message", { from: "pubsub.example.org", to, type: "headline" });
        msg
          .c("event", { xmlns: "http://jabber.org/protocol/pubsub#event" })
          .c("items", { node: "news" })
          .c("item", { id: `item${n % 20}` })
          .cnode(clone(body));
        sink += msg.toString().length;
      }
      n++;
    },
    options,
  );
});

if (sink < 0) console.log(sink);
