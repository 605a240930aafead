import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { DiskFileStore } from "./file-store.js";

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => {
  dir = mkdtempSync(join(tmpdir(), "canto-files-"));
  return new DiskFileStore(join(dir, "files"));
};
const chunks = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe("DiskFileStore", () => {
  it("stores exactly the announced bytes and reads them back, whole or a range", async () => {
    const store = fresh();
    await store.put("slot1", chunks("hello ", "world"), 11);
    expect(readFileSync(join(dir, "files", "slot1"), "utf8")).toBe("hello world");
    expect((await store.stat("slot1"))?.size).toBe(11);
    const part: Buffer[] = [];
    for await (const chunk of store.read("slot1", { start: 6, end: 10 })) part.push(chunk as Buffer);
    expect(Buffer.concat(part).toString()).toBe("world");
  });

  it("refuses more or fewer bytes than announced and leaves nothing", async () => {
    const store = fresh();
    await expect(store.put("big", chunks("12345", "6"), 5)).rejects.toMatchObject({ code: "file-too-large" });
    await expect(store.put("short", chunks("123"), 5)).rejects.toMatchObject({ code: "file-incomplete" });
    expect(readdirSync(join(dir, "files"))).toEqual([]);
  });

  it("leaves nothing when the source fails midway", async () => {
    const store = fresh();
    const source = new Readable({ read() {} });
    const put = store.put("cut", source, 10);
    source.push("12345");
    setTimeout(() => source.destroy(new Error("client went away")), 10);
    await expect(put).rejects.toThrow("client went away");
    expect(readdirSync(join(dir, "files"))).toEqual([]);
  });

  it("refuses a second upload of the same id, and one while the first is running", async () => {
    const store = fresh();
    const slow = new Readable({ read() {} });
    const first = store.put("s", slow, 3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.put("s", chunks("abc"), 3)).rejects.toMatchObject({ code: "file-busy" });
    // Not visible until complete.
    expect(await store.stat("s")).toBeUndefined();
    slow.push("abc");
    slow.push(null);
    await first;
    await expect(store.put("s", chunks("xyz"), 3)).rejects.toMatchObject({ code: "file-exists" });
    expect(readFileSync(join(dir, "files", "s"), "utf8")).toBe("abc");
  });

  it("refuses ids that could name a path outside the store", async () => {
    const store = fresh();
    for (const id of ["../x", "a/b", "..", "", "a.b", "%2e%2e"]) {
      await expect(store.put(id, chunks("x"), 1)).rejects.toMatchObject({ code: "invalid-file-id" });
      expect(() => store.read(id)).toThrow(/not a file id/);
    }
    expect(existsSync(join(dir, "x"))).toBe(false);
  });

  it("deletes a file and reports a missing one", async () => {
    const store = fresh();
    await store.put("d", chunks("x"), 1);
    expect(await store.delete("d")).toBe(true);
    expect(await store.delete("d")).toBe(false);
  });
});
