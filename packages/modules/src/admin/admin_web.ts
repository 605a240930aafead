import type { IncomingMessage, ServerResponse } from "node:http";
import { type Module, nodeOf, parseJid } from "canto";
import type { HttpRouteParams } from "../http/routes.js";
import { authProvider } from "../shared/contracts.js";
import { FailureThrottle } from "../shared/failure-throttle.js";
import { parseCookies, sessionCookie } from "./cookies.js";
import { type DashboardView, dashboardPage, type HostView, loginPage, messagePage } from "./pages.js";
import { type AdminSession, AdminSessions } from "./sessions.js";

const COOKIE = "canto_admin";
/** Viewing the page and acting on modules of this host. */
const ACCESS = ":access";
/** Acting on other hosts and on global modules, and seeing every host's sessions. */
const MANAGE_ALL = ":manage-all-hosts";
const ACTIONS = ["load", "unload", "reload"] as const;
type Action = (typeof ACTIONS)[number];

/** What the page reads of the facade's `server.telemetry` (`@canto/metrics/sdk`). */
interface Telemetry {
  openMetrics(): Promise<string>;
}

function telemetryOf(server: unknown): Telemetry | undefined {
  const telemetry = (server as { telemetry?: unknown }).telemetry;
  return typeof telemetry === "object" &&
    telemetry !== null &&
    typeof (telemetry as Telemetry).openMetrics === "function"
    ? (telemetry as Telemetry)
    : undefined;
}

/** Metric families worth a glance; the full set is at /metrics. */
const KEY_METRICS = /sessions|stanzas_in|auth|requests_total|connections/;

const SECURITY_HEADERS = {
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: with it, browsers send `Origin: null` on form posts, which the origin check refuses.
  "referrer-policy": "same-origin",
};

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): undefined {
  response
    .writeHead(status, { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS, ...headers })
    .end(body);
  return undefined;
}

function redirect(
  response: ServerResponse,
  location: string,
  headers: Record<string, string> = {},
): undefined {
  response.writeHead(303, { location, ...SECURITY_HEADERS, ...headers }).end();
  return undefined;
}

function crossSite(response: ServerResponse): undefined {
  return send(
    response,
    403,
    messagePage("Refused", "This form was posted from another site (cross-origin).", "cross-origin"),
  );
}

/** The app's base path, from a request to `<base><suffix>` (the base moves with `http_paths`). */
function baseOf(params: HttpRouteParams, suffix: string): string {
  const path = params.url.pathname;
  return path.endsWith(suffix) ? path.slice(0, path.length - suffix.length) : path;
}

/**
 * Whether a POST comes from this site's own pages: browsers send `Origin` on form posts, and a
 * cross-site one is refused before anything else (on top of the form token and SameSite cookie;
 * it also stops a cross-site login form). Clients that send no `Origin` (curl, tests) pass.
 */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `admin_web`: an administration page on the HTTP server for accounts allowed `:access` (the
 * admin role, which operators inherit). Log in with an account of this host and its password;
 * see hosts, modules with their status, sessions and key metrics; load, unload and reload modules.
 */
