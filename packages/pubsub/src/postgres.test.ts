import { Element } from "@canto/stanza";
import { createPostgresDriver, type StorageDriver } from "@canto/storage";
import { describe, expect, it } from "vitest";
import { PubsubService } from "./service.js";

// The same engine on PostgreSQL (the project machine runs one on 127.0.0.1; elsewhere this
// reports skipped). A fixed schema, and a store user of this process's own, keep runs apart.
const url = process.env.CANTO_TEST_POSTGRES ?? "postgresql://postgres@127.0.0.1:5432/test";
const schema = "canto_pubsub_test";
const user = `run${process.pid}`;

function driver(): StorageDriver {
  return createPostgresDriver({ connectionString: url, schema, connectTimeout: 1500 });
}

const up = await (async () => {
  const d = driver();
  try {
    await (await d.keyval!("probe", "probe")).get(undefined);
    return true;
  } catch {
    return false;
  } finally {
    await d.close().catch(() => {});
  }
})();

async function serviceOn(d: StorageDriver): Promise<PubsubService> {
  return new PubsubService({
    jid: "pubsub.localhost",
    user,
    nodes: await d.keyval!("pubsub.localhost", "pubsub_nodes"),
    items: await d.archive!("pubsub.localhost", "pubsub_data", {}),
  });
}

describe("PubsubService on PostgreSQL", () => {
  it.skipIf(!up)(
    `keeps nodes and items across a restart (skipped without PostgreSQL at ${url})`,
    async () => {
      const first = driver();
      const a = await serviceOn(first);
      await a.createNode("owner@localhost", "n", { max_items: 2 });
      for (const id of ["1", "2", "3"]) {
        await a.publish("owner@localhost", "n", id, new Element("x", { xmlns: "urn:x" }).t(id));
      }
      await a.subscribe("s@localhost", "n", "s@localhost");
      await first.close();

      const second = driver();
      try {
        const b = await serviceOn(second);
        expect((await b.getItems("anyone@localhost", "n")).items.map((i) => i.payload?.getText())).toEqual([
          "3",
          "2",
        ]);
        expect((await b.getSubscriptions("s@localhost")).map((s) => s.node)).toEqual(["n"]);
        await b.deleteNode("owner@localhost", "n");
        expect(await b.hasNode("n")).toBe(false);
      } finally {
        await second.close();
      }
    },
  );
});
