import {
  type CantoConfig,
  createTestServer,
  Element,
  iq,
  type LocalSession,
  message,
  presence,
  type TestServer,
} from "canto";
import { extensionsModules } from "../extensions/index.js";
import { imModules } from "../im/index.js";
import { archiveModules } from "./index.js";
import { NS_MAM, NS_RSM } from "./util.js";

/** A started test server with roster, presence, message and the archive modules on `localhost`. */
export async function archiveServer(
  hostOptions: Record<string, unknown> = {},
  modules: string[] = ["roster", "presence", "message", "mam", "carbons"],
): Promise<TestServer> {
  const config: CantoConfig = { modules_enabled: modules, hosts: { localhost: hostOptions as never } };
  return createTestServer({
    modules: { ...imModules, ...archiveModules, disco: extensionsModules.disco! },
    config,
  });
}

/** Connects and sends initial presence, so that messages to the bare JID reach the session. */
export async function online(t: TestServer, jid: string, priority = 0): Promise<LocalSession> {
  const session = t.connect(jid);
  await session.process(presence().c("priority").t(String(priority)).root());
  session.received.length = 0;
  return session;
}

let nextId = 0;

/** Sends an IQ and returns its answer; `received` keeps only what came before the answer. */
export async function ask(session: LocalSession, type: "get" | "set", payload: Element): Promise<Element> {
  const id = `q${++nextId}`;
  await session.process(iq({ type, id }).cnode(payload).root());
  const answer = session.received.find((s) => s.name === "iq" && s.attrs.id === id);
  if (answer === undefined) throw new Error(`no answer to iq ${id}`);
  return answer;
}

export async function chat(from: LocalSession, to: string, body: string, attrs: Record<string, string> = {}) {
  await from.process(message({ to, type: "chat", ...attrs }, body));
}

export interface Page {
  bodies: (string | undefined)[];
  ids: string[];
  fin: Element | undefined;
  first: string | undefined;
  firstIndex: string | undefined;
  last: string | undefined;
  count: string | undefined;
  complete: boolean;
  error: string | undefined;
  results: Element[];
}

/** Runs a MAM query built by `build` on a fresh `<query/>`, and reads the result messages and `<fin/>`. */
export async function mamQuery(
  session: LocalSession,
  build: (query: Element) => void = () => {},
  queryid = "qid",
): Promise<Page> {
  session.received.length = 0;
  const query = new Element("query", { xmlns: NS_MAM, queryid });
  build(query);
  const answer = await ask(session, "set", query);
  const results = session.received.filter((s) => s.name === "message");
  const fin = answer.getChild("fin", NS_MAM);
  const set = fin?.getChild("set", NS_RSM);
  const forwardedMessages = results.map((m) =>
    m.getChild("result", NS_MAM)?.getChild("forwarded", "urn:xmpp:forward:0")?.getChild("message"),
  );
  return {
    bodies: forwardedMessages.map((m) => m?.getChildText("body") ?? undefined),
    ids: results.map((m) => m.getChild("result", NS_MAM)?.attrs.id as string),
    fin,
    first: set?.getChildText("first") ?? undefined,
    firstIndex: set?.getChild("first")?.attrs.index as string | undefined,
    last: set?.getChildText("last") ?? undefined,
    count: set?.getChildText("count") ?? undefined,
    complete: fin?.attrs.complete === "true",
    error: answer.attrs.type === "error" ? answer.getChild("error")?.getChildElements()[0]?.name : undefined,
    results,
  };
}

/** Adds a data form with `fields` to a query. */
export function form(query: Element, fields: Record<string, string | string[]>): void {
  const x = query.c("x", { xmlns: "jabber:x:data", type: "submit" });
  x.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t(NS_MAM);
  for (const [name, value] of Object.entries(fields)) {
    const field = x.c("field", { var: name });
    for (const v of Array.isArray(value) ? value : [value]) field.c("value").t(v);
  }
}

/** Adds an RSM `<set/>`; `before: ""` is the empty `<before/>` (the last page). */
export function rsm(query: Element, set: { max?: number; before?: string; after?: string }): void {
  const el = query.c("set", { xmlns: NS_RSM });
  if (set.max !== undefined) el.c("max").t(String(set.max));
  if (set.before !== undefined) el.c("before").t(set.before);
  if (set.after !== undefined) el.c("after").t(set.after);
}
