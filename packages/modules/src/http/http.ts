import { createServer, type IncomingMessage, type Server, ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Module } from "canto";
import { Listeners } from "../shared/listeners.js";
import { BodyError, readBody } from "./body.js";
import { readHttpOptions } from "./http-options.js";
import {
  type CompiledApp,
  compileApp,
  HttpRouteError,
  type HttpRouteParams,
  type HttpUpgrade,
  matchRoute,
  normalizeBasePath,
} from "./routes.js";

/** What `http` exports (its module's `exports`): where it listens and what it serves. */
export interface HttpApi {
  listeners(): { address: string; port: number }[];
  /** Every app served, with the host it belongs to and its base path. */
  apps(): { host: string; httpHost: string; name: string; path: string; providedBy: string | undefined }[];
}

/** One XMPP host's HTTP apps, reached through the `Host` header `httpHost`. */
interface Site {
  host: string;
  httpHost: string;
  apps: Map<unknown, CompiledApp>;
}

/** `example.com:5280` → `example.com`, `[::1]:5280` → `::1`; `undefined` for a malformed header. */
export function hostFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/[\]@?#]+))(?::\d{1,5})?$/.exec(header.trim());
  if (match === null) return undefined;
  return (match[1] ?? match[2] ?? "").toLowerCase();
}

