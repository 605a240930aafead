import type { CantoConfig } from "@canto/config";
import type { Module, ModuleSetup } from "../module.js";
import { createTestServer, type TestServer } from "../testing.js";

/**
 * A started test server with `localhost` (and whatever `config` adds), where `load(setup)` loads
 * a module written inline and returns its Module object.
 */
export async function withModule(
  setup: ModuleSetup,
  options: { config?: CantoConfig; host?: string; name?: string; modules?: Record<string, ModuleSetup> } = {},
): Promise<TestServer & { module: Module }> {
  const name = options.name ?? "test";
  const test = await createTestServer({
    config: options.config ?? { hosts: { localhost: {} } },
    modules: { ...options.modules, [name]: setup },
  });
  const module = await test.server.manager.load(options.host ?? "localhost", name);
  return { ...test, module };
}
