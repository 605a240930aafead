import { type CantoConfig, createConfig } from "@canto/config";
import { createFakeClock, createScheduler, type FakeClock } from "@canto/cron";
import { createMemoryDriver, StorageManager } from "@canto/storage";
import pino from "pino";
import { LocalSession } from "./router/local-session.js";
import { Server, type ServerOptions } from "./server.js";

export interface TestServerOptions extends Partial<Omit<ServerOptions, "config">> {
  /** The configuration, as `defineConfig` takes it. Default: one host, `localhost`. */
  config?: CantoConfig;
  /** Default: a fake clock, moved with `clock.advance(seconds)`. */
  clock?: FakeClock;
  /** Start the server (activate hosts, load modules). Default true. */
  start?: boolean;
}

export interface TestServer {
  server: Server;
  clock: FakeClock;
  /** An in-process client session, authenticated and bound as `jid`. */
  connect(jid: string, options?: { role?: string; priority?: number }): LocalSession;
  stop(): Promise<void>;
}

/**
 * A server for tests and for trying modules: in-memory storage, a fake clock, silent logs,
 * in-process sessions. Every part can be replaced through the options.
 */
export async function createTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { config = { hosts: { localhost: {} } }, clock = createFakeClock(), start = true, ...rest } = options;
  const server = new Server({
    logger: pino({ level: "silent" }),
    scheduler: createScheduler({ clock }),
    // The memory driver stamps archive items in milliseconds; the fake clock keeps seconds.
    storage: new StorageManager({
      drivers: { memory: createMemoryDriver({ clock: () => clock.now() * 1000 }) },
      defaultStorage: "memory",
    }),
    ...rest,
    config: createConfig(config),
  });
  if (start) await server.start();
  return {
    server,
    clock,
    connect: (jid, sessionOptions) => new LocalSession(server, jid, sessionOptions),
    stop: () => server.stop(),
  };
}
