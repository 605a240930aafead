import {
  type CantoConfig,
  createTestServer,
  type Element,
  iq,
  type LocalSession,
  type ModuleSetup,
  presence,
  type TestServer,
} from "canto";
import { imModules } from "./index.js";

export const IM_MODULES = ["roster", "presence", "message", "offline"];

/** A started test server with the IM modules (or `modules`) on `localhost`. */
export async function imServer(
  options: {
    modules?: string[];
    hostOptions?: Record<string, unknown>;
    config?: CantoConfig;
    /** More modules, loaded before the IM ones. */
    extra?: Record<string, ModuleSetup>;
  } = {},
): Promise<TestServer> {
  const extra = options.extra ?? {};
  return createTestServer({
    modules: { ...imModules, ...extra },
    config: options.config ?? {
      modules_enabled: [...Object.keys(extra), ...(options.modules ?? IM_MODULES)],
      hosts: { localhost: (options.hostOptions ?? {}) as never },
    },
  });
}

/** Lets handlers that the router doesn't await (resource-unbind, ...) finish their storage work. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

let nextId = 0;

/** Sends a roster get and returns the result stanza. */
export async function rosterGet(session: LocalSession, ver?: string): Promise<Element> {
  const id = `get-${++nextId}`;
  const query = ver === undefined ? { xmlns: "jabber:iq:roster" } : { xmlns: "jabber:iq:roster", ver };
  await session.process(iq({ type: "get", id }).c("query", query).root());
  const answer = session.received.find((s) => s.name === "iq" && s.attrs.id === id);
  if (answer === undefined) throw new Error(`no answer to roster get ${id}`);
  return answer;
}

/** Sends a roster set with one item and returns the answer. */
export async function rosterSet(
  session: LocalSession,
  attrs: Record<string, string>,
  groups: string[] = [],
): Promise<Element> {
  const id = `set-${++nextId}`;
  const item = iq({ type: "set", id }).c("query", { xmlns: "jabber:iq:roster" }).c("item", attrs);
  for (const group of groups) item.c("group").t(group).up();
  await session.process(item.root());
  const answer = session.received.find((s) => s.name === "iq" && s.attrs.id === id);
  if (answer === undefined) throw new Error(`no answer to roster set ${id}`);
  return answer;
}

/** `{ jid: "subscription[/ask]" }` from a roster result or push. */
export function itemsOf(stanza: Element): Record<string, string> {
  const items: Record<string, string> = {};
  for (const item of stanza.getChild("query", "jabber:iq:roster")?.getChildren("item") ?? []) {
    const ask = item.attrs.ask === undefined ? "" : `/${item.attrs.ask}`;
    items[item.attrs.jid as string] = `${item.attrs.subscription}${ask}`;
  }
  return items;
}

/** The current roster of a session's user as `{ jid: "subscription[/ask]" }`. */
export async function rosterOf(session: LocalSession): Promise<Record<string, string>> {
  return itemsOf(await rosterGet(session));
}

/** Connects, asks for the roster and sends initial presence (a typical client login). */
export async function login(t: TestServer, jid: string, priority?: number): Promise<LocalSession> {
  const session = t.connect(jid);
  await rosterGet(session);
  const initial = presence();
  if (priority !== undefined) initial.c("priority").t(String(priority));
  await session.process(initial);
  return session;
}

/** Both users subscribe to each other (the full handshake, both ways). */
export async function befriend(a: LocalSession, b: LocalSession): Promise<void> {
  const aBare = `${a.username}@${a.host}`;
  const bBare = `${b.username}@${b.host}`;
  await a.process(presence({ to: bBare, type: "subscribe" }));
  await b.process(presence({ to: aBare, type: "subscribed" }));
  await b.process(presence({ to: aBare, type: "subscribe" }));
  await a.process(presence({ to: bBare, type: "subscribed" }));
}

/** Presence stanzas a session received, as `from type` strings. */
export function presencesOf(session: LocalSession): string[] {
  return session.received
    .filter((s) => s.name === "presence")
    .map((s) => `${s.attrs.from} ${(s.attrs.type as string | undefined) ?? "available"}`);
}

export function clear(...sessions: LocalSession[]): void {
  for (const session of sessions) session.received.length = 0;
}

/** An auth provider that knows only `users` (for the "no such user" rules of RFC 6121 §8.5.1). */
export function fakeAuth(users: string[]): ModuleSetup {
  return (module) => {
    module.provides("auth", { name: "internal_hashed", userExists: async (u: string) => users.includes(u) });
  };
}
