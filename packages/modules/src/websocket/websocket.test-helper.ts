import { type CantoConfig, createTestServer, type Element, type ModuleSetup, type TestServer } from "canto";
import { afterAll, beforeAll } from "vitest";
import { type ClientOptions, WebSocket } from "ws";
import { authModules, createAccount } from "../auth/index.js";
import { httpModules } from "../http/index.js";
import { imModules } from "../im/index.js";
import { transportModules } from "../transport/index.js";
import { parseFrame } from "./framing.js";
import { websocketModules } from "./index.js";
import type { WebSocketApi } from "./websocket.js";

export const MODULES = [
  "http",
  "websocket",
  "auth_internal_hashed",
  "saslauth",
  "bind",
  "presence",
  "message",
];

export interface Started {
  t: TestServer;
  port: number;
  url: string;
  api: WebSocketApi;
}

/**
 * A server with http on an ephemeral loopback port, websocket, the auth and IM modules, and alice.
 * `extra` adds modules to those enabled (the transport modules, smacks and c2s among them, are
 * available), more module setups, and global options.
 */
export async function startServer(
  hostOptions: Record<string, unknown> = {},
  extra: { enabled?: string[]; modules?: Record<string, ModuleSetup>; global?: Record<string, unknown> } = {},
): Promise<Started> {
  const t = await createTestServer({
    modules: {
      ...httpModules,
      ...websocketModules,
      ...authModules,
      ...imModules,
      ...transportModules,
      ...extra.modules,
    },
    config: {
      http_ports: [0],
      ...extra.global,
      modules_enabled: [...MODULES, ...(extra.enabled ?? [])],
      hosts: { localhost: { consider_websocket_secure: true, ...hostOptions } },
    } as CantoConfig,
  });
  const http = t.server.global.modules.get("http")?.exports as
    | { listeners(): { port: number }[] }
    | undefined;
  const port = http?.listeners()[0]?.port;
  if (port === undefined) throw new Error("http listens nowhere");
  await createAccount(t.server, "localhost", "alice", "secret");
  const api = t.server.global.modules.get("websocket")?.exports as WebSocketApi;
  return { t, port, url: `ws://127.0.0.1:${port}/xmpp-websocket`, api };
}

/** A raw RFC 7395 client: every message it receives, parsed, and waits on them. */
export class WsClient {
  readonly messages: string[] = [];
  closeCode: number | undefined;
  readonly #ws: WebSocket;
  #seen = 0;
  readonly #waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on("message", (data: Buffer) => {
      this.messages.push(data.toString("utf8"));
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      ws.once("close", (code: number) => {
        this.closeCode = code;
        for (const wake of this.#waiters.splice(0)) wake();
        resolve(code);
      }),
    );
  }

  static connect(
    url: string,
    protocols: string[] = ["xmpp"],
    options: ClientOptions = {},
  ): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, options);
      const client = new WsClient(ws);
      ws.once("open", () => {
        if (ws.protocol !== "xmpp") reject(new Error(`negotiated ${JSON.stringify(ws.protocol)}`));
        else resolve(client);
      });
      ws.once("error", reject);
    });
  }

  get socket(): WebSocket {
    return this.#ws;
  }

  send(text: string): void {
    this.#ws.send(text);
  }

  /** The next received message not yet consumed that matches, parsed as an element. */
  async next(match: (element: Element) => boolean = () => true, ms = 3000): Promise<Element> {
    const end = Date.now() + ms;
    for (;;) {
      while (this.#seen < this.messages.length) {
        const text = this.messages[this.#seen++]!;
        const frame = parseFrame(text, 1 << 20);
        if (frame.kind !== "element") throw new Error(`server sent a malformed message: ${text}`);
        if (match(frame.element)) return frame.element;
      }
      if (this.closeCode !== undefined) throw new Error(`closed (${this.closeCode}) before a match`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no matching message; got: ${this.messages.join(" | ")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  open(to = "localhost"): void {
    this.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="${to}" version="1.0"/>`);
  }

  close(): void {
    this.#ws.close();
  }

  terminate(): void {
    this.#ws.terminate();
  }
}

export const FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
export const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
export const BIND = "urn:ietf:params:xml:ns:xmpp-bind";

export const plain = (user: string, password: string) =>
  Buffer.from(`\0${user}\0${password}`).toString("base64");

/** Open, SASL PLAIN and restart: authenticated, not bound (ready for a XEP-0198 `<resume/>`). */
export async function authenticate(client: WsClient, user: string, password: string): Promise<Element> {
  client.open();
  await client.next((e) => e.is("features", "http://etherx.jabber.org/streams"));
  client.send(`<auth xmlns="${SASL}" mechanism="PLAIN">${plain(user, password)}</auth>`);
  await client.next((e) => e.is("success", SASL));
  client.open();
  return client.next((e) => e.is("features", "http://etherx.jabber.org/streams"));
}

/** Open, SASL PLAIN, restart and bind `resource`; returns the bound JID. */
export async function login(client: WsClient, user: string, password: string, resource: string) {
  await authenticate(client, user, password);
  client.send(
    `<iq xmlns="jabber:client" type="set" id="bind1"><bind xmlns="${BIND}"><resource>${resource}</resource></bind></iq>`,
  );
  const bound = await client.next((e) => e.name === "iq" && e.attrs.id === "bind1");
  return bound.getChild("bind", BIND)?.getChildText("jid") ?? undefined;
}

/**
 * @xmpp/websocket uses the global WebSocket, which Node 20 only has behind a flag: lends it ws's
 * for the test file (call at its top level) and puts back what was there after.
 */
export function lendWebSocketGlobal(): void {
  const globals = globalThis as { WebSocket?: unknown };
  const previous = globals.WebSocket;
  beforeAll(() => {
    globals.WebSocket ??= WebSocket;
  });
  afterAll(() => {
    globals.WebSocket = previous;
  });
}
