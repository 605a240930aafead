import assert from "node:assert/strict";
import type { StorageManager } from "../manager.js";
import type { ArchiveStore, KeyvalPlusStore, KeyvalStore, MapStore } from "../types.js";
import type { TestApi } from "./api.js";
import { assertTestStanza, keys, rejectsWithCode, TEST_HOST, testStanza } from "./helpers.js";

/**
 * A port of Prosody's spec/core_storagemanager_spec.lua (keyval, map, keyval+ and archive
 * blocks). Tests in a block depend on the ones before them and run in order.
 */
export function prosodyPort(t: TestApi, manager: () => StorageManager, archives: boolean): void {
  const { describe, it } = t;
  const host = TEST_HOST;

  describe("keyval stores (Prosody spec)", () => {
    let store: KeyvalStore;
    const data = { foo: "bar" };
    it("may be opened", async () => {
      store = await manager().open(host, "test");
      assert.ok(store);
    });
    it("may set data for a user", async () => {
      assert.equal(await store.set("user9999", data), true);
    });
    it("may get data for a user", async () => {
      assert.deepEqual(await store.get("user9999"), data);
    });
    it("may remove data for a user", async () => {
      assert.equal(await store.set("user9999", undefined), true);
      assert.equal(await store.get("user9999"), undefined);
    });
  });

  describe("map stores (Prosody spec)", () => {
    let store: MapStore;
    let kv: KeyvalStore;
    it("may be opened", async () => {
      store = await manager().open(host, "test-map", "map");
      assert.ok(store);
    });
    it("may be opened as a keyval store", async () => {
      kv = await manager().open(host, "test-map", "keyval");
      assert.ok(kv);
    });
    it("may set a specific key for a user", async () => {
      assert.equal(await store.set("user9999", "foo", "bar"), true);
      assert.deepEqual(await kv.get("user9999"), { foo: "bar" });
    });
    it("may get a specific key for a user", async () => {
      assert.equal(await store.get("user9999", "foo"), "bar");
    });
    it("may find all users with a specific key", async () => {
      await store.set("user9999b", "bar", "bar");
      await store.set("user9999c", "foo", "blah");
      assert.deepEqual(await store.getAll("foo"), { user9999: "bar", user9999c: "blah" });
    });
    it("rejects empty or non-string keys to getAll", async () => {
      await rejectsWithCode(store.getAll(""), "invalid-key");
      await rejectsWithCode(store.getAll(true as never), "invalid-key");
    });
    it("rejects empty or non-string keys to deleteAll", async () => {
      await rejectsWithCode(store.deleteAll(""), "invalid-key");
      await rejectsWithCode(store.deleteAll(true as never), "invalid-key");
    });
    it("may delete all instances of a specific key", async () => {
      await store.set("user9999b", "foo", "hello");
      await store.deleteAll("bar");
      assert.equal(await store.get("user9999b", "bar"), undefined);
      assert.equal(await store.get("user9999", "foo"), "bar");
      assert.equal(await store.get("user9999b", "foo"), "hello");
      assert.equal(await store.get("user9999c", "foo"), "blah");
    });
    it("may set and remove several keys at once, answering true", async () => {
      assert.equal(await store.setKeys("user9999d", { a: 1, b: 2 }), true);
      assert.equal(await store.setKeys("user9999d", { a: undefined, b: undefined }), true);
      assert.equal(await store.get("user9999d", "a"), undefined);
    });
    it("may remove data for a specific key for a user", async () => {
      assert.equal(await store.set("user9999", "foo", undefined), true);
      assert.equal(await store.get("user9999", "foo"), undefined);
      await store.set("user9999b", "foo", undefined);
      assert.equal(await store.get("user9999b", "foo"), undefined);
    });
  });

  describe("keyval+ stores (Prosody spec)", () => {
    let store: KeyvalPlusStore;
    let kv: KeyvalStore;
    let map: MapStore;
    const data = { foo: "bar" };
    it("may be opened", async () => {
      store = await manager().open(host, "test-kv+", "keyval+");
      assert.ok(store);
    });
    it("may set data for a user", async () => {
      assert.equal(await store.set("user9999", data), true);
    });
    it("may get data for a user", async () => {
      assert.deepEqual(await store.get("user9999"), data);
    });
    it("may be opened as a keyval store", async () => {
      kv = await manager().open(host, "test-kv+", "keyval");
      assert.deepEqual(await kv.get("user9999"), data);
    });
    it("may be opened as a map store", async () => {
      map = await manager().open(host, "test-kv+", "map");
      assert.equal(await map.get("user9999", "foo"), "bar");
    });
    it("may remove data for a user", async () => {
      assert.equal(await store.set("user9999", undefined), true);
      assert.equal(await store.get("user9999"), undefined);
    });
    it("may set a specific key for a user", async () => {
      assert.equal(await store.setKey("user9999", "foo", "bar"), true);
      assert.equal(await store.setKeys("user9999e", { x: 1 }), true);
      assert.equal(await store.setKeys("user9999e", { x: undefined }), true);
      assert.deepEqual(await kv.get("user9999"), { foo: "bar" });
    });
    it("may get a specific key for a user", async () => {
      assert.equal(await store.getKey("user9999", "foo"), "bar");
    });
    it("may find all users with a specific key", async () => {
      await store.setKey("user9999b", "bar", "bar");
      await store.setKey("user9999c", "foo", "blah");
      assert.deepEqual(await store.getKeyFromAll("foo"), { user9999: "bar", user9999c: "blah" });
    });
    it("rejects empty or non-string keys to getKeyFromAll", async () => {
      await rejectsWithCode(store.getKeyFromAll(""), "invalid-key");
      await rejectsWithCode(store.getKeyFromAll(true as never), "invalid-key");
    });
    it("rejects empty or non-string keys to deleteKeyFromAll", async () => {
      await rejectsWithCode(store.deleteKeyFromAll(""), "invalid-key");
      await rejectsWithCode(store.deleteKeyFromAll(true as never), "invalid-key");
    });
    it("may delete all instances of a specific key", async () => {
      await store.setKey("user9999b", "foo", "hello");
      await store.deleteKeyFromAll("bar");
      assert.equal(await store.getKey("user9999b", "bar"), undefined);
      assert.equal(await store.getKey("user9999", "foo"), "bar");
      assert.equal(await store.getKey("user9999b", "foo"), "hello");
      assert.equal(await store.getKey("user9999c", "foo"), "blah");
    });
    it("may remove data for a specific key for a user", async () => {
      await store.setKey("user9999", "foo", undefined);
      assert.equal(await store.getKey("user9999", "foo"), undefined);
      await store.setKey("user9999b", "foo", undefined);
      assert.equal(await store.getKey("user9999b", "foo"), undefined);
    });
  });

  if (!archives) return;

  describe("archive stores (Prosody spec)", () => {
    let archive: ArchiveStore;
    const stanza = testStanza();
    const T = 1539204123;
    const data: { key: string; when: number; with: string }[] = [
      { key: "", when: T - 3, with: "contact@example.com" },
      { key: "", when: T - 2, with: "contact2@example.com" },
      { key: "", when: T - 1, with: "contact2@example.com" },
      { key: "", when: T, with: "contact2@example.com" },
      { key: "", when: T + 1, with: "contact3@example.com" },
      { key: "", when: T + 2, with: "contact3@example.com" },
      { key: "", when: T + 3, with: "contact3@example.com" },
    ];
    const key = (i: number) => data[i - 1]!.key; // 1-based, as upstream

    it("can be opened", async () => {
      archive = await manager().open(host, "test-archive", "archive");
      assert.ok(archive);
    });

    it("can be added to", async () => {
      for (const d of data) {
        d.key = await archive.append("user", undefined, stanza, d.when, d.with);
        assert.ok(d.key);
      }
    });

    describe("can be queried", () => {
      it("for all items", async () => {
        const r = await archive.find("user", {});
        assert.equal(r.items.length, data.length);
        r.items.forEach((item, i) => {
          assert.ok(item.key);
          assertTestStanza(item.value);
          assert.equal(item.when, data[i]!.when);
        });
      });
      it("reports total count", async () => {
        assert.equal((await archive.find("user", { total: true })).total, data.length);
      });
      it("by JID", async () => {
        const r = await archive.find("user", { with: "contact@example.com" });
        assert.equal(r.items.length, 1);
        assertTestStanza(r.items[0]!.value);
        assert.equal(r.items[0]!.when, T - 3);
      });
      it("by time (end)", async () => {
        const r = await archive.find("user", { end: T });
        assert.equal(r.items.length, 4);
        for (const item of r.items) {
          assertTestStanza(item.value);
          assert.ok(item.when <= T);
        }
      });
      it("by time (start)", async () => {
        const r = await archive.find("user", { start: T });
        assert.equal(r.items.length, data.length - 3);
        for (const item of r.items) assert.ok(item.when >= T);
      });
      it("by time (start before first item)", async () => {
        const r = await archive.find("user", { start: T - 5 });
        assert.equal(r.items.length, data.length);
      });
      it("by time (start after last item)", async () => {
        const r = await archive.find("user", { start: T + 5 });
        assert.equal(r.items.length, 0);
      });
      it("by time (start+end)", async () => {
        const r = await archive.find("user", { start: T - 1, end: T + 2 });
        assert.equal(r.items.length, 4);
        for (const item of r.items) assert.ok(item.when >= T - 1 && item.when <= T + 2);
      });
      it("by id (after)", async () => {
        const r = await archive.find("user", { after: key(2) });
        assert.deepEqual(keys(r), [3, 4, 5, 6, 7].map(key));
        for (const item of r.items) assertTestStanza(item.value);
      });
      it("by id (before)", async () => {
        const r = await archive.find("user", { before: key(4) });
        assert.deepEqual(keys(r), [1, 2, 3].map(key));
      });
      it("by id (before and after)", async () => {
        assert.ok(archive.caps.full_id_range);
        const r = await archive.find("user", { after: key(1), before: key(4) });
        assert.deepEqual(keys(r), [2, 3].map(key));
      });
      it("by multiple ids", async () => {
        assert.ok(archive.caps.ids);
        const r = await archive.find("user", { ids: [key(2), key(4)] });
        assert.deepEqual(keys(r), [2, 4].map(key));
      });
      it("can be queried in reverse", async () => {
        const r = await archive.find("user", { reverse: true, limit: 3 });
        assert.deepEqual(keys(r), [7, 6, 5].map(key));
      });
      it("by id (before and after) in reverse", async () => {
        const r = await archive.find("user", { after: key(1), before: key(4), reverse: true });
        assert.deepEqual(keys(r), [3, 2].map(key));
      });
    });

    it("can selectively delete items", async () => {
      const before = await archive.find("user", {});
      assert.equal(before.items.length, data.length);
      const doomed = before.items[1]!.key;
      assert.equal(await archive.delete("user", { key: doomed }), 1);
      const after = await archive.find("user", {});
      assert.equal(after.items.length, data.length - 1);
      assert.ok(!keys(after).includes(doomed));
    });

    it("can be purged", async () => {
      assert.equal(await archive.delete("user"), data.length - 1);
      assert.equal((await archive.find("user", { with: "contact@example.com" })).items.length, 0);
    });

    it("can truncate the oldest items", async () => {
      for (let i = 1; i <= 10; i++)
        await archive.append("user-truncate", undefined, stanza, i, "contact@example.com");
      assert.equal(await archive.delete("user-truncate", { truncate: 3 }), 7);
      const r = await archive.find("user-truncate", {});
      assert.equal(r.items.length, 3);
      for (const item of r.items) {
        assertTestStanza(item.value);
        assert.ok(item.when > 7);
      }
    });

    it("overwrites existing keys with new data", async () => {
      const prefix = "a".repeat(50);
      const a1 = await archive.append("user-overwrite", `${prefix}-1`, stanza, T, "contact@example.com");
      const a2 = await archive.append("user-overwrite", `${prefix}-2`, stanza, T, "contact@example.com");
      assert.deepEqual(keys(await archive.find("user-overwrite", {})), [a1, a2]);
      const changed = testStanza();
      changed.attrs.foo = "bar";
      await archive.append("user-overwrite", a2, changed, T + 1, "contact2@example.com");
      const r = await archive.find("user-overwrite", {});
      assert.deepEqual(keys(r), [a1, a2]);
      assert.equal(r.items[1]!.when, T + 1);
      assert.equal((r.items[1]!.value as typeof changed).attrs.foo, "bar");
    });

    it("can contain multiple long unique keys (Prosody issue 1073)", async () => {
      const prefix = "a".repeat(50);
      await archive.append("user-issue1073", `${prefix}-1`, stanza, T, "contact@example.com");
      await archive.append("user-issue1073", `${prefix}-2`, stanza, T, "contact@example.com");
      const r = await archive.find("user-issue1073", {});
      assert.equal(r.items.length, 2);
      for (const item of r.items) assertTestStanza(item.value);
      assert.equal(await archive.delete("user-issue1073"), 2);
    });

    it("can be treated as a map store", async () => {
      assert.equal(await archive.get("mapuser", "no-such-id"), undefined);
      await rejectsWithCode(archive.set("mapuser", "no-such-id", stanza), "item-not-found");
      const id = await archive.append("mapuser", undefined, stanza, T, "contact@example.com");
      const got = await archive.get("mapuser", id);
      assert.equal(String(got?.value), stanza.toString());
      assert.equal(got?.when, T);
      assert.equal(got?.with, "contact@example.com");
      const replacement = testStanza();
      replacement.children = [];
      replacement.c("bar");
      await archive.set("mapuser", id, replacement, T + 1);
      const replaced = await archive.get("mapuser", id);
      assert.equal(String(replaced?.value), replacement.toString());
      assert.equal(replaced?.when, T + 1);
      assert.equal(replaced?.with, "contact@example.com");
    });

    it("the summary api works", async () => {
      await archive.delete("summary-user");
      await archive.append("summary-user", undefined, stanza, T, "contact@example.com");
      await archive.append("summary-user", undefined, stanza, T + 1, "contact@example.com");
      const s = await archive.summary("summary-user");
      assert.deepEqual(s.counts, { "contact@example.com": 2 });
      assert.deepEqual(s.earliest, { "contact@example.com": T });
      assert.deepEqual(s.latest, { "contact@example.com": T + 1 });
    });
  });
}
