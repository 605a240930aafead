import { html, type SafeHtml } from "./html.js";

/** One loaded module as the dashboard shows it. */
export interface ModuleRow {
  name: string;
  status: { type: string; message: string; time: number };
  /** Whether this page may act on it (unload/reload). */
  protectedReason?: string | undefined;
}

export interface HostView {
  /** `*` for the global host. */
  name: string;
  modules: ModuleRow[];
}

export interface SessionRow {
  jid: string;
  type: string;
  host: string;
}

export interface DashboardView {
  /** The host this page belongs to (preselected in the load form). */
  home: string;
  user: string;
  csrf: string;
  flash?: { kind: "ok" | "error"; text: string } | undefined;
  hosts: HostView[];
  sessions: SessionRow[];
  metrics: { lines: string[]; note?: string | undefined };
  startedAt: number | undefined;
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:72rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
form.inline{display:inline;margin:0 .2rem 0 0}
.flash{padding:.5rem 1rem;border-radius:4px}
.ok{background:#e6f4ea;border:1px solid #8c8}.error{background:#fdecea;border:1px solid #d88}
.status-warn{color:#a60}.status-error{color:#b00}.status-info{color:#036}
pre{background:#f7f7f7;padding:.5rem;overflow:auto}
`;

/** The whole document around a page body. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head>
<body>${body}</body>
</html>
`.value;
}

export function loginPage(host: string, options: { error?: string; username?: string } = {}): string {
  return layout(
    `Canto admin — ${host}`,
    html`<h1>Canto administration for ${host}</h1>
${options.error !== undefined && html`<p class="flash error" id="error" role="alert">${options.error}</p>`}
<form method="post" action="login" id="login">
  <p><label>Account <input name="username" id="username" autocomplete="username" required value="${options.username ?? ""}"></label></p>
  <p><label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label></p>
  <p><button type="submit" id="login-submit">Log in</button></p>
</form>`,
  );
}

/** A page that only says something and links back to the login form. */
export function messagePage(title: string, text: string, id: string): string {
  return layout(
    title,
    html`<h1>${title}</h1>
<p class="flash error" id="${id}" role="alert">${text}</p>
<p><a href="./">Back to the login page</a></p>`,
  );
}

function time(seconds: number): string {
  return seconds > 0 ? new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, "Z") : "—";
}

function actionForm(view: DashboardView, action: string, host: string, name: string): SafeHtml {
  return html`<form class="inline" method="post" action="module"><input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="host" value="${host}"><input type="hidden" name="name" value="${name}"><button type="submit" data-action="${action}" data-host="${host}" data-module="${name}">${action[0]?.toUpperCase()}${action.slice(1)}</button></form>`;
}

function hostSection(view: DashboardView, host: HostView): SafeHtml {
  return html`<section class="host" data-host="${host.name}">
<h3>${host.name === "*" ? "Global modules (*)" : host.name}</h3>
<table><thead><tr><th>Module</th><th>Status</th><th>Message</th><th>Since</th><th>Actions</th></tr></thead><tbody>
${host.modules.map(
  (row) => html`<tr class="module" data-host="${host.name}" data-module="${row.name}">
<td>${row.name}</td><td class="status-${row.status.type}">${row.status.type}</td><td class="status-message">${row.status.message}</td><td>${time(row.status.time)}</td>
<td>${
    row.protectedReason !== undefined
      ? html`<span title="${row.protectedReason}">(needed by this page)</span>`
      : [actionForm(view, "reload", host.name, row.name), actionForm(view, "unload", host.name, row.name)]
  }</td></tr>`,
)}
</tbody></table></section>`;
}

export function dashboardPage(view: DashboardView): string {
  return layout(
    "Canto admin",
    html`<h1>Canto administration</h1>
<p>Logged in as <strong id="user">${view.user}</strong>${view.startedAt !== undefined && html`; server up since ${time(view.startedAt)}`}.
<form class="inline" method="post" action="logout"><input type="hidden" name="csrf" value="${view.csrf}"><button type="submit" id="logout">Log out</button></form></p>
${view.flash !== undefined && html`<p class="flash ${view.flash.kind}" id="flash" role="status">${view.flash.text}</p>`}
<h2>Hosts</h2>
<ul id="hosts">${view.hosts.filter((host) => host.name !== "*").map((host) => html`<li>${host.name} (${host.modules.length} modules)</li>`)}</ul>
<h2>Modules</h2>
${view.hosts.map((host) => hostSection(view, host))}
<h3>Load a module</h3>
<form method="post" action="module" id="load-form"><input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="action" value="load">
<label>Host <select name="host" id="load-host">${view.hosts.map((host) => html`<option value="${host.name}"${host.name === view.home && html` selected`}>${host.name}</option>`)}</select></label>
<label>Module <input name="name" id="load-name" required></label>
<button type="submit" id="load-submit">Load</button></form>
<h2>Sessions (${view.sessions.length})</h2>
<table id="sessions"><thead><tr><th>JID</th><th>Type</th><th>Host</th></tr></thead><tbody>
${view.sessions.map((session) => html`<tr class="session"><td>${session.jid}</td><td>${session.type}</td><td>${session.host}</td></tr>`)}
</tbody></table>
<h2>Metrics</h2>
${view.metrics.note !== undefined && html`<p>${view.metrics.note}</p>`}
${view.metrics.lines.length > 0 && html`<pre id="metrics">${view.metrics.lines.join("\n")}</pre>`}`,
  );
}
