import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

/** A request asking to switch protocols (`Connection: Upgrade`, as WebSocket does). */
export interface HttpUpgrade {
  /** The connection, to take over (e.g. ws's `handleUpgrade(request, socket, head, done)`). */
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
}

/** What a route handler receives besides the request and the response. */
export interface HttpRouteParams {
  /** The XMPP host whose routes answered (not necessarily the `Host` header). */
  host: string;
  /** For a wildcard route (`/files/*`), what the `*` matched; otherwise `undefined`. */
  path: string | undefined;
  /** The request URL, resolved against the `Host` header. */
  url: URL;
  /** The request body, read in full (at most `http_max_content_size` bytes). */
  body: Buffer;
  /**
   * Set for an upgrade request. The handler either takes `socket` over and returns `undefined`
   * without touching `response`, or answers through `response` (or its return value) before it
   * returns, and the connection closes after that answer.
   */
  upgrade?: HttpUpgrade;
}

/**
 * A route handler. What it returns: a string or Buffer is sent as the body (status 200 unless the
 * handler set `response.statusCode`), a number is sent as a status with its reason phrase, and
 * `undefined` means the handler answers through `response` itself (now or later).
 */
export type HttpHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  params: HttpRouteParams,
) => unknown;

/** What a module publishes with `module.provides("http", { route: { "GET /path": handler } })`. */
export interface HttpProvider {
  /** Set by `provides`: the module name less an `http_` prefix. */
  name?: string;
  /** The path the routes sit under; default `/<name>`. `http_paths = { <name> = "/x" }` overrides it. */
  default_path?: string;
  /** Keys are `"METHOD /path"`, `"/path"` (any method) or `"METHOD"` (the base path itself). */
  route: Record<string, HttpHandler>;
  /**
   * Prosody's `streaming_uploads`: the body is not read before the handler runs (`params.body` is
   * empty and `http_max_content_size` does not apply); the handler reads `request` as a stream.
   */
  streaming_uploads?: boolean;
}

/** The error a malformed provider or route key raises, with a stable code. */
export class HttpRouteError extends Error {
  readonly code = "invalid-http-route";
  constructor(message: string) {
    super(message);
    this.name = "HttpRouteError";
  }
}

export interface CompiledRoute {
  /** Upper-case method, or `undefined` for any method. */
  method: string | undefined;
  /** The full path; for a wildcard, the prefix before `*` (ending in `/`). */
  path: string;
  wildcard: boolean;
  handler: HttpHandler;
}

export interface CompiledApp {
  name: string;
  basePath: string;
  providedBy: string | undefined;
  routes: CompiledRoute[];
  /** The handler reads the body itself (`streaming_uploads`). */
  streaming: boolean;
}

const METHOD = /^[A-Z][A-Z_-]*$/;

/** `"/x/"` → `"/x"`, `"x"` → `"/x"`, `"/"` → `""`: base paths carry no trailing slash. */
export function normalizeBasePath(path: string): string {
  let result = path.startsWith("/") ? path : `/${path}`;
  while (result.endsWith("/")) result = result.slice(0, -1);
  return result;
}

function compileRoute(app: string, basePath: string, key: string, handler: unknown): CompiledRoute {
  if (typeof handler !== "function") {
    throw new HttpRouteError(`http app ${app}: route "${key}" has no handler function`);
  }
  const trimmed = key.trim();
  const space = trimmed.search(/\s/);
  let method: string | undefined;
  let path: string;
  if (trimmed.startsWith("/") || trimmed === "") {
    path = trimmed;
  } else if (space < 0) {
    method = trimmed;
    path = "";
  } else {
    method = trimmed.slice(0, space);
    path = trimmed.slice(space).trim();
  }
  if (method !== undefined && !METHOD.test(method)) {
    throw new HttpRouteError(
      `http app ${app}: route "${key}" must look like "GET /path" (method in capitals, then a path starting with /)`,
    );
  }
  if (path !== "" && !path.startsWith("/")) {
    throw new HttpRouteError(`http app ${app}: route "${key}": the path must start with /`);
  }
  const star = path.indexOf("*");
  if (star >= 0 && (star !== path.length - 1 || !path.endsWith("/*"))) {
    throw new HttpRouteError(`http app ${app}: route "${key}": * may only end the path, as in /files/*`);
  }
  const wildcard = star >= 0;
  return {
    method,
    path: basePath + (wildcard ? path.slice(0, -1) : path),
    wildcard,
    handler: handler as HttpHandler,
  };
}

/** Checks a published provider and turns its route keys into matchable routes under `basePath`. */
export function compileApp(item: unknown, basePath: string): CompiledApp {
  if (typeof item !== "object" || item === null) {
    throw new HttpRouteError("http provider: expected an object with a route table");
  }
  const provider = item as HttpProvider & { providedBy?: string };
  const name = provider.name ?? "(unnamed)";
  if (typeof provider.route !== "object" || provider.route === null) {
    throw new HttpRouteError(`http app ${name}: route must be an object of "METHOD /path": handler`);
  }
  const routes = Object.entries(provider.route).map(([key, handler]) =>
    compileRoute(name, basePath, key, handler),
  );
  return {
    name,
    basePath,
    providedBy: provider.providedBy,
    routes,
    streaming: provider.streaming_uploads === true,
  };
}

/** The outcome of matching a request against a host's apps. */
export type RouteMatch =
  | { kind: "found"; route: CompiledRoute; app: CompiledApp; rest: string | undefined }
  | { kind: "redirect"; location: string }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "not-found" };

/**
 * Finds the route for `method` and `path`: an exact path first, then the longest wildcard prefix;
 * apps in the order they were added. A path that exists under other methods is a 405; a request
 * for `/app` where only `/app/` exists is redirected there, as Prosody does.
 */
export function matchRoute(apps: Iterable<CompiledApp>, method: string, path: string): RouteMatch {
  const exact: [CompiledRoute, CompiledApp][] = [];
  let wildcards: [CompiledRoute, CompiledApp][] = [];
  let longest = -1;
  let slashed = false;
  for (const app of apps) {
    for (const route of app.routes) {
      if (route.wildcard) {
        if (!path.startsWith(route.path)) continue;
        if (route.path.length > longest) {
          longest = route.path.length;
          wildcards = [];
        }
        if (route.path.length === longest) wildcards.push([route, app]);
      } else if (route.path === path || (route.path === "" && path === "/")) {
        exact.push([route, app]);
      } else if (route.path === `${path}/`) {
        slashed = true;
      }
    }
  }
  const candidates = exact.length > 0 ? exact : wildcards;
  if (candidates.length === 0) {
    return slashed ? { kind: "redirect", location: `${path}/` } : { kind: "not-found" };
  }
  const pick = (wanted: string) =>
    candidates.find(([route]) => route.method === wanted) ??
    candidates.find(([route]) => route.method === undefined);
  const found = pick(method) ?? (method === "HEAD" ? pick("GET") : undefined);
  if (found === undefined) {
    const allow = new Set<string>();
    for (const [route] of candidates) if (route.method !== undefined) allow.add(route.method);
    if (allow.has("GET")) allow.add("HEAD");
    return { kind: "method-not-allowed", allow: [...allow].sort() };
  }
  const [route, app] = found;
  return {
    kind: "found",
    route,
    app,
    rest: route.wildcard ? path.slice(route.path.length) : undefined,
  };
}
