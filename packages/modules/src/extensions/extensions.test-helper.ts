import {
  type CantoConfig,
  createTestServer,
  type Element,
  iq,
  type LocalSession,
  type ModuleSetup,
  type TestServer,
} from "canto";
import { extensionsModules } from "./index.js";

// Test helpers of this folder: a server with the extension modules, and IQ round trips.

const running = new Set<TestServer>();

/** A test server whose modules are this folder's; `modules_enabled` lists the ones to load. */
export async function serverWith(
  modules: readonly string[],
  config: Omit<CantoConfig, "modules_enabled"> = { hosts: { localhost: {} } },
  extra: Readonly<Record<string, ModuleSetup>> = {},
): Promise<TestServer> {
  const t = await createTestServer({
    modules: { ...extensionsModules, ...extra },
    config: { ...config, modules_enabled: modules } as CantoConfig,
  });
  running.add(t);
  return t;
}

/** Stops every server `serverWith` started (call it in `afterEach`). */
export async function stopServers(): Promise<void> {
  for (const t of running) await t.stop();
  running.clear();
}

let counter = 0;

/** An IQ with a fresh id and one payload element `<name xmlns=ns/>`; add children to `payload`. */
export function request(
  type: "get" | "set",
  to: string | undefined,
  name: string,
  ns: string,
): { stanza: Element; payload: Element } {
  const attrs: { id: string; type: string; to?: string } = { id: `q${++counter}`, type };
  if (to !== undefined) attrs.to = to;
  const stanza = iq(attrs);
  const payload = stanza.c(name, { xmlns: ns });
  return { stanza, payload };
}

/** Sends `stanza` from `session` and returns the answer with the same id. */
export async function ask(session: LocalSession, stanza: Element): Promise<Element> {
  const id = stanza.attrs.id as string;
  await session.process(stanza);
  const answer = session.received.findLast((s) => s.name === "iq" && s.attrs.id === id);
  if (answer === undefined) throw new Error(`no answer to ${stanza.toString()}`);
  return answer;
}

/** `type/condition` of an error answer, or the answer's type when it is no error. */
export function outcome(answer: Element): string {
  if (answer.attrs.type !== "error") return String(answer.attrs.type);
  const error = answer.getChild("error");
  const condition = error?.children.find(
    (c): c is Element =>
      typeof c === "object" && c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text",
  );
  return `${error?.attrs.type}/${condition?.name}`;
}
