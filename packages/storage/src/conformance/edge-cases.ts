import assert from "node:assert/strict";
import { Element, parse } from "ltx";
import { StorageManager } from "../manager.js";
import type { ArchiveStore, KeyvalStore, MapStore, StorageDriver } from "../types.js";
import { REMOVE } from "../types.js";
import type { TestApi } from "./api.js";
import { collect, keys, rejectsWithCode, TEST_HOST } from "./helpers.js";

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Behaviour beyond the upstream spec: Canto's own contract, the same for every driver. */
export function edgeCases(
  t: TestApi,
  manager: () => StorageManager,
  driver: () => StorageDriver,
  archives: boolean,
): void {
  const { describe, it } = t;
  const host = TEST_HOST;

  describe("keyval (edge cases)", () => {
    let kv: KeyvalStore;
    it("keeps host-level data apart from users and lists users", async () => {
      kv = await manager().open(host, "edge-kv");
      await kv.set(undefined, { host: true });
      await kv.set("alice", { a: 1 });
      await kv.set("bob", "just a string");
      await kv.set("with:colon/and space", [1, 2]);
      assert.deepEqual(await kv.get(undefined), { host: true });
      assert.deepEqual((await collect(kv.users())).sort(), ["alice", "bob", "with:colon/and space"]);
      await kv.set(undefined, undefined);
      assert.equal(await kv.get(undefined), undefined);
    });
    it("keeps stores and hosts apart", async () => {
      const other = await manager().open(host, "edge-kv2");
      const otherHost = await manager().open("other.invalid", "edge-kv");
      assert.equal(await other.get("alice"), undefined);
      assert.equal(await otherHost.get("alice"), undefined);
      assert.deepEqual(await collect(other.users()), []);
    });
    it("gives back what went in, as a copy", async () => {
      const value = {
        n: 1.5,
        s: "é\u2603",
        b: false,
        z: null,
        list: [1, "two", { three: 3 }],
        nested: { deep: { x: [] } },
      };
      await kv.set("copy", value);
      const got = (await kv.get("copy")) as typeof value;
      assert.deepEqual(got, value);
      got.n = 99;
      assert.deepEqual(await kv.get("copy"), value);
      value.n = 42;
      assert.equal(((await kv.get("copy")) as typeof value).n, 1.5);
    });
    it("stores ltx Elements inside documents", async () => {
      const el = parse(
        "<query xmlns='jabber:iq:private'><x xmlns='urn:x'>hi &amp; bye</x></query>",
      ) as Element;
      await kv.set("private", { "urn:x": el });
      const got = (await kv.get("private")) as Record<string, unknown>;
      assert.ok(got["urn:x"] instanceof Element);
      assert.equal(String(got["urn:x"]), el.toString());
    });
    it("rejects values that cannot be stored, writing nothing", async () => {
      await kv.set("bad", { ok: true });
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const bad of [
        () => 1,
        { f: () => 1 },
        cyclic,
        { d: new Date() },
        { m: new Map() },
        [undefined],
        Number.NaN,
        { i: Number.POSITIVE_INFINITY },
        { big: 1n },
        { s: Symbol("x") },
        { "\u0000xml": "<x/>" },
      ]) {
        await rejectsWithCode(kv.set("bad", bad as never), "invalid-value");
      }
      assert.deepEqual(await kv.get("bad"), { ok: true });
    });
    it("allows shared (non-cyclic) references", async () => {
      const shared = { x: 1 };
      await kv.set("shared", { a: shared, b: shared });
      assert.deepEqual(await kv.get("shared"), { a: { x: 1 }, b: { x: 1 } });
    });
    it("rejects values over the size limit", async () => {
      await rejectsWithCode(kv.set("huge", "x".repeat(9 * 1024 * 1024)), "invalid-value");
      assert.equal(await kv.get("huge"), undefined);
    });
    it("rejects invalid user and store names", async () => {
      for (const user of ["", "a\u0000b", "line\nbreak", 42, null, "x".repeat(2000)]) {
        await rejectsWithCode(kv.get(user as never), "invalid-user");
        await rejectsWithCode(kv.set(user as never, {}), "invalid-user");
      }
      for (const store of ["", "has space", "has:colon", "a/b", "x".repeat(200), 7]) {
        await rejectsWithCode(manager().open(host, store as never), "invalid-store");
      }
      for (const h of ["", "bad host", "a\u0001"])
        await rejectsWithCode(manager().open(h, "s"), "invalid-host");
    });
  });

  describe("map (edge cases)", () => {
    let map: MapStore;
    it("sets and removes several keys at once", async () => {
      map = await manager().open(host, "edge-map", "map");
      await map.setKeys("u", { a: 1, b: { two: 2 }, c: "three" });
      await map.setKeys("u", { a: REMOVE, c: undefined, d: [4] });
      assert.equal(await map.get("u", "a"), undefined);
      assert.deepEqual(await map.get("u", "b"), { two: 2 });
      assert.deepEqual(await map.get("u", "d"), [4]);
    });
    it("writes nothing when one value in setKeys is invalid", async () => {
      await rejectsWithCode(map.setKeys("u", { b: "changed", bad: () => 1 } as never), "invalid-value");
      assert.deepEqual(await map.get("u", "b"), { two: 2 });
    });
    it("does not lose concurrent writes to one user", async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => map.set("busy", `k${i}`, i)));
      for (let i = 0; i < 20; i++) assert.equal(await map.get("busy", `k${i}`), i);
    });
    it("treats keys like __proto__ as data", async () => {
      await map.set("proto", "__proto__", { polluted: true });
      assert.deepEqual(await map.get("proto", "__proto__"), { polluted: true });
      assert.equal(await map.get("proto", "constructor"), undefined);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
    it("getAll resolves undefined when nobody has the key", async () => {
      assert.equal(await map.getAll("nobody-has-this"), undefined);
    });
    it("removing the last key removes the document", async () => {
      await map.set("lonely", "only", 1);
      await map.set("lonely", "only", undefined);
      const kv = await manager().open(host, "edge-map");
      assert.equal(await kv.get("lonely"), undefined);
    });
  });

  if (!archives) {
    describe("archive (edge cases)", () => {
      it("is refused with unsupported-store", async () => {
        await rejectsWithCode(manager().open(host, "archive", "archive"), "unsupported-store");
      });
    });
  } else {
    describe("archive (edge cases)", () => {
      let a: ArchiveStore;
      it("generates UUIDv7 keys and a default when", async () => {
        a = await manager().open(host, "edge-archive", "archive");
        const before = Date.now() / 1000;
        const k = await a.append("u", undefined, { body: "hi" });
        assert.match(k, UUIDV7);
        const item = await a.get("u", k);
        assert.deepEqual(item?.value, { body: "hi" });
        assert.equal(item?.with, undefined);
        assert.ok(item && item.when >= before - 1 && item.when <= Date.now() / 1000 + 1);
      });
      it("gives back JSON values and Elements as they went in", async () => {
        const values = [
          null,
          true,
          3.25,
          "text",
          [1, [2]],
          { nested: { el: new Element("x", { a: "1" }).t("t") } },
        ];
        for (const [i, v] of values.entries()) await a.append("values", `v${i}`, v, 100 + i, "w@x");
        const el = parse("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>");
        await a.append("values", "el", el, 200);
        const r = await a.find("values");
        assert.equal(r.items.length, values.length + 1);
        for (const [i, v] of values.entries()) {
          const got = r.items[i]!.value;
          if (i === values.length - 1) {
            const nested = (got as { nested: { el: Element } }).nested.el;
            assert.ok(nested instanceof Element);
            assert.equal(nested.toString(), '<x a="1">t</x>');
          } else assert.deepEqual(got, v);
        }
        const last = r.items.at(-1)!;
        assert.ok(last.value instanceof Element);
        assert.equal(last.value.toString(), el.toString());
        assert.equal(last.with, undefined);
        assert.equal(last.when, 200);
      });
      it("keeps fractional timestamps", async () => {
        await a.append("frac", "f", 1, 1700000000.125);
        assert.equal((await a.get("frac", "f"))?.when, 1700000000.125);
        assert.equal((await a.find("frac", { start: 1700000000.125, end: 1700000000.125 })).items.length, 1);
      });
      it("moves a replaced key to the end", async () => {
        for (const k of ["k1", "k2", "k3"]) await a.append("order", k, k, 1);
        await a.append("order", "k1", "again", 2);
        assert.deepEqual(keys(await a.find("order")), ["k2", "k3", "k1"]);
        assert.equal((await a.get("order", "k1"))?.value, "again");
      });
      it("rejects item-not-found for an unknown before/after key, empty archive or not", async () => {
        await rejectsWithCode(a.find("order", { after: "nope" }), "item-not-found");
        await rejectsWithCode(a.find("order", { before: "nope", reverse: true }), "item-not-found");
        await rejectsWithCode(a.find("nobody", { before: "nope" }), "item-not-found");
        const empty = await a.find("nobody", { total: true });
        assert.deepEqual(empty.items, []);
        assert.equal(empty.total, 0);
      });
      it("counts total after filters, ignoring before, after and limit", async () => {
        for (let i = 0; i < 10; i++) await a.append("tot", `t${i}`, i, i, i % 2 ? "odd" : "even");
        const r = await a.find("tot", { with: "odd", after: "t2", limit: 1, total: true });
        assert.deepEqual(keys(r), ["t3"]);
        assert.equal(r.total, 5);
        const zero = await a.find("tot", { limit: 0, total: true });
        assert.deepEqual(zero.items, []);
        assert.equal(zero.total, 10);
        assert.equal((await a.find("tot")).total, undefined);
        assert.deepEqual(keys(await a.find("tot", { reverse: true, limit: 2, with: "even" })), ["t8", "t6"]);
        assert.deepEqual(keys(await a.find("tot", { ids: [] })), []);
        assert.deepEqual(keys(await a.find("tot", { key: "t4" })), ["t4"]);
      });
      it("is iterable, sync and async", async () => {
        const r = await a.find("tot", { limit: 2 });
        assert.deepEqual(
          [...r].map((i) => i.key),
          ["t0", "t1"],
        );
        const seen: string[] = [];
        for await (const item of r) seen.push(item.key);
        assert.deepEqual(seen, ["t0", "t1"]);
      });
      it("ANDs delete filters", async () => {
        const n = await a.delete("tot", { with: "odd", start: 5 });
        assert.equal(n, 3); // t5, t7, t9
        assert.deepEqual(keys(await a.find("tot")), ["t0", "t1", "t2", "t3", "t4", "t6", "t8"]);
        assert.equal(await a.delete("tot", { before: "t2" }), 2);
        assert.equal(await a.delete("tot", { after: "t6", ids: ["t8", "t3"] }), 1);
        assert.deepEqual(keys(await a.find("tot")), ["t2", "t3", "t4", "t6"]);
        assert.equal(await a.delete("tot", { key: "none" }), 0);
        await rejectsWithCode(a.delete("tot", { after: "none" }), "item-not-found");
      });
      it("truncates keeping the oldest with reverse", async () => {
        for (let i = 0; i < 6; i++) await a.append("trunc", `r${i}`, i, i);
        assert.equal(await a.delete("trunc", { truncate: 2, reverse: true }), 4);
        assert.deepEqual(keys(await a.find("trunc")), ["r0", "r1"]);
        assert.equal(await a.delete("trunc", { truncate: 5 }), 0);
      });
      it("summarises per contact, with '' for items without one", async () => {
        await a.append("sum", undefined, 1, 10, "x@y");
        await a.append("sum", undefined, 1, 5, "x@y");
        await a.append("sum", undefined, 1, 7);
        const s = await a.summary("sum");
        assert.deepEqual(s.counts, { "x@y": 2, "": 1 });
        assert.deepEqual(s.earliest, { "x@y": 5, "": 7 });
        assert.deepEqual(s.latest, { "x@y": 10, "": 7 });
        assert.deepEqual((await a.summary("sum", { with: "x@y", end: 7 })).counts, { "x@y": 1 });
      });
      it("set keeps position, when and with unless given", async () => {
        await a.set("order", "k2", { changed: true });
        const item = await a.get("order", "k2");
        assert.deepEqual(item, { key: "k2", value: { changed: true }, when: 1, with: undefined });
        await a.set("order", "k2", "again", 5, "someone@x");
        assert.deepEqual(await a.get("order", "k2"), {
          key: "k2",
          value: "again",
          when: 5,
          with: "someone@x",
        });
        assert.deepEqual(keys(await a.find("order")), ["k2", "k3", "k1"]);
      });
      it("keeps host-level archives apart and lists users", async () => {
        await a.append(undefined, "h1", "host-level", 1);
        assert.deepEqual(keys(await a.find(undefined)), ["h1"]);
        const users = await collect(a.users());
        assert.ok(users.includes("order") && users.includes("values"));
        assert.ok(!users.includes(""));
        const other = await manager().open(host, "edge-archive-2", "archive");
        assert.deepEqual(keys(await other.find("order")), []);
      });
      it("appends in batches, all or nothing", async () => {
        const ks = await a.appendMany("batch", [
          { value: 1, when: 1 },
          { key: "b2", value: 2, when: 2, with: "w" },
        ]);
        assert.equal(ks.length, 2);
        assert.equal(ks[1], "b2");
        await rejectsWithCode(
          a.appendMany("batch", [{ value: 3 }, { value: (() => 1) as never }]),
          "invalid-value",
        );
        assert.equal((await a.find("batch", { total: true })).total, 2);
      });
      it("leaves an item untouched when its replacement cannot be stored", async () => {
        await a.append("keep", "same", { v: 1 }, 1, "w@x");
        await rejectsWithCode(a.append("keep", "same", { f: () => 2 } as never, 2), "invalid-value");
        await rejectsWithCode(a.set("keep", "same", [undefined] as never), "invalid-value");
        assert.deepEqual(await a.get("keep", "same"), { key: "same", value: { v: 1 }, when: 1, with: "w@x" });
      });
      it("rejects bad input", async () => {
        await rejectsWithCode(a.append("u", "", 1), "invalid-key");
        await rejectsWithCode(a.append("u", undefined, 1, Number.NaN), "invalid-query");
        await rejectsWithCode(a.append("u", undefined, { f: () => 1 } as never), "invalid-value");
        await rejectsWithCode(a.append("", undefined, 1), "invalid-user");
        await rejectsWithCode(a.append("u", "nul\u0000key", 1), "invalid-key");
        await rejectsWithCode(a.append("u", undefined, 1, 1, "bad\u0000jid"), "invalid-query");
        await rejectsWithCode(a.find("u", { before: "nul\u0000" }), "invalid-query");
        await rejectsWithCode(a.find("u", { limit: -1 }), "invalid-query");
        await rejectsWithCode(a.find("u", { ids: "x" as never }), "invalid-query");
        await rejectsWithCode(a.find("u", { start: "yesterday" as never }), "invalid-query");
        await rejectsWithCode(a.append("u", undefined, "x".repeat(9 * 1024 * 1024)), "invalid-value");
      });
      it("enforces an item quota, allowing replacement at the limit", async () => {
        const limited = new StorageManager({ drivers: { d: driver() }, storage: "d", archiveItemLimit: 3 });
        const q = await limited.open(host, "edge-quota", "archive");
        assert.equal(q.caps.quota, 3);
        for (const k of ["q1", "q2", "q3"]) await q.append("u", k, k);
        await rejectsWithCode(q.append("u", "q4", "q4"), "quota-limit");
        await q.append("u", "q1", "replaced");
        assert.deepEqual(keys(await q.find("u")), ["q2", "q3", "q1"]);
        await rejectsWithCode(q.appendMany("u", [{ key: "q2", value: 0 }, { value: 5 }]), "quota-limit");
        assert.equal((await q.get("u", "q2"))?.value, "q2");
        await q.delete("u", { key: "q3" });
        await q.append("u", "q5", "fits");
      });
    });
  }
}
