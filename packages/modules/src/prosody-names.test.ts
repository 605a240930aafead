import { createConfig } from "canto";
import { describe, expect, it } from "vitest";
import { standardModules } from "./index.js";
import { authModuleFor, missingModulesLine, PROSODY_RENAMED, prosodyHostModules } from "./prosody-names.js";

describe("Prosody's module names", () => {
  const config = createConfig({
    authentication: "internal_plain",
    hosts: {
      localhost: {},
      "anon.localhost": { authentication: "anonymous" },
      old: { anonymous_login: true },
    },
    components: { "gw.localhost": { module: "component" } },
  });
  const adjust = prosodyHostModules(config);

  it("renames Prosody's names, drops what the core does, and binds with saslauth", () => {
    expect(adjust("localhost", "local", ["c2s", "iq", "posix", "blocklist", "saslauth", "roster"])).toEqual([
      "c2s",
      "blocking",
      "saslauth",
      "bind",
      "roster",
      "auth_internal_plain",
    ]);
  });

  it("loads the provider `authentication` names on VirtualHosts only", () => {
    expect(adjust("anon.localhost", "local", [])).toEqual(["auth_anonymous"]);
    expect(authModuleFor(config, "old")).toBe("auth_anonymous");
    expect(adjust("gw.localhost", "component", ["component", "saslauth"])).toEqual(["component", "saslauth"]);
    expect(authModuleFor(createConfig({ authentication: "null" }), "x")).toBeUndefined();
    expect(authModuleFor(createConfig({}), "x")).toBe("auth_internal_hashed");
  });

  it("loads http ahead of the modules that serve over it, as Prosody's depend on mod_http", () => {
    expect(adjust("gw.localhost", "component", ["component", "websocket", "http_openmetrics"])).toEqual([
      "component",
      "http",
      "websocket",
      "http_openmetrics",
    ]);
    expect(adjust("gw.localhost", "component", ["http", "websocket"])).toEqual(["http", "websocket"]);
  });

  it("keeps bind out when modules_disabled names it", () => {
    const off = prosodyHostModules(createConfig({ modules_disabled: ["bind"] }));
    expect(off("localhost", "local", ["saslauth"])).toEqual(["saslauth", "auth_internal_hashed"]);
  });

  it("renames only to modules Canto has", () => {
    for (const target of Object.values(PROSODY_RENAMED)) expect(standardModules).toHaveProperty(target);
    for (const provider of ["internal_hashed", "internal_plain", "anonymous"])
      expect(standardModules).toHaveProperty(`auth_${provider}`);
  });

  it("names each missing module once, with what to use instead", () => {
    const line = missingModulesLine(["pep", "vcard4", "pep", "roster", "my_plugin"]);
    expect(line).toMatch(/^Prosody modules Canto does not have, not loaded: pep: .+; vcard4: use vcard/);
    expect(line?.match(/pep:/g)).toHaveLength(1);
    expect(line).not.toContain("roster");
    expect(line).not.toContain("my_plugin");
    expect(missingModulesLine(["roster"])).toBeUndefined();
  });
});
