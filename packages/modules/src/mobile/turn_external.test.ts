import { createHmac } from "node:crypto";
import { type CantoConfig, createTestServer, type Element, iq, type TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import turnExternal from "./turn_external.js";

let t: TestServer | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

async function server(options: Record<string, unknown>): Promise<TestServer> {
  t = await createTestServer({
    modules: { turn_external: turnExternal },
    config: { modules_enabled: ["turn_external"], hosts: { localhost: options } } as CantoConfig,
  });
  return t;
}

const services = (answer: Element, name = "services") =>
  (answer.getChild(name)?.getChildren("service") ?? []).map((s) => s.attrs as Record<string, string>);

describe("turn_external", () => {
  it("lists STUN and TURN with TURN REST credentials a coturn with the same secret accepts", async () => {
    const t = await server({
      turn_external_secret: "s3cret",
      turn_external_host: "turn.example.net",
      turn_external_ttl: 3600,
    });
    t.clock.advance(1_700_000_000 - t.clock.now());
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", to: "localhost", id: "s1" }).c("services", { xmlns: "urn:xmpp:extdisco:2" }).root(),
    );
    const answer = alice.received.find((s) => s.attrs.id === "s1")!;
    expect(answer.attrs.type).toBe("result");
    const list = services(answer);
    expect(list.map((s) => `${s.type}/${s.transport}@${s.host}:${s.port}`)).toEqual([
      "stun/udp@turn.example.net:3478",
      "turn/udp@turn.example.net:3478",
    ]);
    expect(list[0]!.username).toBeUndefined();
    const turn = list[1]!;
    const expires = Math.floor(t.clock.now()) + 3600;
    expect(turn.username).toBe(String(expires));
    expect(turn.restricted).toBe("1");
    expect(Date.parse(turn.expires!) / 1000).toBe(expires);
    // What coturn does with use-auth-secret: HMAC-SHA1 of the username under the shared secret.
    expect(turn.password).toBe(createHmac("sha1", "s3cret").update(String(expires)).digest("base64"));
    // The known vector: HMAC-SHA1("s3cret", "1700003600").
    expect(turn.password).toBe("hkHv/K58ZdACCJ9F4MWT46M317I=");
  });

  it("adds TCP and TURNS entries, filters by type, names turn_external_user, and answers <credentials/>", async () => {
    const t = await server({
      turn_external_secret: "k",
      turn_external_tcp: true,
      turn_external_tls_port: 5349,
      turn_external_user: "bot",
    });
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", to: "localhost", id: "a" }).c("services", { xmlns: "urn:xmpp:extdisco:2" }).root(),
    );
    const all = services(alice.received.find((s) => s.attrs.id === "a")!);
    expect(all.map((s) => `${s.type}/${s.transport}:${s.port}`)).toEqual([
      "stun/udp:3478",
      "turn/udp:3478",
      "stun/tcp:3478",
      "turn/tcp:3478",
      "turns/tcp:5349",
    ]);
    expect(all[1]!.username).toMatch(/^\d+:bot$/);
    await alice.process(
      iq({ type: "get", to: "localhost", id: "b" })
        .c("services", { xmlns: "urn:xmpp:extdisco:2", type: "turns" })
        .root(),
    );
    expect(services(alice.received.find((s) => s.attrs.id === "b")!).map((s) => s.type)).toEqual(["turns"]);
    const credentials = iq({ type: "get", to: "localhost", id: "c" }).c("credentials", {
      xmlns: "urn:xmpp:extdisco:2",
    });
    credentials.c("service", { type: "turn", host: "localhost", port: "3478" });
    credentials.c("service", { type: "stun", host: "localhost" });
    credentials.c("service", { type: "turn", host: "elsewhere.example" });
    await alice.process(credentials.root());
    const granted = services(alice.received.find((s) => s.attrs.id === "c")!, "credentials");
    expect(granted.map((s) => `${s.type}/${s.transport}`)).toEqual(["turn/udp", "turn/tcp"]);
    const { username, password } = granted[0]!;
    expect(password).toBe(createHmac("sha1", "k").update(username!).digest("base64"));
  });

  it("serves nothing without a secret", async () => {
    const t = await server({});
    const alice = t.connect("alice@localhost/phone");
    await alice.process(
      iq({ type: "get", to: "localhost", id: "n" }).c("services", { xmlns: "urn:xmpp:extdisco:2" }).root(),
    );
    const answer = alice.received.find((s) => s.attrs.id === "n")!;
    expect(answer.attrs.type).toBe("error");
    expect(t.server.host("localhost")?.modules.get("turn_external")?.getStatus().type).toBe("error");
  });
});
