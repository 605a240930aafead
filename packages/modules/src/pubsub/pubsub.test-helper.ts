import { type CantoConfig, createTestServer, Element, iq, type TestServer } from "canto";
import { extensionsModules } from "../extensions/index.js";
import { pubsubModules } from "./index.js";

// Test helpers of this folder: a server with a pubsub component, and pubsub IQ builders.

export const PUBSUB = "http://jabber.org/protocol/pubsub";
export const OWNER_NS = "http://jabber.org/protocol/pubsub#owner";
export const EVENT = "http://jabber.org/protocol/pubsub#event";
export const ERRORS = "http://jabber.org/protocol/pubsub#errors";
export const SERVICE = "pubsub.localhost";

const running = new Set<TestServer>();

/** A server with `localhost` and the component `pubsub.localhost` running the pubsub module. */
export async function pubsubServer(options: Record<string, unknown> = {}, global: Partial<CantoConfig> = {}) {
  const t = await createTestServer({
    modules: { ...extensionsModules, ...pubsubModules },
    config: {
      modules_enabled: ["disco"],
      ...global,
      hosts: { localhost: {} },
      components: { [SERVICE]: { module: "pubsub", ...options } },
    } as CantoConfig,
  });
  running.add(t);
  return t;
}

export async function stopServers(): Promise<void> {
  for (const t of running) await t.stop();
  running.clear();
}

let counter = 0;

/** `<iq to=pubsub.localhost><pubsub xmlns=ns>` with one action child; add to `action`. */
export function pubsubIq(
  type: "get" | "set",
  name: string,
  attrs: Record<string, string> = {},
  ns = PUBSUB,
): { stanza: Element; pubsub: Element; action: Element } {
  const stanza = iq({ id: `ps${++counter}`, type, to: SERVICE });
  const pubsub = stanza.c("pubsub", { xmlns: ns });
  const action = pubsub.c(name, attrs);
  return { stanza, pubsub, action };
}

export function entry(text: string): Element {
  return new Element("entry", { xmlns: "http://www.w3.org/2005/Atom" }).c("title").t(text).root();
}

/** `<x type=submit>` with FORM_TYPE and `pubsub#<name>` fields. */
export function submitForm(formType: string, fields: Record<string, string | string[]>): Element {
  const x = new Element("x", { xmlns: "jabber:x:data", type: "submit" });
  x.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t(formType);
  for (const [name, value] of Object.entries(fields)) {
    const field = x.c("field", { var: `pubsub#${name}` });
    for (const v of Array.isArray(value) ? value : [value]) field.c("value").t(v);
  }
  return x;
}

/** `type/condition[/pubsub-child]` of an answer, or its type when it is no error. */
export function outcome(answer: Element): string {
  if (answer.attrs.type !== "error") return String(answer.attrs.type);
  const error = answer.getChild("error")!;
  const parts = [String(error.attrs.type)];
  for (const child of error.children) {
    if (!(child instanceof Element) || child.name === "text") continue;
    parts.push(child.name);
  }
  return parts.join("/");
}