function sendStatus(response: ServerResponse, status: number, detail?: string, headers = {}): void {
  const reason = STATUS_CODES[status] ?? "Unknown";
  const body = `${status} ${reason}${detail === undefined ? "" : `: ${detail}`}\n`;
  response.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

/**
 * The HTTP server (Prosody's mod_http), shared as c2s is: the global instance owns the listeners
 * on `http_ports`/`http_interfaces`; each host that loads it gets a host instance that serves the
 * `http-provider` items of that host (its modules' and the global modules') under the host's
 * name, or its `http_host` option. Requests pick the host by their `Host` header.
 */
export default async function http(module: Module): Promise<HttpApi> {
  module.setGlobal();
  const options = readHttpOptions(module);
  const sites = new Map<string, Site[]>();
  const listeners = new Listeners<"http", Server>(module, "http");
  const upgraded = new Set<Duplex>();
  const requests = module.metric("counter", "requests", "", "HTTP requests answered, by status code", [
    "status",
  ]);

  const allSites = (): Site[] => [...sites.values()].flat();

  const sitesFor = (name: string): Site[] | undefined => {
    const direct = sites.get(name);
    if (direct !== undefined) return direct;
    if (options.defaultHost !== undefined) return sites.get(options.defaultHost);
    // Unlike Prosody, a server with one HTTP host answers for any name (e.g. 127.0.0.1 for a scraper).
    return sites.size === 1 ? [...sites.values()][0] : undefined;
  };

  const handle = async (
    request: IncomingMessage,
    response: ServerResponse,
    upgrade?: HttpUpgrade,
  ): Promise<void> => {
    const method = request.method ?? "GET";
    const hostHeader = request.headers.host;
    const name = hostFromHeader(hostHeader);
    if (name === undefined) {
      sendStatus(response, 400, "missing or invalid Host header");
      return;
    }
    const found = sitesFor(name);
    if (found === undefined || found.length === 0) {
      sendStatus(response, 404, `unknown host ${name}`);
      return;
    }
    let url: URL;
    try {
      url = new URL(request.url ?? "/", `http://${hostHeader}`);
    } catch {
      sendStatus(response, 400, "invalid request target");
      return;
    }
    const match = matchRoute(
      found.flatMap((site) => [...site.apps.values()]),
      method,
      url.pathname,
    );
    if (match.kind === "not-found") {
      sendStatus(response, 404);
      return;
    }
    if (match.kind === "redirect") {
      sendStatus(response, 301, undefined, { Location: match.location + url.search });
      return;
    }
    if (match.kind === "method-not-allowed") {
      sendStatus(response, 405, undefined, { Allow: match.allow.join(", ") });
      return;
    }
    let body: Buffer;
    try {
      // An upgrade request's stream is the connection itself: it has no body to wait for.
      body =
        upgrade === undefined && !match.app.streaming
          ? await readBody(request, options.maxContentSize)
          : Buffer.alloc(0);
    } catch (error) {
      if (error instanceof BodyError && error.code === "body-too-large") {
        // Whatever else the client sends is not read: close the connection after the answer.
        sendStatus(response, 413, undefined, { Connection: "close" });
        request.resume();
      } else {
        module.log("debug", "request %s %s: %s", method, url.pathname, error);
        response.destroy();
      }
      return;
    }
    const site = found.find((s) => [...s.apps.values()].includes(match.app)) ?? found[0]!;
    const params: HttpRouteParams = { host: site.host, path: match.rest, url, body };
    if (upgrade !== undefined) params.upgrade = upgrade;
    const fail = (what: string, error: unknown) => {
      module.log(
        "error",
        "HTTP handler of %s for %s %s %s: %s",
        match.app.name,
        method,
        url.pathname,
        what,
        error instanceof Error ? (error.stack ?? error.message) : error,
      );
      if (!response.headersSent) sendStatus(response, 500);
      else response.destroy();
    };
    let result: unknown;
    try {
      result = await match.route.handler(request, response, params);
    } catch (error) {
      fail("failed", error);
      return;
    }
    if (response.writableEnded) return;
    if (typeof result === "number") {
      if (Number.isInteger(result) && result >= 100 && result <= 599) sendStatus(response, result);
      else fail("returned a bad status", result);
    } else if (typeof result === "string" || Buffer.isBuffer(result)) {
      if (!response.headersSent) {
        if (!response.hasHeader("Content-Type")) {
          response.setHeader(
            "Content-Type",
            typeof result === "string" ? "text/plain; charset=utf-8" : "application/octet-stream",
          );
        }
        response.setHeader("Content-Length", Buffer.byteLength(result));
      }
      response.end(result);
    } else if (result !== undefined) {
      fail("returned neither a body, a status nor undefined", typeof result);
    }
  };

  const httpServer = () => {
    const server = createServer((request, response) => {
      response.once("finish", () => requests.withLabels(response.statusCode).add());
      handle(request, response).catch((error: unknown) => {
        module.log("error", "HTTP request %s %s failed: %s", request.method, request.url, error);
        if (!response.headersSent) sendStatus(response, 500);
        else response.destroy();
      });
    });
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on("error", (error) => module.log("debug", "upgraded connection failed: %s", error));
      // node:http forgets upgraded connections: keep them, so unload can close them.
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
      // Written to before it has a socket, the response holds its output until `assignSocket`.
      const response = new ServerResponse(request);
      response.shouldKeepAlive = false;
      const answer = () => {
        if (!response.headersSent) return; // the handler took the socket over
        response.once("finish", () => socket.end());
        response.assignSocket(socket as Socket);
      };
      handle(request, response, { socket, head }).then(answer, (error: unknown) => {
        module.log("error", "HTTP upgrade %s failed: %s", request.url, error);
        if (!response.headersSent) sendStatus(response, 500);
        answer();
      });
    });
    server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
      module.log("debug", "bad HTTP request from %s: %s", socket.remoteAddress, error.code ?? error.message);
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    return server;
  };
  await listeners.openAll("http", options.interfaces, options.ports, httpServer, "HTTP");

  module.addHost = (hostModule: Module) => {
    const host = hostModule.host;
    const httpHost = (hostModule.getOptionString("http_host") ?? host).toLowerCase();
    const site: Site = { host, httpHost, apps: new Map() };

    const basePath = (item: { name?: string; default_path?: string }): string => {
      const paths = hostModule.getOption("http_paths");
      if (paths !== undefined && (typeof paths !== "object" || paths === null || Array.isArray(paths))) {
        throw new HttpRouteError('option http_paths: expected a table such as { files = "/files" }');
      }
      const name = item.name ?? "";
      const configured = (paths as Record<string, unknown> | undefined)?.[name];
      if (configured !== undefined && typeof configured !== "string") {
        throw new HttpRouteError(`option http_paths.${name}: expected a path string`);
      }
      const path = configured ?? item.default_path ?? `/${name}`;
      return normalizeBasePath(path.replaceAll("$host", host));
    };

    const add = (item: unknown) => {
      const app = compileApp(item, basePath((item ?? {}) as { name?: string; default_path?: string }));
      for (const other of (sites.get(httpHost) ?? []).flatMap((s) => [...s.apps.values()])) {
        if (other.basePath === app.basePath) {
          hostModule.log(
            "warn",
            "http app %s on %s shares the path %s with %s; the first one added answers",
            app.name,
            host,
            app.basePath || "/",
            other.name,
          );
        }
      }
      site.apps.set(item, app);
      hostModule.log("debug", "serving http app %s at http://%s%s/", app.name, httpHost, app.basePath);
    };

    hostModule.handleItems(
      "http-provider",
      (event) => add(event.item),
      (event) => {
        site.apps.delete(event.item);
      },
      false,
    );
    for (const item of hostModule.getHostItems("http-provider")) {
      try {
        add(item);
      } catch (error) {
        hostModule.log("error", "not serving an http app: %s", error);
      }
    }
    const list = sites.get(httpHost);
    if (list === undefined) sites.set(httpHost, [site]);
    else list.push(site);
    hostModule.unload = () => {
      const remaining = (sites.get(httpHost) ?? []).filter((s) => s !== site);
      if (remaining.length === 0) sites.delete(httpHost);
      else sites.set(httpHost, remaining);
    };
    return undefined;
  };

  module.unload = async () => {
    for (const socket of upgraded) socket.destroy();
    await listeners.close((server) => server.closeAllConnections());
  };

  return {
    listeners: () => listeners.list().map(({ address, port }) => ({ address, port })),
    apps: () =>
      allSites().flatMap((site) =>
        [...site.apps.values()].map((app) => ({
          host: site.host,
          httpHost: site.httpHost,
          name: app.name,
          path: app.basePath === "" ? "/" : app.basePath,
          providedBy: app.providedBy,
        })),
      ),
  };
}
