import type { Element, ModuleSetup } from "canto";
import { startServer, type Started as WsStarted } from "../websocket/websocket.test-helper.js";
import type { BoshApi } from "./bosh.js";
import { NS_HTTPBIND, NS_XBOSH, parseBody } from "./bosh-body.js";
import { boshModules } from "./index.js";

export const SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
export const BIND = "urn:ietf:params:xml:ns:xmpp-bind";
export const STREAMS = "http://etherx.jabber.org/streams";

export interface Started extends WsStarted {
  boshUrl: string;
  bosh: BoshApi;
}

/** The websocket test server (http, websocket, auth, IM, alice) with bosh too, secure by option. */
export async function startBoshServer(
  global: Record<string, unknown> = {},
  extra: { enabled?: string[]; modules?: Record<string, ModuleSetup>; host?: Record<string, unknown> } = {},
): Promise<Started> {
  const started = await startServer(extra.host ?? {}, {
    enabled: ["bosh", ...(extra.enabled ?? [])],
    modules: { ...boshModules, ...extra.modules },
    global: { consider_bosh_secure: true, ...global },
  });
  const bosh = started.t.server.global.modules.get("bosh")?.exports as BoshApi;
  return { ...started, boshUrl: `http://127.0.0.1:${started.port}/http-bind`, bosh };
}

/** One response: its status, text, and the `<body/>` parsed. */
export interface BoshResponse {
  status: number;
  text: string;
  headers: Headers;
  attrs: Readonly<Record<string, string | undefined>>;
  payload: Element[];
}

const attrText = (attrs: Record<string, string | number | undefined>) =>
  Object.entries(attrs)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}='${value}'`)
    .join("");

/** A raw BOSH client on node's fetch: counts `rid`s and remembers the `sid`. */
export class BoshClient {
  rid: number;
  sid: string | undefined;
  readonly url: string;

  constructor(url: string, rid = 4242) {
    this.url = url;
    this.rid = rid;
  }

  /** POSTs raw text; parses the answer when it is a body. */
  static async raw(url: string, text: string, headers: Record<string, string> = {}): Promise<BoshResponse> {
    const response = await fetch(url, {
      method: "POST",
      body: text,
      headers: { "Content-Type": "text/xml; charset=utf-8", ...headers },
    });
    const body = await response.text();
    let parsed: ReturnType<typeof parseBody> = { attrs: {}, payload: [] };
    try {
      parsed = parseBody(Buffer.from(body), 1 << 20);
    } catch {
      // not a body: the status and text tell
    }
    return { status: response.status, text: body, headers: response.headers, ...parsed };
  }

  /** Sends a body with the next `rid` (or `rid`), this session's `sid`, `attrs` and `content`. */
  post(
    content = "",
    attrs: Record<string, string | number | undefined> = {},
    rid?: number,
  ): Promise<BoshResponse> {
    const useRid = rid ?? ++this.rid;
    return BoshClient.raw(
      this.url,
      `<body xmlns='${NS_HTTPBIND}' xmlns:xmpp='${NS_XBOSH}' rid='${useRid}'${attrText({ sid: this.sid, ...attrs })}>${content}</body>`,
    );
  }

  /** The session creation request (XEP-0206 §3). */
  async create(attrs: Record<string, string | number | undefined> = {}): Promise<BoshResponse> {
    const response = await this.post("", {
      to: "localhost",
      wait: 60,
      hold: 1,
      ver: "1.6",
      "xml:lang": "en",
      "xmpp:version": "1.0",
      ...attrs,
    });
    this.sid = response.attrs.sid;
    return response;
  }
}

export const plain = (user: string, password: string) =>
  Buffer.from(`\0${user}\0${password}`).toString("base64");

/** Creates a session, authenticates with SASL PLAIN and restarts: features with bind come back. */
export async function authenticate(client: BoshClient, user = "alice", password = "secret") {
  const created = await client.create();
  if (created.payload[0]?.name !== "stream:features") throw new Error(`no features: ${created.text}`);
  const auth = await client.post(`<auth xmlns='${SASL}' mechanism='PLAIN'>${plain(user, password)}</auth>`);
  if (auth.payload[0]?.is("success", SASL) !== true) throw new Error(`no success: ${auth.text}`);
  const restarted = await client.post("", { to: "localhost", "xmpp:restart": "true" });
  if (restarted.payload[0]?.name !== "stream:features") throw new Error(`no features: ${restarted.text}`);
  return { created, restarted };
}

/** Authenticates, then binds `resource`; returns the bound JID. */
export async function login(client: BoshClient, resource: string, user = "alice", password = "secret") {
  await authenticate(client, user, password);
  const bound = await client.post(
    `<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='${BIND}'><resource>${resource}</resource></bind></iq>`,
  );
  const iq = bound.payload.find((e) => e.name === "iq" && e.attrs.id === "bind1");
  return iq?.getChild("bind", BIND)?.getChildText("jid") ?? undefined;
}
