// A browser-style client over WebSocket (RFC 7395) and an external component (XEP-0114, written
// with @xmpp/component) against `canto start`: they talk to each other and to a TCP client.
import { component } from "@xmpp/component";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { connect, type XmlElement, xml } from "./clients.js";
import { serverFixture } from "./fixture.js";
import { LOGIN_MODULES } from "./harness.js";

// @xmpp/websocket uses the global WebSocket, which Node 20 only has behind a flag: lend it ws's.
const globals = globalThis as { WebSocket?: unknown };
const previous = globals.WebSocket;
beforeAll(() => {
  globals.WebSocket ??= WebSocket;
});
afterAll(() => {
  globals.WebSocket = previous;
});

const GATEWAY = "gateway.localhost";

/** Resolves with the first stanza `emitter` emits that matches. */
function next(
  emitter: { on(event: "stanza", fn: (s: XmlElement) => void): void; off?: unknown },
  match: (s: XmlElement) => boolean,
  what: string,
): Promise<XmlElement> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10_000);
    emitter.on("stanza", (stanza) => {
      if (!match(stanza)) return;
      clearTimeout(timer);
      resolve(stanza);
    });
  });
}

describe("WebSocket client and external component on the demo server", () => {
  const t = serverFixture(
    {
      http_ports: [0],
      component_ports: [0],
      // Loopback only, as in the demo's defaults: a browser on this machine may use plain ws://.
      consider_websocket_secure: true,
      modules_enabled: [...LOGIN_MODULES, "http", "websocket"],
      hosts: { localhost: {} },
      components: { [GATEWAY]: { component_secret: "gateway-secret" } },
    },
    { users: ["alice@localhost", "bob@localhost"], cleanExit: true },
  );
  const portOf = (key: "http" | "components") => {
    const record = t.server.logs.find((r) => Array.isArray(r[key]));
    const port = (record?.[key] as { port: number }[] | undefined)?.[0]?.port;
    if (port === undefined) throw new Error(`no ${key} listener in the start-up log`);
    return port;
  };

  it("logs in over ws://, chats with a TCP client and with a component", { timeout: 60_000 }, async () => {
    const { client } = await import("@xmpp/client");
    const browser = client({
      service: `ws://127.0.0.1:${portOf("http")}/xmpp-websocket`,
      domain: "localhost",
      resource: "browser",
      username: "alice",
      password: "alice-pw",
    });
    browser.on("error", () => {});
    t.track({ stop: async () => void (await browser.stop().catch(() => {})) });
    const jid = String(await browser.start());
    expect(jid).toBe("alice@localhost/browser");

    const gateway = component({
      service: `xmpp://127.0.0.1:${portOf("components")}`,
      domain: GATEWAY,
      password: "gateway-secret",
    });
    gateway.on("error", () => {});
    t.track({ stop: async () => void (await gateway.stop().catch(() => {})) });
    expect(String(await gateway.start())).toBe(GATEWAY);

    const bob = t.track(await connect({ port: t.server.port, username: "bob", password: "bob-pw" }));

    // WebSocket → TCP and back.
    await browser.send(xml("message", { to: bob.jid, type: "chat" }, xml("body", {}, "from the browser")));
    const atBob = await bob.waitFor((s) => s.is("message") && s.getChildText("body") === "from the browser");
    expect(atBob.attrs.from).toBe(jid);
    const answer = next(browser, (s) => s.is("message"), "bob's answer");
    await bob.xmpp.send(xml("message", { to: jid, type: "chat" }, xml("body", {}, "from tcp")));
    expect((await answer).getChildText("body")).toBe("from tcp");

    // WebSocket user → component, which answers; the user's full JID is stamped by the server.
    const atGateway = next(gateway, (s) => s.is("message"), "the user's message at the component");
    await browser.send(xml("message", { to: `bot@${GATEWAY}`, type: "chat" }, xml("body", {}, "hello bot")));
    const asked = await atGateway;
    expect(asked.attrs.from).toBe(jid);
    expect(asked.getChildText("body")).toBe("hello bot");
    const reply = next(
      browser,
      (s) => s.is("message") && s.attrs.from === `bot@${GATEWAY}`,
      "the bot's reply",
    );
    await gateway.send(
      xml("message", { to: jid, from: `bot@${GATEWAY}`, type: "chat" }, xml("body", {}, "hello human")),
    );
    expect((await reply).getChildText("body")).toBe("hello human");

    // A component may not speak for a domain that is not its own: its stream ends with invalid-from,
    // and nothing reaches bob.
    gateway.reconnect.stop();
    const refused = new Promise<{ condition?: string }>((resolve) => gateway.on("error", resolve));
    await gateway.send(
      xml("message", { to: bob.jid, from: "mallory@localhost", type: "chat" }, xml("body", {}, "forged")),
    );
    expect((await refused).condition).toBe("invalid-from");
    await bob.iq("get", "localhost", xml("ping", { xmlns: "urn:xmpp:ping" })).catch(() => undefined);
    expect(bob.received.some((s) => s.getChildText("body") === "forged")).toBe(false);
  });
});
