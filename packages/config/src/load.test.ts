import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigFileError, ConfigParseError, ConfigValueError } from "./errors.js";
import { findConfigFile, loadConfig } from "./load.js";

const dir = mkdtempSync(join(tmpdir(), "canto-load-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const index = fileURLToPath(new URL("./index.ts", import.meta.url));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("canto.config.ts", () => {
  it("loads a TypeScript config typed with defineConfig, with file and line per option", async () => {
    const file = write(
      "canto.config.ts",
      `import { defineConfig } from ${JSON.stringify(index)};
const domain: string = "localhost";

export default defineConfig({
  admins: ["admin@" + domain],
  modules_enabled: ["roster", "saslauth", "tls", "disco", "ping", "mam"],
  storage: { archive: "sqlite" },
  hosts: {
    localhost: {
      archive_expires_after: "1 week",
    },
  },
  components: { "upload.localhost": { module: "http_file_share" } },
});
`,
    );
    const config = await loadConfig(file);
    expect(config.get("*", "admins")).toEqual(["admin@localhost"]);
    expect(config.get("localhost", "storage")).toEqual({ archive: "sqlite" });
    expect(config.options("localhost").getOptionPeriod("archive_expires_after")).toBe(604_800);
    expect(config.get("upload.localhost", "component_module")).toBe("http_file_share");
    expect(config.hostType("upload.localhost")).toBe("component");
    expect(config.locate("*", "modules_enabled")).toEqual({ file, line: 6 });
    expect(config.locate("localhost", "archive_expires_after")).toEqual({ file, line: 10 });
    expect(config.locate("upload.localhost", "component_module")).toEqual({ file, line: 13 });
    expect(config.host("localhost")?.definedAt).toEqual([{ file, line: 9 }]);
  });

  it("reports a TypeScript syntax error with the file", async () => {
    const file = write("broken.ts", "export default { a: ;\n");
    await expect(loadConfig(file)).rejects.toBeInstanceOf(ConfigParseError);
    await expect(loadConfig(file)).rejects.toThrow(`${file}: cannot evaluate config module`);
  });
});

describe("other formats", () => {
  it("loads .js and .mjs modules", async () => {
    const js = write("package.json", '{ "type": "module" }');
    expect(js).toBeTruthy();
    const file = write(
      "canto.config.js",
      "export default { hosts: { 'Example.ORG': { enabled: true } } };\n",
    );
    const config = await loadConfig(file);
    expect(config.get("example.org", "enabled")).toBe(true);
    const mjs = write("c.mjs", "export default { limit: 3 };\n");
    expect((await loadConfig(mjs)).get("*", "limit")).toBe(3);
  });

  it("loads JSON, with the line of a syntax error", async () => {
    const good = write("canto.config.json", '{\n  "admins": ["a@b"],\n  "hosts": { "b": { "x": 1 } }\n}\n');
    const config = await loadConfig(good);
    expect(config.get("b", "admins")).toEqual(["a@b"]);
    expect(config.locate("b", "x")).toEqual({ file: good, line: 3 });
    const bad = write("bad.json", '{\n  "admins": ["a@b"],\n  "x": \n}\n');
    await expect(loadConfig(bad)).rejects.toMatchObject({
      code: "CANTO_ERR_CONFIG_PARSE",
      file: bad,
      line: 4,
    });
  });

  it("refuses malformed shapes with the file", async () => {
    await expect(loadConfig(write("arr.json", "[1]"))).rejects.toBeInstanceOf(ConfigValueError);
    await expect(loadConfig(write("hosts.json", '{ "hosts": 3 }'))).rejects.toThrow(
      "'hosts' must be an object",
    );
  });

  it("refuses unknown extensions and missing files", async () => {
    await expect(loadConfig(write("c.yaml", "a: 1"))).rejects.toBeInstanceOf(ConfigFileError);
    await expect(loadConfig(join(dir, "missing.json"))).rejects.toThrow("no such file");
    await expect(loadConfig(join(dir, "missing.cfg.lua"))).rejects.toThrow("no such file");
  });
});

describe("findConfigFile", () => {
  it("finds canto.config.* before prosody.cfg.lua", () => {
    const folder = mkdtempSync(join(dir, "find-"));
    expect(findConfigFile(folder)).toBeUndefined();
    writeFileSync(join(folder, "prosody.cfg.lua"), "");
    expect(findConfigFile(folder)).toBe(join(folder, "prosody.cfg.lua"));
    writeFileSync(join(folder, "canto.config.json"), "{}");
    expect(findConfigFile(folder)).toBe(join(folder, "canto.config.json"));
  });
});

describe("a missing Lua file", () => {
  it("names the file", async () => {
    const file = join(dir, "absent.cfg.lua");
    await expect(loadConfig(file)).rejects.toMatchObject({
      code: "CANTO_ERR_CONFIG_FILE",
      file,
      message: `${file}: cannot read config file: no such file`,
    });
  });
});
