import {
  type CantoConfig,
  createTestServer,
  type Element,
  iq,
  type LocalSession,
  message,
  presence,
  type TestServer,
} from "canto";
import { mucModules } from "./index.js";

// Test helpers of this folder: a server with a MUC component, joins, and stanza lookups.

export const SERVICE = "conference.localhost";
export const NS_MUC = "http://jabber.org/protocol/muc";
export const NS_USER = "http://jabber.org/protocol/muc#user";
export const NS_ADMIN = "http://jabber.org/protocol/muc#admin";
export const NS_OWNER = "http://jabber.org/protocol/muc#owner";
export const NS_DATA = "jabber:x:data";

const running = new Set<TestServer>();

/** A started server: `localhost` and the `muc` component `conference.localhost` with `options`. */
export async function mucServer(
  options: Record<string, unknown> = {},
  extra: Partial<Parameters<typeof createTestServer>[0]> = {},
): Promise<TestServer> {
  const t = await createTestServer({
    ...extra,
    modules: { ...mucModules, ...(extra.modules ?? {}) },
    config: {
      hosts: { localhost: {} },
      components: { [SERVICE]: { module: "muc", ...options } },
    } as CantoConfig,
  });
  running.add(t);
  return t;
}

export async function stopServers(): Promise<void> {
  for (const t of running) await t.stop();
  running.clear();
}

/** Lets handlers that await storage finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Sends `stanza` and waits until the server is done with it. */
export async function send(session: LocalSession, stanza: Element): Promise<void> {
  await session.process(stanza);
  await settle();
}

/** Sends the join presence (with `<x xmlns=muc/>`, and `history` or a password inside it). */
export async function join(
  session: LocalSession,
  room: string,
  nick: string,
  x: { password?: string; history?: Record<string, string>; bare?: boolean } = {},
): Promise<void> {
  const stanza = presence({ to: `${room}@${SERVICE}/${nick}` });
  if (!x.bare) {
    const el = stanza.c("x", { xmlns: NS_MUC });
    if (x.password !== undefined) el.c("password").t(x.password);
    if (x.history !== undefined) el.c("history", x.history);
  }
  await send(session, stanza);
}

let counter = 0;

/** Sends an IQ with one `<query xmlns=ns/>` (filled by `fill`) and returns the answer. */
export async function query(
  session: LocalSession,
  to: string,
  type: "get" | "set",
  ns: string,
  fill: (query: Element) => void = () => {},
): Promise<Element> {
  const id = `q${++counter}`;
  const stanza = iq({ type, id, to });
  fill(stanza.c("query", { xmlns: ns }));
  await send(session, stanza);
  const answer = session.received.findLast((s) => s.name === "iq" && s.attrs.id === id);
  if (answer === undefined) throw new Error(`no answer to ${stanza.toString()}`);
  return answer;
}

/** Submits the configuration form with `fields` (an empty one makes an instant room). */
export function configure(
  session: LocalSession,
  room: string,
  fields: Record<string, string> = {},
): Promise<Element> {
  return query(session, `${room}@${SERVICE}`, "set", NS_OWNER, (q) => {
    const x = q.c("x", { xmlns: NS_DATA, type: "submit" });
    x.c("field", { var: "FORM_TYPE", type: "hidden" })
      .c("value")
      .t("http://jabber.org/protocol/muc#roomconfig");
    for (const [name, value] of Object.entries(fields)) x.c("field", { var: name }).c("value").t(value);
  });
}

/** Creates a room as `owner` (joined as `nick`) and unlocks it with `fields`. */
export async function createRoom(
  owner: LocalSession,
  room: string,
  nick: string,
  fields: Record<string, string> = {},
): Promise<void> {
  await join(owner, room, nick);
  const answer = await configure(owner, room, fields);
  if (answer.attrs.type !== "result") throw new Error(`configuration refused: ${answer.toString()}`);
}

/** A groupchat message to the room. */
export function groupchat(room: string, body: string): Element {
  return message({ to: `${room}@${SERVICE}`, type: "groupchat" })
    .c("body")
    .t(body)
    .root();
}

/** `type/condition` of an error stanza, or its type. */
export function outcome(stanza: Element | undefined): string {
  if (stanza === undefined) return "nothing";
  if (stanza.attrs.type !== "error") return String(stanza.attrs.type ?? "available");
  const error = stanza.getChild("error");
  const condition = error?.children.find(
    (c): c is Element =>
      typeof c === "object" && c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text",
  );
  return `${error?.attrs.type}/${condition?.name}`;
}

/** Presences received from `from` (an occupant JID), oldest first. */
export function presencesFrom(session: LocalSession, from: string): Element[] {
  return session.received.filter((s) => s.name === "presence" && s.attrs.from === from);
}

/** The last presence received from `from`. */
export function lastPresence(session: LocalSession, from: string): Element | undefined {
  return presencesFrom(session, from).at(-1);
}

/** Status codes of a stanza's muc#user element. */
export function codes(stanza: Element | undefined): number[] {
  return (stanza?.getChild("x", NS_USER)?.getChildren("status") ?? []).map((s) => Number(s.attrs.code));
}

/** The muc#user item of a presence. */
export function item(stanza: Element | undefined): Record<string, string> {
  return (stanza?.getChild("x", NS_USER)?.getChild("item")?.attrs ?? {}) as Record<string, string>;
}

/** Groupchat bodies received, oldest first. */
export function bodies(session: LocalSession): string[] {
  return session.received
    .filter((s) => s.name === "message" && s.attrs.type === "groupchat" && s.getChild("body") !== undefined)
    .map((s) => s.getChildText("body") ?? "");
}
