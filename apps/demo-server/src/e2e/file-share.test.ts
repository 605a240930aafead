// XEP-0363 file sharing on `canto start`: a TCP client (STARTTLS, SCRAM) asks the upload
// component for slots; node's fetch uploads and downloads over the server's HTTP port.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { connect, iqErrorCondition, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES } from "./harness.js";

const NS = "urn:xmpp:http:upload:0";
const LIMIT = 4 * 1024 * 1024;

describe("http_file_share on the demo server", () => {
  const t = serverFixture(
    {
      http_ports: [0],
      modules_enabled: [...LOGIN_MODULES, "http", "disco"],
      hosts: { localhost: {} },
      components: {
        // 127.0.0.1 as its HTTP name, so that the slot URLs need no DNS.
        "upload.localhost": {
          module: "http_file_share",
          http_host: "127.0.0.1",
          http_file_share_size_limit: LIMIT,
        },
      },
    },
    { users: ["alice@localhost"], cleanExit: true },
  );

  it("grants a slot, stores the PUT, serves it identical, and refuses an oversized slot", {
    timeout: 60_000,
  }, async () => {
    const alice = t.track(await connect({ port: t.server.port, username: "alice", password: "alice-pw" }));
    const request = (filename: string, size: number) =>
      alice.iq("get", "upload.localhost", xml("request", { xmlns: NS, filename, size: String(size) }));

    const file = randomBytes(LIMIT);
    const slot = (await request("photo.jpg", LIMIT)).getChild("slot", NS)!;
    const put = slot.getChild("put")!;
    const stored = await fetch(String(put.attrs.url), {
      method: "PUT",
      headers: { Authorization: put.getChildText("header") ?? "" },
      body: file,
    });
    expect(stored.status).toBe(201);
    const got = await fetch(String(slot.getChild("get")!.attrs.url));
    expect(got.status).toBe(200);
    const body = Buffer.from(await got.arrayBuffer());
    expect(createHash("sha256").update(body).digest("hex")).toBe(
      createHash("sha256").update(file).digest("hex"),
    );

    expect(await iqErrorCondition(request("bigger.bin", LIMIT + 1))).toBe("not-acceptable");
    // The same slot cannot take a second upload.
    const again = await fetch(String(put.attrs.url), {
      method: "PUT",
      headers: { Authorization: put.getChildText("header") ?? "" },
      body: file,
    });
    expect(again.status).toBe(409);
  });
});
