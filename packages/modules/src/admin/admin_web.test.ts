import { afterEach, describe, expect, it } from "vitest";
import { createAccount } from "../auth/accounts.js";
import { type Reply, request } from "../http/http.test-helper.js";
import { ADMIN, type AdminServer, DUMMY_STATUS, startAdminServer, USER } from "./admin.test-helper.js";
import { escapeHtml, html } from "./html.js";

const running: AdminServer[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop();
});

async function start(config = {}): Promise<AdminServer> {
  const server = await startAdminServer(config);
  running.push(server);
  return server;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function login(port: number, username: string, password: string): Promise<Reply> {
  return request(port, "/admin/login", {
    method: "POST",
    headers: FORM,
    body: new URLSearchParams({ username, password }).toString(),
  });
}

function cookieOf(reply: Reply): string {
  const header = reply.headers["set-cookie"]?.[0];
  if (header === undefined) throw new Error(`no Set-Cookie (status ${reply.status})`);
  return header.split(";")[0] ?? "";
}

async function adminCookie(port: number): Promise<string> {
  const reply = await login(port, ADMIN.username, ADMIN.password);
  expect(reply.status).toBe(303);
  return cookieOf(reply);
}

async function dashboard(port: number, cookie: string): Promise<Reply> {
  return request(port, "/admin/", { headers: { cookie } });
}

function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (match?.[1] === undefined) throw new Error("no csrf field on the page");
  return match[1];
}

function post(port: number, cookie: string, fields: Record<string, string>): Promise<Reply> {
  return request(port, "/admin/module", {
    method: "POST",
    headers: { ...FORM, cookie },
    body: new URLSearchParams(fields).toString(),
  });
}

describe("html", () => {
  it("escapes interpolated text and attribute values but keeps nested templates", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p title="${`"x'`}">${inner}${["<", "&"]}${undefined}${false}</p>`.value).toBe(
      '<p title="&quot;x&#39;"><b>&lt;i&gt;</b>&lt;&amp;</p>',
    );
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });
});

