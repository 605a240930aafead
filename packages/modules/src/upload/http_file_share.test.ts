import { existsSync, readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { iq } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { request } from "../http/http.test-helper.js";
import { NS_UPLOAD } from "./slots.js";
import {
  ask,
  COMPONENT,
  outcome,
  type Share,
  slotOf,
  slotRequest,
  startShare,
} from "./upload.test-helper.js";

let share: Share | undefined;
afterEach(async () => {
  await share?.stop();
  share = undefined;
});

const DAY = 86400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const filesDir = (s: Share) => join(s.data, "upload%2elocalhost", "http_file_share");
const storedFiles = (s: Share) => (existsSync(filesDir(s)) ? readdirSync(filesDir(s)) : []);

async function grant(s: Share, filename: string, size: number, type?: string) {
  const alice = s.t.connect("alice@localhost/phone");
  return slotOf(await ask(alice, slotRequest(filename, size, type)));
}

describe("http_file_share slots", () => {
  it("announces the service in disco#info with the max-file-size form", async () => {
    share = await startShare({ http_file_share_size_limit: 1234 });
    const alice = share.t.connect("alice@localhost/phone");
    const info = iq({ id: "d1", type: "get", to: COMPONENT });
    info.c("query", { xmlns: "http://jabber.org/protocol/disco#info" });
    const answer = await ask(alice, info);
    const query = answer.getChild("query")!;
    expect(query.getChild("identity")?.attrs).toMatchObject({ category: "store", type: "file" });
    expect(query.getChildren("feature").map((f) => f.attrs.var)).toContain(NS_UPLOAD);
    const form = query.getChild("x", "jabber:x:data")!;
    const field = (name: string) => form.getChildren("field").find((f) => f.attrs.var === name);
    expect(field("FORM_TYPE")?.getChildText("value")).toBe(NS_UPLOAD);
    expect(field("max-file-size")?.getChildText("value")).toBe("1234");
  });

  it("grants a slot with PUT and GET URLs on the component's HTTP host and a Bearer token", async () => {
    share = await startShare();
    const slot = await grant(share, "my photo.jpg", 10, "image/jpeg");
    expect(slot.put).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${share.port}/file_share/[\\w-]+/my%20photo\\.jpg$`),
    );
    expect(slot.get).toBe(slot.put);
    expect(slot.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("refuses a file over the limit with file-too-large and the limit", async () => {
    share = await startShare({ http_file_share_size_limit: 100 });
    const alice = share.t.connect("alice@localhost/phone");
    const answer = await ask(alice, slotRequest("big.bin", 101));
    expect(outcome(answer)).toBe("modify/not-acceptable");
    const tooLarge = answer.getChild("error")?.getChild("file-too-large", NS_UPLOAD);
    expect(tooLarge?.getChildText("max-file-size")).toBe("100");
    expect(outcome(await ask(alice, slotRequest("ok.bin", 100)))).toBe("result");
  });

  it("refuses a bad filename or size (bad-request) and a type not allowed (not-acceptable)", async () => {
    share = await startShare({ http_file_share_allowed_file_types: ["image/*", "text/plain"] });
    const alice = share.t.connect("alice@localhost/phone");
    expect(outcome(await ask(alice, slotRequest("../etc/passwd", 5)))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, slotRequest(undefined, 5)))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, slotRequest("a.txt", -1)))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, slotRequest("a.txt", "1.5")))).toBe("modify/bad-request");
    expect(outcome(await ask(alice, slotRequest("a.html", 5, "text/html")))).toBe("modify/not-acceptable");
    expect(outcome(await ask(alice, slotRequest("a.png", 5, "image/png")))).toBe("result");
    expect(outcome(await ask(alice, slotRequest("a.txt", 5, "text/plain")))).toBe("result");
  });

  it("refuses users not in http_file_share_access with forbidden", async () => {
    share = await startShare({ http_file_share_access: ["bob@localhost"] });
    const alice = share.t.connect("alice@localhost/phone");
    const bob = share.t.connect("bob@localhost/phone");
    expect(outcome(await ask(alice, slotRequest("a.txt", 5)))).toBe("auth/forbidden");
    expect(outcome(await ask(bob, slotRequest("a.txt", 5)))).toBe("result");
  });

  it("keeps a daily quota per user, counted over the last 24 hours", async () => {
    share = await startShare({ http_file_share_daily_quota: 100 });
    const alice = share.t.connect("alice@localhost/phone");
    const bob = share.t.connect("bob@localhost/phone");
    expect(outcome(await ask(alice, slotRequest("a", 60)))).toBe("result");
    expect(outcome(await ask(alice, slotRequest("b", 60)))).toBe("wait/resource-constraint");
    expect(outcome(await ask(bob, slotRequest("b", 60)))).toBe("result");
    await share.t.clock.advance(DAY + 1);
    expect(outcome(await ask(alice, slotRequest("b", 60)))).toBe("result");
  });

  it("keeps a global quota over every file on record, freed when files expire", async () => {
    share = await startShare({ http_file_share_global_quota: 100, http_file_share_expires_after: "1 day" });
    const alice = share.t.connect("alice@localhost/phone");
    const bob = share.t.connect("bob@localhost/phone");
    expect(outcome(await ask(alice, slotRequest("a", 60)))).toBe("result");
    expect(outcome(await ask(bob, slotRequest("b", 60)))).toBe("wait/resource-constraint");
    await share.t.clock.advance(2 * DAY);
    const deadline = Date.now() + 10_000;
    while (share.api.usage() > 0 && Date.now() < deadline) await sleep(10);
    expect(share.api.usage()).toBe(0);
    expect(outcome(await ask(bob, slotRequest("b", 60)))).toBe("result");
  });
});

describe("http_file_share over HTTP", () => {
  it("stores a PUT and serves it with type, length, disposition, ETag and ranges", async () => {
    share = await startShare();
    const slot = await grant(share, 'notes "v2".txt', 11, "text/plain");
    const put = await fetch(slot.put, {
      method: "PUT",
      headers: { Authorization: slot.authorization, "Content-Type": "text/plain" },
      body: "hello world",
    });
    expect(put.status).toBe(201);
    const got = await fetch(slot.get);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe("hello world");
    expect(got.headers.get("content-type")).toBe("text/plain");
    expect(got.headers.get("content-length")).toBe("11");
    expect(got.headers.get("content-disposition")).toBe(
      "inline; filename=\"notes _v2_.txt\"; filename*=UTF-8''notes%20%22v2%22.txt",
    );
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    const etag = got.headers.get("etag")!;
    expect((await fetch(slot.get, { headers: { "If-None-Match": etag } })).status).toBe(304);
    const part = await fetch(slot.get, { headers: { Range: "bytes=6-" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 6-10/11");
    expect(await part.text()).toBe("world");
    expect((await fetch(slot.get, { headers: { Range: "bytes=11-" } })).status).toBe(416);
    const head = await fetch(slot.get, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe("11");
  });

  it("serves other types as attachments", async () => {
    share = await startShare();
    const slot = await grant(share, "page.html", 4, "text/html");
    await fetch(slot.put, { method: "PUT", headers: { Authorization: slot.authorization }, body: "<p/>" });
    const got = await fetch(slot.get);
    expect(got.headers.get("content-type")).toBe("text/html");
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; filename="page.html"/);
  });

  it("answers 404 for an unknown slot or one not uploaded yet", async () => {
    share = await startShare();
    const slot = await grant(share, "a.txt", 3);
    expect((await fetch(slot.get)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${share.port}/file_share/nosuchslot/a.txt`)).status).toBe(404);
  });

  it("refuses bad PUTs with the right status and writes nothing", async () => {
    share = await startShare();
    const slot = await grant(share, "a.txt", 5);
    const other = await grant(share, "b.txt", 5);
    const put = (url: string, headers: Record<string, string>, body = "12345") =>
      fetch(url, { method: "PUT", headers, body }).then((r) => r.status);

    const noAuth = await fetch(slot.put, { method: "PUT", body: "12345" });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get("www-authenticate")).toBe("Bearer");
    // A token signed with another secret, and one altered to claim a bigger file.
    const [header, payload] = slot.authorization.slice(7).split(".");
    expect(await put(slot.put, { Authorization: `Bearer ${header}.${payload}.AAAA` })).toBe(401);
    // Wrong length: more and fewer bytes than the slot's size.
    expect(await put(slot.put, { Authorization: slot.authorization }, "123456")).toBe(413);
    expect(await put(slot.put, { Authorization: slot.authorization }, "1234")).toBe(413);
    // The token of one slot used on another slot's path, and paths outside the store.
    expect(await put(other.put, { Authorization: slot.authorization })).toBe(400);
    const base = `http://127.0.0.1:${share.port}/file_share/`;
    expect(await put(`${base}..%2F..%2Fevil/a.txt`, { Authorization: slot.authorization })).toBe(400);
    // A literal `..` (sent raw: fetch would resolve it) leaves the app's path: no route, 404.
    const raw = await request(share.port, "/file_share/../../evil/a.txt", {
      method: "PUT",
      host: "127.0.0.1",
      headers: { Authorization: slot.authorization },
      body: "12345",
    });
    expect(raw.status).toBe(404);
    expect(existsSync(join(share.data, "evil"))).toBe(false);
    expect(storedFiles(share)).toEqual([]);

    expect(await put(slot.put, { Authorization: slot.authorization })).toBe(201);
    // Used once: a second PUT to the same slot is a conflict, and the first file stays.
    expect(await put(slot.put, { Authorization: slot.authorization }, "abcde")).toBe(409);
    expect(await (await fetch(slot.get)).text()).toBe("12345");
    expect(storedFiles(share)).toHaveLength(1);
  });

  it("answers a large refused PUT before its body is sent, and the client sees the status", async () => {
    share = await startShare({ http_file_share_size_limit: 8 * 1024 * 1024 });
    const slot = await grant(share, "a.bin", 8 * 1024 * 1024);
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const wrong = await fetch(slot.put, { method: "PUT", headers: { Authorization: "Bearer x.y.z" }, body });
    expect(wrong.status).toBe(401);
    expect(storedFiles(share)).toEqual([]);
    const right = await fetch(slot.put, {
      method: "PUT",
      headers: { Authorization: slot.authorization },
      body,
    });
    expect(right.status).toBe(201);
  });

  it("keeps nothing of an upload whose client goes away midway", async () => {
    share = await startShare();
    const slot = await grant(share, "a.bin", 100_000);
    const url = new URL(slot.put);
    const req = httpRequest({
      host: "127.0.0.1",
      port: share.port,
      path: url.pathname,
      method: "PUT",
      headers: { Authorization: slot.authorization, "Content-Length": "100000" },
    });
    req.on("error", () => undefined);
    req.write(Buffer.alloc(50_000));
    await sleep(50);
    expect(storedFiles(share)).toEqual([`${url.pathname.split("/")[2]}.part`]);
    req.destroy();
    const deadline = Date.now() + 10_000;
    while (storedFiles(share).length > 0 && Date.now() < deadline) await sleep(10);
    expect(storedFiles(share)).toEqual([]);
    // The slot is still free for a complete upload.
    const body = Buffer.alloc(100_000, 1);
    const again = await fetch(slot.put, {
      method: "PUT",
      headers: { Authorization: slot.authorization },
      body,
    });
    expect(again.status).toBe(201);
  });

  it("refuses a PUT after the token's five minutes (410)", async () => {
    share = await startShare();
    const slot = await grant(share, "a.txt", 5);
    await share.t.clock.advance(301);
    expect(
      (
        await fetch(slot.put, {
          method: "PUT",
          headers: { Authorization: slot.authorization },
          body: "12345",
        })
      ).status,
    ).toBe(410);
    expect(storedFiles(share)).toEqual([]);
  });

  it("refuses a chunked body longer than the slot and keeps nothing of it", async () => {
    share = await startShare();
    const slot = await grant(share, "a.txt", 5);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("123"));
        controller.enqueue(new TextEncoder().encode("456789"));
        controller.close();
      },
    });
    const response = await fetch(slot.put, {
      method: "PUT",
      headers: { Authorization: slot.authorization },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(storedFiles(share)).toEqual([]);
  });

  it("removes expired files in the daily task", async () => {
    share = await startShare({ http_file_share_expires_after: "2 days" });
    const slot = await grant(share, "a.txt", 5);
    await fetch(slot.put, { method: "PUT", headers: { Authorization: slot.authorization }, body: "12345" });
    await share.t.clock.advance(DAY);
    expect((await fetch(slot.get)).status).toBe(200);
    await share.t.clock.advance(2 * DAY);
    // The task's file and store work is real I/O: it may end after the clock's timers settled.
    const deadline = Date.now() + 10_000;
    while (storedFiles(share).length > 0 && Date.now() < deadline) await sleep(10);
    expect(storedFiles(share)).toEqual([]);
    expect((await fetch(slot.get)).status).toBe(404);
  });
});
