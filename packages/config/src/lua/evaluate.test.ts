import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ConfigError,
  ConfigFileError,
  ConfigIncludeError,
  ConfigParseError,
  ConfigUnsupportedError,
  ConfigValueError,
} from "../errors.js";
import { GLOBAL } from "../types.js";
import { loadLuaConfig, parseLuaConfig } from "./evaluate.js";

const fixtures = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const full = `${fixtures}full/prosody.cfg.lua`;
const env = {
  CANTO_FIXTURE_VAR: "from the environment",
  CREDENTIALS_DIRECTORY: `${fixtures}full/credentials`,
};

function values(file = full) {
  const data = loadLuaConfig(file, { env });
  const get = (host: string, name: string) =>
    (host === GLOBAL ? data.global : data.hosts.get(host))?.options.get(name)?.value;
  return { data, get };
}

/** Runs a snippet and returns the error it throws. */
function failure(source: string, file = "/etc/canto/test.cfg.lua"): ConfigError {
  try {
    parseLuaConfig(source, file, { env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected the snippet to fail");
}

describe("the Lua fixture", () => {
  const { data, get } = values();

  it("reads locals, concatenation and every string form", () => {
    expect(get(GLOBAL, "admins")).toEqual(["admin@example.org", "ops@example.org"]);
    expect(get(GLOBAL, "plugin_paths")).toEqual(["/opt/canto/plugins"]);
    expect(get(GLOBAL, "motd_text")).toBe("Welcome to ]] the server");
    expect(get(GLOBAL, "escapes")).toBe('tab\tquote"nl\nA=A B=B C=C');
    expect(get(GLOBAL, "utf8_text")).toBe("ĥéllo wörld");
  });

  it("reads numbers, arithmetic, booleans and nil", () => {
    expect(get(GLOBAL, "http_max_content_size")).toBe(10 * 1024 * 1024);
    expect(get(GLOBAL, "ratio")).toBe(1.5);
    expect(get(GLOBAL, "hex_limit")).toBe(16);
    expect(get(GLOBAL, "big")).toBe(1000);
    expect(get(GLOBAL, "negative")).toBe(-5);
    expect(get(GLOBAL, "allow_registration")).toBe(false);
    expect(get(GLOBAL, "s2s_secure_auth")).toBe(true);
    expect(data.global.options.has("removed_later")).toBe(false);
  });

  it("reads tables with `;` and `,`, hash parts and mixed tables", () => {
    expect(get(GLOBAL, "storage")).toEqual({ archive: "sql", roster: "internal" });
    expect(get(GLOBAL, "log")).toEqual({ info: "canto.log", "1": { levels: ["error"], to: "syslog" } });
  });

  it("extends lists with option:append and option { }", () => {
    expect(get(GLOBAL, "modules_enabled")).toEqual(["roster", "saslauth", "disco", "ping", "mam"]);
    // in a host section, append starts from the inherited global list
    expect(get("example.org", "modules_enabled")).toEqual([
      "roster",
      "saslauth",
      "disco",
      "ping",
      "mam",
      "register",
    ]);
  });

  it("reads ENV_*, Lua.os.getenv, Lua.math.huge, FileContents, FileLine(s) and Credential", () => {
    expect(get(GLOBAL, "from_env")).toBe("from the environment");
    expect(get(GLOBAL, "env_or_default")).toBe("fallback");
    expect(get(GLOBAL, "from_lua_env")).toBe("from the environment");
    expect(get(GLOBAL, "infinite")).toBe(Number.POSITIVE_INFINITY);
    expect(get(GLOBAL, "secret")).toBe("top secret\n");
    expect(get(GLOBAL, "first_line")).toBe("first");
    expect(get(GLOBAL, "all_lines")).toEqual(["first", "second", "", "fourth"]);
    expect(get(GLOBAL, "db_password")).toBe("hunter2");
  });

  it("declares VirtualHosts and Components, lower-casing names", () => {
    expect([...data.hosts.values()].map((s) => [s.name, s.type])).toEqual([
      ["example.org", "local"],
      ["other.example", "local"],
      ["conference.example.org", "component"],
      ["external.example.org", "component"],
      ["upload.example.org", "component"],
      ["a.example.org", "local"],
    ]);
    expect(get("example.org", "authentication")).toBe("internal_hashed");
    expect(get("example.org", "max_archive_query_results")).toBe("50");
    expect(get("other.example", "enabled")).toBe(false);
    expect(get("other.example", "archive_expires_after")).toBe("never");
    expect(get(GLOBAL, "after_table_form")).toBe("global again");
    expect(get("conference.example.org", "component_module")).toBe("muc");
    expect(get("conference.example.org", "restrict_room_creation")).toBe("local");
    expect(get("external.example.org", "component_module")).toBe("component");
    expect(get("external.example.org", "component_secret")).toBe("s3cret");
    expect(get("upload.example.org", "component_module")).toBe("http_file_share");
    expect(get("upload.example.org", "http_file_share_size_limit")).toBe(10 * 1024 * 1024);
  });

  it("follows Include with globs (sorted, hidden and non-matching files skipped) and plain paths", () => {
    expect(data.files.map((f) => f.slice(fixtures.length))).toEqual([
      "full/prosody.cfg.lua",
      "full/conf.d/a.cfg.lua",
      "full/conf.d/b.cfg.lua",
      "full/extra.cfg.lua",
    ]);
    // an included file starts in the global section
    expect(get(GLOBAL, "included_a")).toBe(true);
    expect(get("a.example.org", "included_host_option")).toBe("yes");
    expect(get(GLOBAL, "included_b")).toEqual([1, 2, 3]);
    expect(get(GLOBAL, "extra_option")).toBe("from extra");
  });

  it("records the file and line of every value", () => {
    expect(data.global.options.get("admins")?.location).toEqual({ file: full, line: 5 });
    expect(data.hosts.get("example.org")?.options.get("authentication")?.location).toEqual({
      file: full,
      line: 44,
    });
    expect(data.global.options.get("included_a")?.location?.file).toBe(`${fixtures}full/conf.d/a.cfg.lua`);
  });

  it("warns about an option set twice in one section", () => {
    expect(data.problems).toEqual([
      expect.objectContaining({ code: "CANTO_CONFIG_DUPLICATE_OPTION", option: "removed_later", line: 27 }),
    ]);
  });
});

describe("bad files fail with file and line, never with a stack trace", () => {
  it("a syntax error", () => {
    const file = `${fixtures}bad/syntax.cfg.lua`;
    const error = (() => {
      try {
        loadLuaConfig(file);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigParseError);
    expect(error?.code).toBe("CANTO_ERR_CONFIG_PARSE");
    expect(error?.file).toBe(file);
    expect(error?.line).toBe(4);
    expect(error?.message).toBe(`${file}:4: syntax error: '}' expected near '"disco"'`);
  });

  it("a missing Include", () => {
    const file = `${fixtures}bad/missing-include.cfg.lua`;
    expect(() => loadLuaConfig(file)).toThrow(ConfigIncludeError);
    expect(() => loadLuaConfig(file)).toThrow(`${file}:3: Include "does-not-exist.cfg.lua": no such file`);
  });

  it("a config that tries to run code", () => {
    const file = `${fixtures}bad/runs-code.cfg.lua`;
    expect(() => loadLuaConfig(file)).toThrow(ConfigUnsupportedError);
    expect(() => loadLuaConfig(file)).toThrow(`${file}:2: Lua's 'os'`);
    expect(existsSync("/tmp/canto-pwned")).toBe(false);
  });

  it.each([
    ["function f() end", "function definitions"],
    ["x = function() end", "function definitions"],
    ["for i = 1, 3 do end", "loops"],
    ["for k, v in pairs({}) do end", "loops"],
    ["while true do end", "loops"],
    ["repeat until true", "loops"],
    ["if true then x = 1 end", "if statements"],
    ["do x = 1 end", "do ... end blocks"],
    ["return", "return statements"],
    ['require "socket"', "Lua's 'require'"],
    ['dofile "/etc/passwd"', "Lua's 'dofile'"],
    ['x = io.open("/etc/passwd")', "Lua's 'io'"],
    ['RunScript "x.lua"', "RunScript"],
    ['x = Lua.io.open("/etc/passwd")', "Lua.io"],
    ['Lua.os.execute("ls")', "Lua.os.execute"],
    ["x = {}\nx.y = 1", "Assigning to a field"],
    ["modules_enabled:remove { 'x' }", "':remove'"],
    ["print('hi')", "Lua's 'print'"],
  ])("refuses %j", (source, what) => {
    const error = failure(`-- line 1\n${source}`);
    expect(error).toBeInstanceOf(ConfigUnsupportedError);
    expect(error.code).toBe("CANTO_ERR_CONFIG_UNSUPPORTED");
    expect(error.message).toContain("/etc/canto/test.cfg.lua:");
    expect(error.message).toContain(what);
    expect(error.message).toContain("no code is run");
  });

  it.each([
    ["VirtualHost()", "VirtualHost must have a name", ConfigValueError],
    ['VirtualHost "a b"', "forbidden characters", ConfigValueError],
    ['VirtualHost "x" "muc"', "do not take a module name", ConfigValueError],
    ['Component "x" "muc"\nVirtualHost "x"', "clashes with the Component", ConfigValueError],
    ['VirtualHost "x"\nComponent "x" "muc"', "clashes with the VirtualHost", ConfigValueError],
    ["x = 'a' + 1", "expected a number for '+'", ConfigValueError],
    ["x = {} .. 'a'", "expected a string or number for '..'", ConfigValueError],
    ["x = 1\nx:append { 2 }", "it is a number, not a table", ConfigValueError],
    ['x = { 1 }\nx:append "2"', "expects a table", ConfigValueError],
    ['x = FileContents("/nonexistent/file")', "cannot read /nonexistent/file", ConfigFileError],
    ['x = Credential("db")', "CREDENTIALS_DIRECTORY", ConfigFileError],
  ])("fails cleanly on %j", (source, message, type) => {
    const error = failure(source);
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(/^\/etc\/canto\/test\.cfg\.lua:\d+: /);
    expect(error.message).toContain(message);
  });

  it("refuses an Include cycle", () => {
    const error = failure('Include "test.cfg.lua"', `${fixtures}bad/test.cfg.lua`);
    expect(error).toBeInstanceOf(ConfigIncludeError);
    expect(error.message).toContain("cycle");
  });

  it("records instead of throwing in tolerant mode", () => {
    const data = loadLuaConfig(`${fixtures}bad/missing-include.cfg.lua`, { tolerant: true });
    expect(data.problems).toEqual([
      expect.objectContaining({ code: "CANTO_CONFIG_MISSING_INCLUDE", line: 3, severity: "error" }),
    ]);
    const credential = parseLuaConfig('x = Credential("db")', "/tmp/t.cfg.lua", { env: {}, tolerant: true });
    expect(credential.global.options.has("x")).toBe(false);
    expect(credential.problems[0]?.code).toBe("CANTO_CONFIG_CREDENTIAL");
  });
});

describe("expressions", () => {
  const run = (source: string, name = "x") =>
    parseLuaConfig(source, "/tmp/t.cfg.lua", { env: { HOME: "/home/me" } }).global.options.get(name)?.value;

  it.each([
    ["x = 7 // 2", 3],
    ["x = 7 % 3", 1],
    ["x = 2 ^ 10", 1024],
    ["x = -(3)", -3],
    ["x = not false", true],
    ["x = #'abc'", 3],
    ["x = #{1, 2}", 2],
    ["x = 1 < 2", true],
    ["x = 'a' == 'a'", true],
    ["x = 1 ~= 1", false],
    ["x = nil or 'd'", "d"],
    ["x = 1 and 2", 2],
    ["x = '10' + 1", 11],
    ["x = 1 .. ''", "1"],
    ["x = ENV_HOME .. '/data'", "/home/me/data"],
    ["x = { [1] = 'a', [2] = 'b' }", ["a", "b"]],
    ["x = { ['key'] = 1 }", { key: 1 }],
    ["x = {}", []],
    ["local t = { a = { b = 2 } }\nx = t.a.b", 2],
    ["local t = { 'p', 'q' }\nx = t[2]", "q"],
    ["y = 4\nx = y * 2", 8],
    ["x = Lua.tonumber('0x10')", 16],
    ["x = Lua.tostring(12)", "12"],
    ["x = { 1, nil, 3 }", { "1": 1, "3": 3 }],
    ["x = { a = 1 }\nx:append { b = 2 }", { a: 1, b: 2 }],
    ["x = { 'p' }\nx:append { b = 2 }", { "1": "p", b: 2 }],
    ["x = { a = 1, 'p' }\nx:append { 'q' }", { a: 1, "1": "p", "2": "q" }],
    ["x:append { 'first' }", ["first"]],
  ])("%s", (source, expected) => {
    expect(run(source)).toEqual(expected);
  });

  it("reports a name that is neither local nor an option, and uses nil", () => {
    const data = parseLuaConfig("x = undefined_thing", "/tmp/t.cfg.lua", { env: {} });
    expect(data.global.options.has("x")).toBe(false);
    expect(data.problems[0]).toMatchObject({ code: "CANTO_CONFIG_UNKNOWN_NAME", line: 1 });
  });

  it("accepts Host, host, component and include aliases", () => {
    const data = parseLuaConfig('Host "a"\nhost "b"\ncomponent "c" "muc"', "/tmp/t.cfg.lua");
    expect([...data.hosts.keys()]).toEqual(["a", "b", "c"]);
  });
});
