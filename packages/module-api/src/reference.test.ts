import { describe, expect, it } from "vitest";
import type { Module } from "./module.js";
import { createTestServer } from "./testing.js";

/**
 * Every method of the module reference (module-api.txt), by its Prosody name. The naming rule turns
 * each into camelCase with its argument order kept; this test proves each exists on a real module.
 */
const REFERENCE_METHODS = [
  "get_name",
  "get_host",
  "get_host_type",
  "set_global",
  "get_directory",
  "load_resource",
  "log",
  "set_status",
  "log_status",
  "get_status",
  "get_option",
  "get_option_string",
  "get_option_number",
  "get_option_integer",
  "get_option_period",
  "get_option_boolean",
  "get_option_array",
  "get_option_set",
  "get_option_path",
  "get_option_enum",
  "get_option_inherited_set",
  "default_permission",
  "default_permissions",
  "may",
  "could",
  "fire_event",
  "hook",
  "hook_global",
  "hook_object_event",
  "hook_tag",
  "unhook",
  "send",
  "send_iq",
  "add_timer",
  "cron",
  "hourly",
  "daily",
  "weekly",
  "add_feature",
  "add_identity",
  "add_extension",
  "add_item",
  "remove_item",
  "handle_items",
  "get_host_items",
  "provides",
  "open_store",
  "measure",
  "metric",
] as const;

/** Lifecycle methods the reference leaves out but real modules need (DESIGN.md). */
const LIFECYCLE_METHODS = ["depends", "shared", "context", "broadcast", "on_ready", "wrap_event"] as const;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

describe("the module reference", () => {
  it.each([...REFERENCE_METHODS, ...LIFECYCLE_METHODS])("module:%s exists as a method", async (name) => {
    let module: Module | undefined;
    const t = await createTestServer({
      modules: {
        probe: (m) => {
          module = m;
        },
      },
    });
    await t.server.manager.load("localhost", "probe");
    expect(typeof (module as unknown as Record<string, unknown>)[camel(name)]).toBe("function");
    expect(module!.host).toBe("localhost");
    await t.stop();
  });

  it("timers have stop and reschedule; stores have the reference's methods", async () => {
    const t = await createTestServer({ modules: { probe: () => {} } });
    const module = await t.server.manager.load("localhost", "probe");
    const timer = module.addTimer(10, () => {});
    expect(typeof timer.stop).toBe("function");
    expect(typeof timer.reschedule).toBe("function");
    const keyval = await module.openStore("kv");
    for (const method of ["get", "set", "users"]) expect(typeof (keyval as never)[method]).toBe("function");
    const map = await module.openStore("m", "map");
    for (const method of ["get", "set", "setKeys"]) expect(typeof (map as never)[method]).toBe("function");
    const archive = await module.openStore("a", "archive");
    for (const method of ["append", "find"]) expect(typeof (archive as never)[method]).toBe("function");
    await t.stop();
  });
});
