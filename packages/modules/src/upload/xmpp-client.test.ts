import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { extensionsModules } from "../extensions/index.js";
import { lendWebSocketGlobal, type Started, startServer } from "../websocket/websocket.test-helper.js";
import { uploadModules } from "./index.js";
import { NS_UPLOAD } from "./slots.js";

// End to end: a real XMPP client (@xmpp/client over WebSocket) asks for slots, and node's fetch
// moves the bytes over real HTTP. The server runs on a fake clock, moved to expire files.

lendWebSocketGlobal();

let current: (Started & { data: string }) | undefined;
let stopClient: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await stopClient?.().catch(() => undefined);
  await current?.t.stop();
  if (current !== undefined) rmSync(current.data, { recursive: true, force: true });
  current = undefined;
  stopClient = undefined;
});

const MB10 = 10 * 1024 * 1024;
const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function streamedHash(response: Response): Promise<{ hash: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { hash: hash.digest("hex"), size };
}

describe("http_file_share with @xmpp/client and fetch", () => {
  it("uploads 10 MB through a slot, downloads it identical, refuses an oversized slot, expires it", async () => {
    const data = mkdtempSync(join(tmpdir(), "canto-upload-e2e-"));
    const started = await startServer(
      // Both hosts answer to 127.0.0.1 (one site each, distinct paths), where the URLs point.
      { scram_iteration_count: 4096, http_host: "127.0.0.1" },
      {
        enabled: ["disco"],
        modules: { ...extensionsModules, ...uploadModules },
        global: {
          data_path: data,
          components: {
            "upload.localhost": {
              module: "http_file_share",
              http_host: "127.0.0.1",
              http_file_share_expires_after: "1 week",
            },
          },
        },
      },
    );
    current = { ...started, data };
    const { client, xml } = await import("@xmpp/client");
    const xmpp = client({ service: started.url, domain: "localhost", username: "alice", password: "secret" });
    xmpp.on("error", () => undefined);
    stopClient = () => xmpp.stop();
    await xmpp.start();
    // Not in Canto's typings of 0.14: the IQ caller plugin.
    const { iqCaller } = xmpp as unknown as {
      iqCaller: { request(stanza: unknown, timeout?: number): Promise<import("@xmpp/client").XmlElement> };
    };

    const info = await iqCaller.request(
      xml(
        "iq",
        { type: "get", to: "upload.localhost" },
        xml("query", { xmlns: "http://jabber.org/protocol/disco#info" }),
      ),
    );
    const maxField = info
      .getChild("query")
      ?.getChild("x", "jabber:x:data")
      ?.getChildren("field")
      .find((f) => f.attrs.var === "max-file-size");
    expect(maxField?.getChildText("value")).toBe(String(MB10));

    const ask = (filename: string, size: number) =>
      iqCaller.request(
        xml(
          "iq",
          { type: "get", to: "upload.localhost" },
          xml("request", {
            xmlns: NS_UPLOAD,
            filename,
            size: String(size),
            "content-type": "application/octet-stream",
          }),
        ),
      );

    const file = randomBytes(MB10);
    const slot = (await ask("big file.bin", MB10)).getChild("slot", NS_UPLOAD)!;
    const putUrl = String(slot.getChild("put")!.attrs.url);
    const getUrl = String(slot.getChild("get")!.attrs.url);
    const authorization = slot.getChild("put")!.getChildText("header") ?? "";
    const put = await fetch(putUrl, { method: "PUT", headers: { Authorization: authorization }, body: file });
    expect(put.status).toBe(201);

    const got = await fetch(getUrl);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-length")).toBe(String(MB10));
    expect(got.headers.get("content-disposition")).toMatch(/^attachment; filename="big file.bin"/);
    expect(await streamedHash(got)).toEqual({ hash: sha256(file), size: MB10 });

    const refused = await ask("bigger.bin", MB10 + 1).then(
      () => undefined,
      (error: { condition?: string; element?: import("@xmpp/client").XmlElement }) => error,
    );
    expect(refused?.condition).toBe("not-acceptable");
    // @xmpp's StanzaError keeps the <error/> element.
    const errorElement =
      refused?.element?.name === "error" ? refused.element : refused?.element?.getChild("error");
    const tooLarge = errorElement?.getChild("file-too-large", NS_UPLOAD);
    expect(tooLarge?.getChildText("max-file-size")).toBe(String(MB10));

    await xmpp.stop();
    stopClient = undefined;
    const files = join(data, "upload%2elocalhost", "http_file_share");
    expect(readdirSync(files)).toHaveLength(1);
    await started.t.clock.advance(8 * 86400);
    const deadline = Date.now() + 10_000;
    while (existsSync(files) && readdirSync(files).length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(readdirSync(files)).toEqual([]);
    // The daily task removes the file before its record: until the record goes too, the expired
    // file answers 410 Gone; never is it served again.
    const seen = new Set<number>();
    let status = 0;
    while (status !== 404 && Date.now() < deadline + 10_000) {
      status = (await fetch(getUrl)).status;
      seen.add(status);
      if (status !== 404) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(status).toBe(404);
    expect([...seen].every((code) => code === 404 || code === 410)).toBe(true);
  }, 30_000);
});
