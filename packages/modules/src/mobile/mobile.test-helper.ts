import type { CantoConfig } from "canto";
import { imModules } from "../im/index.js";
import type { C2sSession } from "../shared/contracts.js";
import { RawClient } from "../transport/raw-client.test-helper.js";
import { FEATURES, type Started, start } from "../transport/transport.test-helper.js";
import { mobileModules } from "./index.js";

// Test helpers of this folder: a TCP server with the im and mobile modules, raw clients.

let current: Started | undefined;
const clients: RawClient[] = [];

/** A server with c2s, the test login, the im modules and `extra` (mobile modules, smacks...). */
export async function mobileServer(extra: readonly string[], config: CantoConfig = {}): Promise<Started> {
  current = await start(
    {
      modules_enabled: ["c2s", "test_auth", "roster", "presence", "message", "offline", ...extra],
      ...config,
    } as CantoConfig,
    { modules: { ...imModules, ...mobileModules } },
  );
  return current;
}

export async function rawClient(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  clients.push(c);
  return c;
}

/** Closes the clients and stops the server (call it in `afterEach`). */
export async function cleanUp(): Promise<void> {
  for (const client of clients.splice(0)) client.destroy();
  await current?.cleanup();
  current = undefined;
}

/** A new connection authenticated as `user` (stream restarted, not bound): ready for `<resume/>`. */
export async function authenticated(port: number, user: string): Promise<RawClient> {
  const c = await rawClient(port);
  c.open();
  await c.waitFor(FEATURES);
  c.write(`<auth xmlns='urn:test:auth' user='${user}'/>`);
  await c.waitFor("<success");
  c.clear();
  c.open();
  await c.waitFor(FEATURES);
  c.clear();
  return c;
}

export function sessionOf(s: Started, fullJid: string) {
  return s.api.sessions().find((session) => session.fullJid === fullJid) as
    | (C2sSession & { hibernating?: boolean })
    | undefined;
}

export const pause = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));