export default function adminWeb(module: Module): void {
  if (module.host === "*") {
    throw Object.assign(
      new Error("admin_web is a per-host module: enable it in a host's modules_enabled, not globally"),
      { code: "admin-web-global" },
    );
  }
  module.defaultPermission("canto:admin", ACCESS);
  module.defaultPermission("canto:operator", MANAGE_ALL);
  const lifetime = module.getOptionNumber("admin_web_session_lifetime", 3600);
  const attempts = module.getOptionNumber("admin_web_login_attempts", 5);
  const window = module.getOptionNumber("admin_web_login_window", 300);
  const sessions = new AdminSessions(module, lifetime);
  const throttle = new FailureThrottle(module, attempts, window);
  module.save = () => sessions.save();
  module.restore = (state) => sessions.restore(state);

  function sessionOf(request: IncomingMessage): AdminSession | undefined {
    return sessions.get(parseCookies(request.headers.cookie).get(COOKIE));
  }

  /** Why this page refuses to unload or reload a module: it would take itself offline. */
  function protectedReason(host: string, name: string): string | undefined {
    if (name === module.name && host === module.host)
      return "admin_web cannot unload or reload itself from its own page";
    if (name === "http" && (host === "*" || host === module.host)) return "http serves this page";
    return undefined;
  }

  async function metrics(): Promise<DashboardView["metrics"]> {
    const telemetry = telemetryOf(module.server);
    if (telemetry === undefined) return { lines: [], note: "This server has no metrics provider." };
    try {
      const text = await telemetry.openMetrics();
      const lines = text
        .split("\n")
        .filter(
          (line) =>
            line !== "" && !line.startsWith("#") && KEY_METRICS.test(line) && !/^\w+_created[{ ]/.test(line),
        );
      return {
        lines: lines.slice(0, 60),
        note: module.server.manager.isLoaded("*", "http_openmetrics")
          ? "Every metric is served at /metrics."
          : undefined,
      };
    } catch (error) {
      return { lines: [], note: `Metrics could not be collected: ${describe(error)}` };
    }
  }

  async function dashboard(session: AdminSession): Promise<string> {
    const all = await module.couldAsync(MANAGE_ALL, session.jid);
    const server = module.server;
    const names = all ? ["*", ...[...server.hosts()].map((host) => host.name)] : [module.host];
    const hosts: HostView[] = names.map((name) => ({
      name,
      modules: server.manager
        .list(name)
        .sort()
        .map((moduleName) => ({
          name: moduleName,
          status: server.manager.get(name, moduleName)?.getStatus() ?? { type: "core", message: "", time: 0 },
          protectedReason: protectedReason(name, moduleName),
        })),
    }));
    const sessionRows = [...server.sessions.all()]
      .filter((s) => all || s.host === module.host)
      .map((s) => ({ jid: s.fullJid ?? `${s.username ?? "?"}@${s.host}`, type: s.type, host: s.host }))
      .sort((a, b) => a.jid.localeCompare(b.jid));
    const flash = session.flash;
    session.flash = undefined;
    return dashboardPage({
      home: module.host,
      user: session.jid,
      csrf: session.csrf,
      flash,
      hosts,
      sessions: sessionRows,
      metrics: await metrics(),
      startedAt: server.startedAt,
    });
  }

  /** The session behind a request, if its account may still use the page (roles can be revoked). */
  async function authorised(request: IncomingMessage): Promise<AdminSession | undefined> {
    const session = sessionOf(request);
    if (session === undefined) return undefined;
    if (await module.mayAsync(ACCESS, session.jid)) return session;
    sessions.delete(session.token);
    return undefined;
  }

  async function act(session: AdminSession, action: Action, host: string, name: string): Promise<void> {
    if (host !== module.host && !(await module.mayAsync(MANAGE_ALL, session.jid))) {
      session.flash = { kind: "error", text: `You may only manage modules of ${module.host}.` };
      return;
    }
    const reason = action === "load" ? undefined : protectedReason(host, name);
    if (reason !== undefined) {
      session.flash = { kind: "error", text: `Refused to ${action} ${name} on ${host}: ${reason}.` };
      return;
    }
    const manager = module.server.manager;
    try {
      if (action === "load") await manager.load(host, name);
      else if (action === "unload") await manager.unload(host, name);
      else await manager.reload(host, name);
      module.log("info", "%s: %s %s on %s", session.jid, action, name, host);
      const done = { load: "Loaded", unload: "Unloaded", reload: "Reloaded" }[action];
      session.flash = { kind: "ok", text: `${done} ${name} on ${host}.` };
    } catch (error) {
      module.log("warn", "%s: %s %s on %s failed: %s", session.jid, action, name, host, describe(error));
      session.flash = { kind: "error", text: `Could not ${action} ${name} on ${host}: ${describe(error)}` };
    }
  }

  module.provides("http", {
    default_path: "/admin",
    route: {
      GET: (_request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) =>
        redirect(response, `${params.url.pathname}/`),

      "GET /": async (request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) => {
        const base = baseOf(params, "/");
        const session = sessionOf(request);
        if (session === undefined) return send(response, 200, loginPage(module.host));
        if (!(await module.mayAsync(ACCESS, session.jid))) {
          sessions.delete(session.token);
          return send(
            response,
            403,
            messagePage(
              "Access refused",
              `${session.jid} is not an administrator of ${module.host}.`,
              "refused",
            ),
            { "set-cookie": sessionCookie(COOKIE, "", base, 0) },
          );
        }
        return send(response, 200, await dashboard(session));
      },

      "POST /login": async (request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) => {
        const base = baseOf(params, "/login");
        if (!sameOrigin(request)) return crossSite(response);
        const address = request.socket.remoteAddress ?? "unknown";
        if (throttle.blocked(address)) {
          return send(
            response,
            429,
            messagePage(
              "Too many attempts",
              "Too many failed logins from your address; try again later.",
              "throttled",
            ),
            { "retry-after": String(window) },
          );
        }
        const form = new URLSearchParams(params.body.toString("utf8"));
        const typed = (form.get("username") ?? "").trim();
        const password = form.get("password") ?? "";
        if (typed === "" || password === "") {
          return send(
            response,
            400,
            loginPage(module.host, { error: "Enter an account and a password.", username: typed }),
          );
        }
        // `alice` or `alice@this.host`: the page belongs to one host.
        let jid: string | undefined;
        try {
          const parsed = parseJid(typed.includes("@") ? typed : `${typed}@${module.host}`);
          if (parsed.node !== undefined && parsed.resource === undefined && parsed.domain === module.host) {
            jid = `${parsed.node}@${parsed.domain}`;
          }
        } catch {
          jid = undefined;
        }
        const provider = authProvider(module);
        if (provider === undefined) {
          module.log(
            "error",
            "no authentication provider on %s: admin_web cannot check passwords",
            module.host,
          );
          return send(
            response,
            503,
            messagePage("Unavailable", "No authentication provider is loaded on this host.", "unavailable"),
          );
        }
        const node = jid === undefined ? undefined : nodeOf(jid);
        if (jid === undefined || node === undefined || !(await provider.testPassword(node, password))) {
          throttle.fail(address);
          module.log("info", "failed admin login for %s from %s", typed, address);
          return send(
            response,
            401,
            loginPage(module.host, { error: "Wrong account or password.", username: typed }),
          );
        }
        if (!(await module.mayAsync(ACCESS, jid))) {
          return send(
            response,
            403,
            messagePage("Access refused", `${jid} is not an administrator of ${module.host}.`, "refused"),
          );
        }
        const session = sessions.create(jid);
        module.log("info", "admin login: %s from %s", jid, address);
        return redirect(response, `${base}/`, {
          "set-cookie": sessionCookie(COOKIE, session.token, base, lifetime),
        });
      },

      "POST /logout": async (request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) => {
        const base = baseOf(params, "/logout");
        if (!sameOrigin(request)) return crossSite(response);
        const session = sessionOf(request);
        const form = new URLSearchParams(params.body.toString("utf8"));
        if (session !== undefined && AdminSessions.checkCsrf(session, form.get("csrf")))
          sessions.delete(session.token);
        return redirect(response, `${base}/`, { "set-cookie": sessionCookie(COOKIE, "", base, 0) });
      },

      "POST /module": async (request: IncomingMessage, response: ServerResponse, params: HttpRouteParams) => {
        const base = baseOf(params, "/module");
        if (!sameOrigin(request)) return crossSite(response);
        const session = await authorised(request);
        if (session === undefined) {
          return send(
            response,
            403,
            messagePage("Access refused", "Log in as an administrator first.", "refused"),
          );
        }
        const form = new URLSearchParams(params.body.toString("utf8"));
        if (!AdminSessions.checkCsrf(session, form.get("csrf"))) {
          module.log("warn", "admin action without a valid form token from %s", session.jid);
          return send(
            response,
            403,
            messagePage(
              "Refused",
              "The form token is missing or wrong (csrf-mismatch): reload the page and try again.",
              "csrf",
            ),
          );
        }
        const action = form.get("action") ?? "";
        const host = form.get("host") ?? "";
        const name = (form.get("name") ?? "").trim();
        if (!ACTIONS.includes(action as Action) || host === "" || name === "") {
          session.flash = {
            kind: "error",
            text: `Bad request: action must be one of ${ACTIONS.join(", ")}, with a host and a module name.`,
          };
        } else {
          await act(session, action as Action, host, name);
        }
        return redirect(response, `${base}/`);
      },
    },
  });
}
