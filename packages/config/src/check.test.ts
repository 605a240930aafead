import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { check, checkFile } from "./check.js";
import { createConfig } from "./load.js";

const fixtures = fileURLToPath(new URL("../fixtures/", import.meta.url));

describe("check", () => {
  it("lists the problems of a Lua file with file and line", async () => {
    const file = `${fixtures}bad/wrong-types.cfg.lua`;
    const problems = await checkFile(file);
    const summary = problems.map((p) => [p.severity, p.code, p.host, p.option, p.line]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ["error", "CANTO_CONFIG_MISSING_INCLUDE", undefined, undefined, 16],
        ["warning", "CANTO_CONFIG_WRONG_TYPE", "*", "admins", 1],
        ["error", "CANTO_CONFIG_WRONG_TYPE", "*", "modules_enabled", 2],
        ["error", "CANTO_CONFIG_WRONG_TYPE", "*", "allow_registration", 3],
        ["error", "CANTO_CONFIG_WRONG_TYPE", "*", "c2s_ports", 4],
        ["error", "CANTO_CONFIG_WRONG_TYPE", "*", "archive_expires_after", 5],
        ["warning", "CANTO_CONFIG_WRONG_SECTION", "example.org", "pidfile", 9],
        ["error", "CANTO_CONFIG_WRONG_TYPE", "example.org", "storage", 10],
        ["warning", "CANTO_CONFIG_DUPLICATE_HOST", "example.org", undefined, 12],
        ["warning", "CANTO_CONFIG_COMPONENT_WITHOUT_SECRET", "gateway.example.org", undefined, 14],
      ]),
    );
    expect(problems).toHaveLength(10);
    for (const problem of problems) {
      expect(problem.file).toBe(file);
      expect(problem.message).toContain(problem.code.includes("INCLUDE") ? `${file}:16` : "");
    }
    const period = problems.find((p) => p.option === "archive_expires_after");
    expect(period?.message).toBe(
      `Option 'archive_expires_after' in the global section (${file}:5) "1m" is ambiguous ("m"); write e.g. "1 minutes" or "1 months"`,
    );
  });

  it("turns a file that cannot load into one problem", async () => {
    const problems = await checkFile(`${fixtures}bad/syntax.cfg.lua`);
    expect(problems).toEqual([
      expect.objectContaining({ severity: "error", code: "CANTO_ERR_CONFIG_PARSE", line: 4 }),
    ]);
    const code = await checkFile(`${fixtures}bad/runs-code.cfg.lua`);
    expect(code[0]).toMatchObject({ code: "CANTO_ERR_CONFIG_UNSUPPORTED", line: 2 });
  });

  it("finds components without a module and hosts declared twice in a config object", () => {
    const config = createConfig({
      pidfile: "/run/canto.pid",
      component_module: "muc",
      hosts: { "Example.org": {}, "example.org": {}, "chat.example.org": {} },
      components: { "chat.example.org": {}, "muc.example.org": { module: "muc" } },
    });
    const codes = check(config).map((p) => [p.code, p.host, p.option]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ["CANTO_CONFIG_WRONG_SECTION", "*", "component_module"],
        ["CANTO_CONFIG_DUPLICATE_HOST", "example.org", undefined],
        ["CANTO_CONFIG_DUPLICATE_HOST", "chat.example.org", undefined],
      ]),
    );
    // Without a module a component is external (XEP-0114), as in Prosody: it needs a secret.
    const external = createConfig({ components: { "c.example.org": { component_secret: "x" } } });
    expect(external.get("c.example.org", "component_module")).toBe("component");
    expect(check(external)).toEqual([]);
    const secretless = createConfig({ components: { "c.example.org": {} } });
    expect(check(secretless)).toEqual([
      expect.objectContaining({ code: "CANTO_CONFIG_COMPONENT_WITHOUT_SECRET", severity: "warning" }),
    ]);
  });

  it("finds nothing wrong in the full fixture beyond its deliberate duplicate", async () => {
    const problems = await checkFile(`${fixtures}full/prosody.cfg.lua`, {
      env: { CREDENTIALS_DIRECTORY: `${fixtures}full/credentials` },
    });
    expect(problems.map((p) => p.code)).toEqual(["CANTO_CONFIG_DUPLICATE_OPTION"]);
  });
});
