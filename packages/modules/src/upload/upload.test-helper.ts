import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CantoConfig,
  createTestServer,
  type Element,
  iq,
  type LocalSession,
  type TestServer,
} from "canto";
import { extensionsModules } from "../extensions/index.js";
import { httpModules } from "../http/index.js";
import type { FileShareApi } from "./http_file_share.js";
import { uploadModules } from "./index.js";
import { NS_UPLOAD } from "./slots.js";

export const COMPONENT = "upload.localhost";

export interface Share {
  t: TestServer;
  port: number;
  /** The data folder (removed by `stop`). */
  data: string;
  api: FileShareApi;
  stop(): Promise<void>;
}

/**
 * A test server (fake clock) with `http` on an ephemeral port, a `localhost` host and the
 * `upload.localhost` component running http_file_share with `options`, data in a temporary folder.
 */
export async function startShare(
  options: Record<string, unknown> = {},
  extra: { global?: Record<string, unknown>; modules?: CantoConfig["modules_enabled"] } = {},
): Promise<Share> {
  const data = mkdtempSync(join(tmpdir(), "canto-upload-"));
  const t = await createTestServer({
    modules: { ...httpModules, ...extensionsModules, ...uploadModules },
    config: {
      data_path: data,
      http_ports: [0],
      modules_enabled: extra.modules ?? ["disco"],
      ...extra.global,
      hosts: { localhost: {} },
      // 127.0.0.1 as the component's HTTP name, so that slot URLs resolve everywhere.
      components: { [COMPONENT]: { module: "http_file_share", http_host: "127.0.0.1", ...options } },
    } as CantoConfig,
  });
  const http = t.server.global.modules.get("http")?.exports as { listeners(): { port: number }[] };
  const port = http.listeners()[0]!.port;
  const api = t.server.host(COMPONENT)?.modules.get("http_file_share")?.exports as FileShareApi;
  return {
    t,
    port,
    data,
    api,
    stop: async () => {
      await t.stop();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export function slotRequest(filename: string | undefined, size: number | string, type?: string): Element {
  const stanza = iq({ id: `slot${++counter}`, type: "get", to: COMPONENT });
  const attrs: Record<string, string> = { size: String(size) };
  if (filename !== undefined) attrs.filename = filename;
  if (type !== undefined) attrs["content-type"] = type;
  stanza.c("request", { xmlns: NS_UPLOAD, ...attrs });
  return stanza;
}

/** Sends `stanza` from `session` and waits for the answer with its id. */
export async function ask(session: LocalSession, stanza: Element): Promise<Element> {
  const id = stanza.attrs.id as string;
  await session.process(stanza);
  const deadline = Date.now() + 3000;
  for (;;) {
    const answer = session.received.findLast((s) => s.name === "iq" && s.attrs.id === id);
    if (answer !== undefined) return answer;
    if (Date.now() > deadline) throw new Error(`no answer to ${stanza.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Slot {
  put: string;
  get: string;
  authorization: string;
}

/** The PUT/GET URLs and header of a result, or throws with the error answer. */
export function slotOf(answer: Element): Slot {
  const slot = answer.getChild("slot", NS_UPLOAD);
  if (answer.attrs.type !== "result" || slot === undefined) throw new Error(`no slot: ${answer.toString()}`);
  const put = slot.getChild("put")!;
  return {
    put: String(put.attrs.url),
    get: String(slot.getChild("get")!.attrs.url),
    authorization: put.getChild("header")!.getText(),
  };
}

/** `type/condition` of an error answer, or the answer's type. */
export function outcome(answer: Element): string {
  if (answer.attrs.type !== "error") return String(answer.attrs.type);
  const error = answer.getChild("error");
  const condition = error?.children.find(
    (c): c is Element =>
      typeof c === "object" && c.attrs.xmlns === "urn:ietf:params:xml:ns:xmpp-stanzas" && c.name !== "text",
  );
  return `${error?.attrs.type}/${condition?.name}`;
}
