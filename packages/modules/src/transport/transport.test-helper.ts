import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CantoConfig,
  createTestServer,
  type cron,
  Element,
  type Module,
  type ModuleSetup,
  reply,
  type TestServer,
} from "canto";
import { type C2sSession, NS } from "../shared/contracts.js";
import type { C2sApi } from "./c2s.js";
import { transportModules } from "./index.js";
import type { RawClient } from "./raw-client.test-helper.js";

export interface Started {
  t: TestServer;
  api: C2sApi;
  port: number;
  tlsPort: number;
  dataPath: string;
  cleanup(): Promise<void>;
}

/**
 * A test-only stand-in for SASL and resource binding: `<auth xmlns='urn:test:auth' user='alice'/>`
 * authenticates and restarts the stream; a bind IQ binds through the session manager.
 */
export const testAuth: ModuleSetup = (module: Module) => {
  module.hookTag("urn:test:auth", "auth", (origin, stanza) => {
    module.server.sessionManager.authenticate(origin, String(stanza.attrs.user ?? "alice"));
    origin.send(new Element("success", { xmlns: "urn:test:auth" }));
    (origin as unknown as C2sSession).resetStream();
    return true;
  });
  module.hook(
    "iq-set/self/urn:ietf:params:xml:ns:xmpp-bind:bind",
    (event: { origin: never; stanza: Element }) => {
      const requested = event.stanza.getChild("bind", NS.bind)?.getChildText("resource") ?? undefined;
      const jid = module.server.sessionManager.bind(event.origin, requested);
      (event.origin as { send(e: Element): void }).send(
        reply(event.stanza).c("bind", { xmlns: NS.bind }).c("jid").t(jid).root(),
      );
      return true;
    },
  );
};

/** The end of a `<stream:features>` element, empty or not. */
export const FEATURES = /<stream:features\/>|<\/stream:features>/;

export async function start(
  config: CantoConfig = {},
  options: { modules?: Record<string, ModuleSetup>; dataPath?: string; scheduler?: cron.Scheduler } = {},
): Promise<Started> {
  const dataPath = options.dataPath ?? (await mkdtemp(join(tmpdir(), "canto-transport-")));
  const t = await createTestServer({
    modules: { ...transportModules, test_auth: testAuth, ...options.modules },
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
    config: {
      data_path: dataPath,
      c2s_ports: [0],
      c2s_direct_tls_ports: [0],
      modules_enabled: ["c2s", "test_auth"],
      hosts: { localhost: {} },
      ...config,
    } as CantoConfig,
  });
  const api = (t.server.global.modules.get("c2s")?.exports ?? {
    listeners: () => [],
    sessions: () => [],
  }) as C2sApi;
  const port = api.listeners().find((l) => l.kind === "c2s")?.port ?? 0;
  const tlsPort = api.listeners().find((l) => l.kind === "direct_tls")?.port ?? 0;
  return {
    t,
    api,
    port,
    tlsPort,
    dataPath,
    cleanup: async () => {
      await t.stop();
      if (options.dataPath === undefined) await rm(dataPath, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` holds (the server side of a socket lags the client side by a tick or two). */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Opens a stream (unless `opened`), authenticates as `user` with the test mechanism, binds `resource`. */
export async function login(
  client: RawClient,
  user: string,
  resource: string,
  opened = false,
): Promise<void> {
  if (!opened) {
    client.open();
    await client.waitFor(FEATURES);
  }
  client.clear();
  client.write(`<auth xmlns='urn:test:auth' user='${user}'/>`);
  await client.waitFor("<success");
  client.clear();
  client.open();
  await client.waitFor(FEATURES);
  client.clear();
  client.write(
    `<iq type='set' id='b1'><bind xmlns='${NS.bind}'><resource>${resource}</resource></bind></iq>`,
  );
  await client.waitFor("</jid>");
  client.clear();
}
