import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Module } from "canto";
import { type WebSocket, WebSocketServer } from "ws";
import type { HttpProvider, HttpRouteParams } from "../http/routes.js";
import type { C2sSession } from "../shared/contracts.js";
import { flushThenDestroy, sessionShutdown } from "../shared/session-shutdown.js";
import { streamContext } from "../stream/stream-core.js";
import { readWebSocketOptions, type WebSocketOptions } from "./websocket-options.js";
import { type WebSocketContext, WebSocketSession } from "./websocket-session.js";

/** What `websocket` exports (its module's `exports`). */
export interface WebSocketApi {
  sessions(): C2sSession[];
}

/** RFC 7395 §3.1: the WebSocket subprotocol name. */
export const SUBPROTOCOL = "xmpp";

const INDEX_PAGE =
  "This is an XMPP over WebSocket endpoint (RFC 7395): point an XMPP client at this URL, with the subprotocol 'xmpp'.\n";

/** The tokens of a `Sec-WebSocket-Protocol` header (a comma-separated list; it may repeat). */
function offeredProtocols(request: IncomingMessage): string[] {
  const header: string | string[] | undefined = request.headers["sec-websocket-protocol"];
  const values: string[] = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(",").map((token) => token.trim()));
}

/**
 * Whether a browser page may connect: requests without an `Origin` (non-browser clients) and from
 * the page's own origin always may; other origins only when `cross_domain_websocket` lists them.
 */
function originAllowed(request: IncomingMessage, options: WebSocketOptions): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || options.allowedOrigins === true) return true;
  if (options.allowedOrigins.has(origin.toLowerCase())) return true;
  try {
    return new URL(origin).host.toLowerCase() === (request.headers.host ?? "").toLowerCase();
  } catch {
    return false;
  }
}

/**
 * XMPP over WebSocket (RFC 7395) on the HTTP server, as Prosody's mod_websocket: each host that
 * loads it serves the endpoint at `/xmpp-websocket` (`http_paths = { websocket = "/..." }` moves
 * it). Shared, as c2s is: the global instance keeps every session and the hosts that accept them,
 * so `<open to=...>` may name any host with the module loaded.
 */
export default function websocket(module: Module): WebSocketApi {
  module.setGlobal();
  const hosts = new Map<string, Module>();
  const sessions = new Set<WebSocketSession>();

  const contextFor = (options: WebSocketOptions): WebSocketContext => ({
    ...streamContext(module),
    hostModule: (name) => hosts.get(name),
    options,
    forget: (session) => {
      sessions.delete(session);
    },
  });

  const closeAll = sessionShutdown(module, sessions, (host) => hosts.delete(host));

  module.addHost = (hostModule: Module) => {
    if (hostModule.getHostType() !== "local") return undefined;
    const host = hostModule.host;
    const options = readWebSocketOptions(hostModule);
    const context = contextFor(options);
    const wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.frameBufferLimit,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });

    const accept = (ws: WebSocket, request: IncomingMessage) => {
      const socket = request.socket as Partial<TLSSocket>;
      const secure = socket.encrypted === true || options.considerSecure;
      const session = new WebSocketSession(context, ws, request.socket.remoteAddress ?? "unknown", secure);
      sessions.add(session);
      module.log(
        "debug",
        "websocket %s from %s on %s%s",
        session.id,
        session.ip,
        host,
        secure ? " (secure)" : "",
      );
    };

    const provider: HttpProvider = {
      default_path: "/xmpp-websocket",
      route: {
        GET: (request, response, params: HttpRouteParams) => {
          if (params.upgrade === undefined) return INDEX_PAGE;
          const offered = offeredProtocols(request);
          if (!offered.includes(SUBPROTOCOL)) {
            module.log(
              "debug",
              "refusing a WebSocket from %s: subprotocols offered: %s",
              request.socket.remoteAddress,
              offered.join(", ") || "(none)",
            );
            response.statusCode = 501;
            return "501 Not Implemented: only the WebSocket subprotocol 'xmpp' (RFC 7395) is served here; offer Sec-WebSocket-Protocol: xmpp\n";
          }
          if (!originAllowed(request, options)) {
            module.log(
              "debug",
              "refusing a WebSocket from origin %s (see cross_domain_websocket)",
              request.headers.origin,
            );
            response.statusCode = 403;
            return `403 Forbidden: origin ${request.headers.origin} may not connect (option cross_domain_websocket)\n`;
          }
          // ws answers a malformed handshake itself (400 and close) and then never calls back.
          wss.handleUpgrade(request, params.upgrade.socket, params.upgrade.head, (ws) => accept(ws, request));
          return undefined;
        },
      },
    };
    hostModule.provides("http", provider);
    hosts.set(host, hostModule);
    hostModule.unload = () => {
      closeAll("system-shutdown: websocket unloaded", (session) => session.host === host);
      hosts.delete(host);
      wss.close();
    };
    return undefined;
  };

  module.unload = async () => {
    const open = [...sessions];
    closeAll("system-shutdown: websocket unloaded");
    // Give the closing handshakes a moment; whatever did not close in time is cut.
    await flushThenDestroy(open, 1, (session) => session.done);
    sessions.clear();
  };

  return { sessions: () => [...sessions] };
}
