import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestServer, message, presence, storage, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { IM_MODULES, login, presencesOf, rosterOf } from "./im.test-helper.js";
import { imModules } from "./index.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A test server on an SQLite file, as the real server stores data. */
async function sqliteServer(path: string): Promise<TestServer> {
  const t = await createTestServer({
    modules: imModules,
    config: { modules_enabled: IM_MODULES, hosts: { localhost: {} } },
    storage: new storage.StorageManager({
      drivers: { sqlite: storage.createSqliteDriver({ path }) },
      defaultStorage: "sqlite",
    }),
  });
  cleanups.push(() => t.stop());
  return t;
}

describe("restart on SQLite storage", () => {
  it("keeps rosters, pending subscription requests and offline messages across a stop and start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canto-im-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "canto.sqlite");

    const first = await sqliteServer(path);
    const alice = await login(first, "alice@localhost/phone");
    const bob = await login(first, "bob@localhost/desk");
    await alice.process(presence({ to: "bob@localhost", type: "subscribe" }));
    await bob.process(presence({ to: "alice@localhost", type: "subscribed" }));
    const request = presence({ to: "carol@localhost", type: "subscribe" });
    request.c("status").t("it's alice");
    await alice.process(request);
    await bob.process(message({ to: "dave@localhost", type: "chat" }, "see you"));
    await first.stop();

    const second = await sqliteServer(path);
    const carol = await login(second, "carol@localhost/pc");
    const stored = carol.received.find((s) => s.attrs.type === "subscribe");
    expect(stored?.attrs.from).toBe("alice@localhost");
    expect(stored?.getChildText("status")).toBe("it's alice");
    const dave = await login(second, "dave@localhost/pc");
    const delivered = dave.received.find((s) => s.name === "message");
    expect(delivered?.getChildText("body")).toBe("see you");
    expect(delivered?.getChild("delay", "urn:xmpp:delay")).toBeDefined();

    const alice2 = await login(second, "alice@localhost/phone");
    expect(await rosterOf(alice2)).toEqual({ "bob@localhost": "to", "carol@localhost": "none/subscribe" });
    const bob2 = await login(second, "bob@localhost/desk");
    expect(presencesOf(alice2)).toContain("bob@localhost/desk available");
    expect(await rosterOf(bob2)).toEqual({ "alice@localhost": "from" });
  });
});
