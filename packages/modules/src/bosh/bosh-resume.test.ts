import { message } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { NS_SM } from "../transport/smacks-state.js";
import {
  WsClient,
  authenticate as wsAuthenticate,
  login as wsLogin,
} from "../websocket/websocket.test-helper.js";
import { authenticate, BoshClient, login, type Started, startBoshServer } from "./bosh.test-helper.js";

// Stream resumption (XEP-0198) across framings: a BOSH session is a ClientStream, so smacks
// hibernates it when it goes inactive and a WebSocket may take it over, and the reverse.

const ALICE = "alice@localhost/tab";

let current: Started | undefined;
const sockets: WsClient[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await current?.t.stop();
  current = undefined;
  bobClient = undefined;
});

async function server(): Promise<Started> {
  current = await startBoshServer({ bosh_max_inactivity: 30 }, { enabled: ["smacks", "offline"] });
  return current;
}

async function ws(s: Started): Promise<WsClient> {
  const client = await WsClient.connect(s.url);
  sockets.push(client);
  return client;
}

let bobClient: ReturnType<Started["t"]["connect"]> | undefined;
const bob = (s: Started) => {
  bobClient ??= s.t.connect("bob@localhost/desk");
  return bobClient;
};

/** What the server sent, `first` and as many more responses as it takes for `needle` (smacks' `<r/>` may come first). */
async function collect(c: BoshClient, first: string, needle: string): Promise<string> {
  let text = first;
  for (let i = 0; i < 3 && !text.includes(needle); i++) text += (await c.post()).text;
  return text;
}

const chat = (to: string, body: string) => message({ to, type: "chat", id: body }).c("body").t(body).root();

describe("bosh: XEP-0198 resumption", () => {
  it("hibernates an inactive BOSH session and lets a WebSocket resume it, with what was queued", async () => {
    const s = await server();
    const c = new BoshClient(s.boshUrl);
    expect(await login(c, "tab")).toBe(ALICE);
    const enabled = await c.post(`<enable xmlns='${NS_SM}' resume='true'/>`);
    const id = enabled.payload.find((e) => e.is("enabled", NS_SM))?.attrs.id;
    expect(id).toBeDefined();
    const session = s.bosh.sessions()[0];

    // No request held for the inactivity limit: the BOSH "connection" is gone, the session sleeps.
    await s.t.clock.advance(61);
    expect((session as { hibernating?: boolean }).hibernating).toBe(true);
    expect(s.t.server.sessions.full(ALICE)).toBe(session);
    await bob(s).process(chat(ALICE, "while asleep"));
    expect((await c.post()).attrs.condition).toBe("item-not-found");

    const w = await ws(s);
    await wsAuthenticate(w, "alice", "secret");
    w.send(`<resume xmlns="${NS_SM}" previd="${id}" h="0"/>`);
    const resumed = await w.next((e) => e.is("resumed", NS_SM));
    expect(resumed.attrs.previd).toBe(id);
    const queued = await w.next((e) => e.name === "message");
    expect(queued.getChildText("body")).toBe("while asleep");
    // The same session, now written through the WebSocket.
    expect(s.t.server.sessions.full(ALICE)).toBe(session);
    await bob(s).process(chat(ALICE, "after"));
    expect((await w.next((e) => e.name === "message")).getChildText("body")).toBe("after");
  });

  it("lets a BOSH session resume a WebSocket session that dropped", async () => {
    const s = await server();
    const w = await ws(s);
    expect(await wsLogin(w, "alice", "secret", "tab")).toBe(ALICE);
    w.send(`<enable xmlns="${NS_SM}" resume="true"/>`);
    const id = (await w.next((e) => e.is("enabled", NS_SM))).attrs.id;
    const previous = s.t.server.sessions.full(ALICE);
    w.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bob(s).process(chat(ALICE, "queued"));

    const c = new BoshClient(s.boshUrl);
    await authenticate(c);
    const resumed = await c.post(`<resume xmlns='${NS_SM}' previd='${id}' h='0'/>`);
    expect(resumed.payload.find((e) => e.is("resumed", NS_SM))).toBeDefined();
    expect(await collect(c, resumed.text, "<body>queued</body>")).toContain("<body>queued</body>");
    expect(s.t.server.sessions.full(ALICE)).toBe(previous);

    const held = c.post();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bob(s).process(chat(ALICE, "live"));
    expect(await collect(c, (await held).text, "<body>live</body>")).toContain("<body>live</body>");

    // The client's terminate ends the resumed session for good.
    await c.post("", { type: "terminate" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.t.server.sessions.full(ALICE)).toBeUndefined();
  });
});
