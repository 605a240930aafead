import { describe, expect, expectTypeOf, it } from "vitest";
import { type CantoConfig, defineConfig } from "./define-config.js";

describe("defineConfig", () => {
  it("returns its argument, typed", () => {
    const config = defineConfig({
      admins: ["admin@localhost"],
      modules_enabled: ["roster", "saslauth", "tls", "disco", "ping", "mam"],
      storage: { archive: "sqlite" },
      hosts: { localhost: { archive_expires_after: "1 week" } },
      components: { "upload.localhost": { module: "http_file_share" } },
    });
    expect(config.hosts.localhost.archive_expires_after).toBe("1 week");
    expectTypeOf(config.components["upload.localhost"].module).toEqualTypeOf<"http_file_share">();
    expectTypeOf(config).toExtend<CantoConfig>();
  });

  it("types known options and accepts any other", () => {
    // @ts-expect-error: admins is a list of strings
    defineConfig({ admins: "admin@localhost" });
    // @ts-expect-error: allow_registration is a boolean
    defineConfig({ allow_registration: "yes" });
    // A component without a module is an external component (XEP-0114).
    expectTypeOf(
      defineConfig({ components: { "gw.localhost": { component_secret: "s" } } }),
    ).toExtend<CantoConfig>();
    // @ts-expect-error: functions are not config values
    defineConfig({ my_option: () => 1 });
    expectTypeOf(
      defineConfig({ my_module_limit: 5, nested: { a: [1, "b"] } }).my_module_limit,
    ).toEqualTypeOf<5>();
  });
});