describe("admin_web over plain HTTP", () => {
  it("serves the login form at /admin/ and redirects /admin there, with no-store and a strict CSP", async () => {
    const { port } = await start();
    const redirect = await request(port, "/admin");
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe("/admin/");
    const page = await request(port, "/admin/");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["cache-control"]).toBe("no-store");
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.body).toContain('<form method="post" action="login" id="login">');
    expect(page.body).not.toContain("Modules");
  });

  it("refuses a wrong password (401) and a non-admin account (403) without a session cookie", async () => {
    const { port } = await start();
    const wrong = await login(port, ADMIN.username, "not-the-password");
    expect(wrong.status).toBe(401);
    expect(wrong.body).toContain("Wrong account or password.");
    expect(wrong.headers["set-cookie"]).toBeUndefined();
    const user = await login(port, USER.username, USER.password);
    expect(user.status).toBe(403);
    expect(user.body).toContain("mallory@localhost is not an administrator of localhost.");
    expect(user.headers["set-cookie"]).toBeUndefined();
    const missing = await login(port, "", "");
    expect(missing.status).toBe(400);
  });

  it("gives an admin an HttpOnly, SameSite=Strict session cookie limited to /admin, holding only a random token", async () => {
    const { port } = await start();
    const reply = await login(port, `${ADMIN.username}@localhost`, ADMIN.password);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe("/admin/");
    const header = reply.headers["set-cookie"]?.[0] ?? "";
    expect(header).toMatch(/^canto_admin=[A-Za-z0-9_-]{43}; /);
    expect(header).toContain("; HttpOnly");
    expect(header).toContain("; SameSite=Strict");
    expect(header).toContain("; Path=/admin;");
    expect(header).toContain("; Max-Age=3600");
    expect(header).not.toContain(ADMIN.username);
    const other = cookieOf(await login(port, ADMIN.username, ADMIN.password));
    expect(other).not.toBe(cookieOf(reply));
    // A made-up token is no session.
    expect((await dashboard(port, "canto_admin=forged")).body).toContain('id="login"');
  });

  it("shows hosts, modules with their status (escaped), sessions and metrics to an admin", async () => {
    const { port } = await start();
    const page = await dashboard(port, await adminCookie(port));
    expect(page.status).toBe(200);
    expect(page.body).toContain('<strong id="user">boss@localhost</strong>');
    expect(page.body).toContain("<li>localhost (");
    expect(page.body).toContain('data-host="localhost" data-module="dummy_status"');
    expect(page.body).toContain('<td class="status-warn">warn</td>');
    expect(page.body).toContain(escapeHtml(DUMMY_STATUS));
    expect(page.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(page.body).not.toContain("<script>");
    expect(page.body).toContain("<td>alice@localhost/phone</td><td>c2s</td>");
    expect(page.body).toContain("Global modules (*)");
    expect(page.body).toContain('id="metrics"');
  });

  it("refuses POST actions without the session's form token (csrf) and leaves the module loaded", async () => {
    const { server, port } = await start();
    const cookie = await adminCookie(port);
    const fields = { action: "unload", host: "localhost", name: "dummy_status" };
    const none = await post(port, cookie, fields);
    expect(none.status).toBe(403);
    expect(none.body).toContain("csrf-mismatch");
    const wrong = await post(port, cookie, { ...fields, csrf: "A".repeat(43) });
    expect(wrong.status).toBe(403);
    // Another session's token is no good either.
    const otherCookie = await adminCookie(port);
    const otherCsrf = csrfOf((await dashboard(port, otherCookie)).body);
    expect((await post(port, cookie, { ...fields, csrf: otherCsrf })).status).toBe(403);
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(true);
    // No session at all.
    const anonymous = await post(port, "", { ...fields, csrf: otherCsrf });
    expect(anonymous.status).toBe(403);
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(true);
  });

  it("unloads, loads and reloads a module with the token, and reports errors on the page", async () => {
    const { server, port } = await start();
    const cookie = await adminCookie(port);
    const csrf = csrfOf((await dashboard(port, cookie)).body);
    const unload = await post(port, cookie, {
      csrf,
      action: "unload",
      host: "localhost",
      name: "dummy_status",
    });
    expect(unload.status).toBe(303);
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(false);
    let page = (await dashboard(port, cookie)).body;
    expect(page).toContain("Unloaded dummy_status on localhost.");
    expect(page).not.toContain('data-module="dummy_status"');
    await post(port, cookie, { csrf, action: "load", host: "localhost", name: "dummy_status" });
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(true);
    const before = server.manager.get("localhost", "dummy_status");
    await post(port, cookie, { csrf, action: "reload", host: "localhost", name: "dummy_status" });
    expect(server.manager.get("localhost", "dummy_status")).not.toBe(before);
    expect((await dashboard(port, cookie)).body).toContain("Reloaded dummy_status on localhost.");
    await post(port, cookie, { csrf, action: "load", host: "localhost", name: "no_such_module" });
    page = (await dashboard(port, cookie)).body;
    expect(page).toContain('class="flash error"');
    expect(page).toContain("Could not load no_such_module on localhost:");
    // The flash is shown once.
    expect((await dashboard(port, cookie)).body).not.toContain("Could not load");
    await post(port, cookie, { csrf, action: "explode", host: "localhost", name: "dummy_status" });
    expect((await dashboard(port, cookie)).body).toContain(
      "Bad request: action must be one of load, unload, reload",
    );
  });

  it("refuses to unload itself or http, with a message", async () => {
    const { server, port } = await start();
    const cookie = await adminCookie(port);
    const csrf = csrfOf((await dashboard(port, cookie)).body);
    await post(port, cookie, { csrf, action: "unload", host: "localhost", name: "admin_web" });
    expect(server.manager.isLoaded("localhost", "admin_web")).toBe(true);
    expect((await dashboard(port, cookie)).body).toContain(
      "Refused to unload admin_web on localhost: admin_web cannot unload or reload itself from its own page.",
    );
    await post(port, cookie, { csrf, action: "unload", host: "*", name: "http" });
    expect(server.manager.isLoaded("*", "http")).toBe(true);
    expect((await dashboard(port, cookie)).body).toContain(
      "Refused to unload http on *: http serves this page.",
    );
  });

  it("ends the session at logout", async () => {
    const { port } = await start();
    const cookie = await adminCookie(port);
    const csrf = csrfOf((await dashboard(port, cookie)).body);
    const out = await request(port, "/admin/logout", {
      method: "POST",
      headers: { ...FORM, cookie },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    expect(out.status).toBe(303);
    expect(out.headers["set-cookie"]?.[0]).toContain("Max-Age=0");
    expect((await dashboard(port, cookie)).body).toContain('id="login"');
  });

  it("throttles failed logins per address: after the limit even the right password is refused (429)", async () => {
    const { port } = await start({ admin_web_login_attempts: 2 });
    expect((await login(port, ADMIN.username, "bad-1")).status).toBe(401);
    expect((await login(port, ADMIN.username, "bad-2")).status).toBe(401);
    const blocked = await login(port, ADMIN.username, ADMIN.password);
    expect(blocked.status).toBe(429);
    expect(blocked.headers["retry-after"]).toBe("300");
  });
});

describe("admin_web limits", () => {
  it("refuses cross-site form posts (Origin of another site), even with the right token", async () => {
    const { server, port } = await start();
    const crossLogin = await request(port, "/admin/login", {
      method: "POST",
      headers: { ...FORM, origin: "http://evil.example" },
      body: new URLSearchParams({ username: ADMIN.username, password: ADMIN.password }).toString(),
    });
    expect(crossLogin.status).toBe(403);
    expect(crossLogin.headers["set-cookie"]).toBeUndefined();
    const cookie = await adminCookie(port);
    const csrf = csrfOf((await dashboard(port, cookie)).body);
    const body = new URLSearchParams({
      csrf,
      action: "unload",
      host: "localhost",
      name: "dummy_status",
    }).toString();
    const cross = await request(port, "/admin/module", {
      method: "POST",
      headers: { ...FORM, cookie, origin: "http://evil.example" },
      body,
    });
    expect(cross.status).toBe(403);
    expect(cross.body).toContain("cross-origin");
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(true);
    const same = await request(port, "/admin/module", {
      method: "POST",
      headers: { ...FORM, cookie, origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}` },
      body,
    });
    expect(same.status).toBe(303);
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(false);
  });

  it("ends a session after admin_web_session_lifetime seconds", async () => {
    const { port } = await start({ admin_web_session_lifetime: 1 });
    const cookie = await adminCookie(port);
    expect((await dashboard(port, cookie)).body).toContain('id="user"');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await dashboard(port, cookie)).body).toContain('id="login"');
  });

  it("lets a host admin (not an operator) manage only its host's modules and see only its sessions", async () => {
    const { server, port } = await start({ hosts: { localhost: { admins: ["keeper@localhost"] } } });
    await createAccount(server, "localhost", "keeper", "keeper-secret-1");
    const reply = await login(port, "keeper", "keeper-secret-1");
    expect(reply.status).toBe(303);
    const cookie = cookieOf(reply);
    const page = (await dashboard(port, cookie)).body;
    expect(page).toContain('data-module="dummy_status"');
    expect(page).not.toContain("Global modules (*)");
    const csrf = csrfOf(page);
    await post(port, cookie, { csrf, action: "load", host: "*", name: "http_openmetrics" });
    expect(server.manager.isLoaded("*", "http_openmetrics")).toBe(false);
    expect((await dashboard(port, cookie)).body).toContain("You may only manage modules of localhost.");
    await post(port, cookie, { csrf, action: "unload", host: "localhost", name: "dummy_status" });
    expect(server.manager.isLoaded("localhost", "dummy_status")).toBe(false);
  });
});
