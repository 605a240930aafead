import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CantoConfig, type CantoServer, createServer, type Module, type Session } from "canto";
import { createAccount } from "../auth/accounts.js";
import { authModules } from "../auth/index.js";
import { portOf } from "../http/http.test-helper.js";
import { httpModules } from "../http/index.js";
import { adminModules } from "./index.js";

export const ADMIN = { username: "boss", password: "boss-secret-1" };
export const USER = { username: "mallory", password: "mallory-secret-1" };
/** The status the dummy module sets: markup that must come out as text. */
export const DUMMY_STATUS = `<script>alert("x")</script> & needs "attention"`;

function dummyStatus(module: Module): void {
  module.setStatus("warn", DUMMY_STATUS);
}

export interface AdminServer {
  server: CantoServer;
  port: number;
  base: string;
  stop(): Promise<void>;
}

/**
 * A production-wired server (`createServer`, SQLite in a temp folder) with `http`, the password
 * modules, `admin_web` and a dummy module on `localhost`; `boss` is listed in `admins`, `mallory`
 * is an ordinary account, and `alice@localhost/phone` is a bound session.
 */
export async function startAdminServer(config: CantoConfig = {}): Promise<AdminServer> {
  const dataPath = await mkdtemp(join(tmpdir(), "canto-admin-"));
  const server = await createServer({
    config: {
      data_path: dataPath,
      log_level: "silent",
      http_ports: [0],
      admins: [`${ADMIN.username}@localhost`],
      modules_enabled: ["http", "auth_internal_hashed", "saslauth", "admin_web", "dummy_status"],
      hosts: { localhost: {} },
      ...config,
    } as CantoConfig,
    modules: { ...httpModules, ...authModules, ...adminModules, dummy_status: dummyStatus },
  });
  await server.start();
  await createAccount(server, "localhost", ADMIN.username, ADMIN.password);
  await createAccount(server, "localhost", USER.username, USER.password);
  const session: Session = { type: "c2s_unauthed", host: "localhost", send: () => undefined };
  server.sessionManager.authenticate(session, "alice");
  server.sessionManager.bind(session, "phone");
  const port = portOf(server);
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}/admin/`,
    async stop() {
      await server.stop();
      await rm(dataPath, { recursive: true, force: true });
    },
  };
}
