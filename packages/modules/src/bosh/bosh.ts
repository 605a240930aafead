import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Module } from "canto";
import type { HttpProvider, HttpRouteParams } from "../http/routes.js";
import type { C2sSession } from "../shared/contracts.js";
import { flushThenDestroy, sessionShutdown } from "../shared/session-shutdown.js";
import { streamContext } from "../stream/stream-core.js";
import { BoshBodyError, type BoshRequest, parseBody, terminateXml } from "./bosh-body.js";
import { type BoshOptions, readBoshOptions } from "./bosh-options.js";
import { type BoshContext, BoshSession, parseRid, sendXml } from "./bosh-session.js";

/** What `bosh` exports (its module's `exports`). */
export interface BoshApi {
  sessions(): C2sSession[];
}

const INDEX_PAGE =
  "This is an XMPP over BOSH endpoint (XEP-0124, XEP-0206): point a BOSH client at this URL and POST <body/> requests to it.\n";

/** Prosody's mod_http CORS headers, for the origins the options allow. */
function applyCors(request: IncomingMessage, response: ServerResponse, options: BoshOptions): void {
  const { cors } = options;
  if (!cors.enabled) return;
  const origin = request.headers.origin;
  if (cors.origins !== true && (origin === undefined || !cors.origins.has(origin.toLowerCase()))) return;
  response.setHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  response.setHeader("Access-Control-Allow-Headers", cors.headers.join(", "));
  response.setHeader("Access-Control-Max-Age", String(cors.maxAge));
  response.setHeader("Access-Control-Allow-Origin", origin ?? "*");
  if (cors.credentials) response.setHeader("Access-Control-Allow-Credentials", "true");
}

/** A non-negative integer attribute, or undefined when absent; `null` when malformed. */
function integerAttr(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

/**
 * XMPP over BOSH (XEP-0124, XEP-0206) on the HTTP server, as Prosody's mod_bosh: each host that
 * loads it serves the endpoint at `/http-bind` (`http_paths = { bosh = "/..." }` moves it).
 * Global, as in Prosody: one table of sessions by `sid`, and a session creation request may
 * name any host with the module loaded.
 */
export default function bosh(module: Module): BoshApi {
  module.setGlobal();
  const options = readBoshOptions(module);
  const hosts = new Map<string, Module>();
  const sessions = new Set<BoshSession>();
  const bySid = new Map<string, BoshSession>();

  const context: BoshContext = {
    ...streamContext(module),
    hostModule: (name) => hosts.get(name),
    options,
    forget: (session) => {
      sessions.delete(session);
    },
    release: (session) => {
      if (bySid.get(session.sid) === session) bySid.delete(session.sid);
    },
  };

  const closeAll = sessionShutdown(module, sessions, (host) => hosts.delete(host));

  /** A binding condition (XEP-0124 §17) for a request that belongs to no session. */
  const refuse = (response: ServerResponse, condition: string, why: string, status = 200) => {
    module.log("debug", "BOSH request refused (%s): %s", condition, why);
    sendXml(response, terminateXml(condition), status);
  };

  const create = (body: BoshRequest, request: IncomingMessage, response: ServerResponse) => {
    const { attrs } = body;
    const to = attrs.to?.toLowerCase();
    if (to === undefined || to === "") {
      refuse(response, "improper-addressing", "no 'to' in the session creation request");
      return;
    }
    const rid = parseRid(attrs.rid);
    const wait = integerAttr(attrs.wait);
    const hold = integerAttr(attrs.hold);
    if (rid === undefined || wait === undefined || wait === null || hold === null) {
      refuse(response, "bad-request", "a session creation request needs integer 'rid' and 'wait'", 400);
      return;
    }
    const hostModule = hosts.get(to);
    if (hostModule === undefined) {
      refuse(response, "host-unknown", `${to} is not served here`);
      return;
    }
    const socket = request.socket as Partial<TLSSocket>;
    const secure = socket.encrypted === true || options.considerSecure;
    const session = new BoshSession(context, request.socket.remoteAddress ?? "unknown", secure, {
      sid: randomUUID(),
      rid,
      wait: Math.min(wait, options.maxWait),
      hold: Math.min(hold ?? 1, options.maxRequests - 1),
      ack: attrs.ack === "1",
      ver: attrs.ver,
    });
    sessions.add(session);
    bySid.set(session.sid, session);
    module.log(
      "debug",
      "BOSH session %s (%s) from %s for %s%s",
      session.sid,
      session.id,
      session.ip,
      to,
      secure ? " (secure)" : "",
    );
    hostModule.fireEvent("bosh-session", { session, request });
    session.create(body, response);
  };

  const post = (request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) => {
    applyCors(request, response, options);
    if (params.body.length > options.maxBodySize) {
      refuse(
        response,
        "bad-request",
        `body of ${params.body.length} bytes (bosh_max_body_size ${options.maxBodySize})`,
        413,
      );
      return undefined;
    }
    let body: BoshRequest;
    try {
      body = parseBody(params.body, options.maxBodySize);
    } catch (error) {
      if (!(error instanceof BoshBodyError)) throw error;
      refuse(response, "bad-request", error.message, 400);
      return undefined;
    }
    const sid = body.attrs.sid;
    if (sid === undefined) {
      create(body, request, response);
      return undefined;
    }
    const session = bySid.get(sid);
    if (session === undefined) refuse(response, "item-not-found", `unknown sid ${sid}`);
    else session.handle(body, response);
    return undefined;
  };

  const index = (request: IncomingMessage, response: ServerResponse) => {
    applyCors(request, response, options);
    return INDEX_PAGE;
  };

  const preflight = (request: IncomingMessage, response: ServerResponse) => {
    applyCors(request, response, options);
    return "";
  };

  module.addHost = (hostModule: Module) => {
    if (hostModule.getHostType() !== "local") return undefined;
    const host = hostModule.host;
    const provider: HttpProvider = {
      default_path: "/http-bind",
      route: {
        GET: index,
        "GET /": index,
        POST: post,
        "POST /": post,
        OPTIONS: preflight,
        "OPTIONS /": preflight,
      },
    };
    hostModule.provides("http", provider);
    hosts.set(host, hostModule);
    hostModule.unload = () => {
      closeAll("system-shutdown: bosh unloaded", (session) => session.host === host);
      hosts.delete(host);
    };
    return undefined;
  };

  module.unload = async () => {
    const open = [...sessions];
    closeAll("system-shutdown: bosh unloaded");
    await flushThenDestroy(open, 1, (session) => session.done);
    sessions.clear();
    bySid.clear();
  };

  return { sessions: () => [...sessions] };
}
