// One server per describe block: a temporary config, accounts made through the CLI, `canto start`
// in beforeAll; clients, server and folder cleaned up in afterAll, whatever the tests did.
import { afterAll, beforeAll, expect } from "vitest";
import { addUser, requireBuild, type ServerProcess, startServer, tempConfig } from "./harness.js";

export interface ServerFixture {
  readonly config: ReturnType<typeof tempConfig>;
  /** The running server; only inside tests and hooks (it starts in beforeAll). */
  readonly server: ServerProcess;
  /** Starts the server again on the same config and data, after a stop or a kill. */
  restart(): Promise<ServerProcess>;
  /** Stops `client` in afterAll, and returns it. */
  track<T extends { stop(): Promise<void> }>(client: T): T;
}

export interface FixtureOptions {
  /** Accounts created before the server starts (`name@host`; the password is `name-pw`). */
  users?: string[];
  /** Accounts created next to the running server. */
  usersWhileRunning?: string[];
  /** Asserts that SIGTERM at the end gives a clean exit (code 0) within 10 s. */
  cleanExit?: boolean;
}

const passwordOf = (jid: string) => `${jid.split("@")[0]}-pw`;

export function serverFixture(options: Record<string, unknown>, fixture: FixtureOptions = {}): ServerFixture {
  const config = tempConfig(options);
  let running: ServerProcess | undefined;
  const clients: { stop(): Promise<void> }[] = [];
  const add = (jids: string[] = []) =>
    Promise.all(jids.map((jid) => addUser(config.dir, jid, passwordOf(jid))));

  beforeAll(async () => {
    requireBuild();
    await add(fixture.users);
    running = await startServer(config);
    await add(fixture.usersWhileRunning);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    try {
      const code = await Promise.race([
        running?.stop(),
        new Promise((resolve) => setTimeout(() => resolve("timeout"), 10_000)),
      ]);
      if (fixture.cleanExit) expect(code).toBe(0);
    } finally {
      running?.kill();
      config.remove();
    }
  });

  return {
    config,
    get server() {
      if (running === undefined) throw new Error("the server starts in beforeAll");
      return running;
    },
    async restart() {
      running = await startServer(config);
      return running;
    },
    track(client) {
      clients.push(client);
      return client;
    },
  };
}
