// prosodyctl's commands beside Canto's own: register/unregister, check certs, about, status,
// reload and stop by the pidfile, --option, and the pieces behind them.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConfig } from "canto";
import { describe, expect, it } from "vitest";
import { io, tempFolders } from "./cli-io.test-helper.js";
import { parseOptionArgs } from "./load-config.js";
import { createLogger, reopenLogFiles } from "./log-output.js";
import { readLogOption } from "./log-sinks.js";
import { main, USAGE } from "./main.js";
import { runningPid, writePidfile } from "./pidfile.js";
import { applyCertificateFolder, findCertificate, ignoredOptionNotes } from "./prosody-compat.js";

const folder = tempFolders("canto-ctl-");

/** A Prosody-style config in a new folder, with a pidfile. */
function prosodyConfig(extra = ""): { dir: string; file: string } {
  const dir = folder();
  const file = join(dir, "prosody.cfg.lua");
  writeFileSync(
    file,
    `data_path = "data"\npidfile = "canto.pid"\nscram_iteration_count = 4096\nmodules_enabled = { "roster", "saslauth", "blocklist", "pep" }\n${extra}VirtualHost "localhost"\n`,
  );
  return { dir, file };
}

describe("prosodyctl's commands", () => {
  it("--help lists them beside Canto's own", () => {
    for (const command of [
      "register USER HOST",
      "unregister",
      "adduser",
      "passwd",
      "deluser",
      "check",
      "about",
      "status",
      "reload",
      "stop",
    ])
      expect(USAGE).toContain(command);
  });

  it("register USER HOST PASSWORD creates an account on a prosody.cfg.lua with no auth module listed", async () => {
    const { file } = prosodyConfig();
    const first = io();
    expect(await main(["register", "alice", "localhost", "pw", "--config", file], first.io)).toBe(0);
    expect(first.out()).toBe("Created account alice@localhost\n");
    const again = io();
    expect(await main(["register", "alice", "localhost", "pw", "-c", file], again.io)).toBe(4);
    const gone = io();
    expect(await main(["unregister", "alice", "localhost", "-c", file], gone.io)).toBe(0);
    expect(gone.out()).toBe("Deleted account alice@localhost\n");
    const usage = io();
    expect(await main(["register", "alice"], usage.io)).toBe(2);
    expect(usage.err()).toContain("canto register USER HOST [PASSWORD]");
  });

  it("status, reload and stop find the server by its pidfile", async () => {
    const { dir, file } = prosodyConfig();
    const notRunning = io();
    expect(await main(["status", "-c", file], notRunning.io)).toBe(1);
    expect(notRunning.err()).toMatch(/^Canto is not running/);
    // A process standing in for the server: it notes each SIGHUP, and SIGTERM ends it.
    const pidfile = join(dir, "data", "canto.pid");
    mkdirSync(join(dir, "data"));
    const script = join(dir, "stand-in.cjs");
    writeFileSync(
      script,
      `process.on("SIGHUP", () => require("node:fs").appendFileSync(${JSON.stringify(join(dir, "hup"))}, "h"));\nsetTimeout(() => {}, 20000);\nprocess.send("ready");\n`,
    );
    const stand = spawn(process.execPath, [script], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
    const exited = new Promise((resolve) => stand.once("exit", (_code, signal) => resolve(signal)));
    try {
      await new Promise((resolve) => stand.once("message", resolve));
      writeFileSync(pidfile, `${stand.pid}\n`);
      const running = io();
      expect(await main(["status", "-c", file], running.io)).toBe(0);
      expect(running.out()).toBe(`Canto is running with PID ${stand.pid}\n`);
      expect(await main(["reload", "-c", file], io().io)).toBe(0);
      await expect
        .poll(() => existsSync(join(dir, "hup")) && readFileSync(join(dir, "hup"), "utf8"))
        .toBe("h");
      expect(await main(["stop", "-c", file], io().io)).toBe(0);
      expect(await exited).toBe("SIGTERM");
      expect(runningPid(pidfile)).toBeUndefined();
    } finally {
      stand.kill("SIGKILL");
    }
    const noPidfile = folder();
    writeFileSync(join(noPidfile, "canto.config.json"), '{"hosts":{"localhost":{}}}');
    const refused = io();
    expect(await main(["status", "-c", join(noPidfile, "canto.config.json")], refused.io)).toBe(1);
    expect(refused.err()).toContain("sets no pidfile");
  });

  it("about names the version, folders and hosts; --option overrides the file", async () => {
    const { dir, file } = prosodyConfig();
    const about = io();
    expect(await main(["about", "-c", file, "-o", "data_path=elsewhere"], about.io)).toBe(0);
    expect(about.out()).toMatch(/^Canto \d+\.\d+\.\d+/);
    expect(about.out()).toContain(`Data directory:     ${join(dir, "elsewhere")}`);
    expect(about.out()).toContain("Hosts:              localhost (local)");
    expect(parseOptionArgs(["c2s_ports=[0]", "log=*console", 'x="1"', "n=2"])).toEqual({
      c2s_ports: [0],
      log: "*console",
      x: "1",
      n: 2,
    });
    expect(() => parseOptionArgs(["novalue"])).toThrow(/NAME=VALUE/);
  });

  it("check certs reports the certificate each host uses, from Prosody's certificates folder", async () => {
    const { dir, file } = prosodyConfig('certificates = "certs"\n');
    const self = io();
    expect(await main(["check", "certs", "-c", file], self.io)).toBe(0);
    expect(self.out()).toContain("localhost: no certificate configured; Canto uses a self-signed one");
    mkdirSync(join(dir, "certs"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost",
        "-keyout",
        join(dir, "certs", "localhost.key"),
        "-out",
        join(dir, "certs", "localhost.crt"),
      ],
      { stdio: "ignore" },
    );
    const found = io();
    expect(await main(["check", "certs", "-c", file], found.io)).toBe(0);
    expect(found.out()).toMatch(
      new RegExp(`localhost: ${join(dir, "certs", "localhost.crt")}: OK, valid until`),
    );
    const both = io();
    expect(await main(["check", "-c", file], both.io)).toBe(0);
    expect(both.out()).toContain(
      `${file}:4: warning CANTO_CONFIG_MODULES_MISSING: Prosody modules Canto does not have, not loaded: pep: `,
    );
    expect(both.out()).toContain(": OK (1 warning(s))");
    expect(both.out()).toContain("certificates: OK");
  });
});

describe("Prosody's process options", () => {
  it("a pidfile naming a live process refuses a second server; the owner removes it", () => {
    const dir = folder();
    const file = join(dir, "run", "canto.pid");
    const remove = writePidfile(file);
    expect(readFileSync(file, "utf8")).toBe(`${process.pid}\n`);
    writeFileSync(file, "1\n");
    expect(() => writePidfile(file)).toThrow(/names a running process \(1\)/);
    writeFileSync(file, `${process.pid}\n`);
    remove();
    expect(existsSync(file)).toBe(false);
  });

  it("finds a host's certificate in the folder, or its parent domain's, and leaves configured hosts alone", () => {
    const dir = folder();
    mkdirSync(join(dir, "example.org"));
    writeFileSync(join(dir, "example.org", "fullchain.pem"), "");
    writeFileSync(join(dir, "example.org", "privkey.pem"), "");
    expect(findCertificate(dir, "conference.example.org")).toEqual({
      certificate: join(dir, "example.org", "fullchain.pem"),
      key: join(dir, "example.org", "privkey.pem"),
    });
    expect(findCertificate(dir, "other.net")).toBeUndefined();
    const config = createConfig({
      certificates: dir,
      hosts: { "example.org": {}, "mine.example.org": { certificate: "/x.crt", key: "/x.key" } },
    });
    applyCertificateFolder(config);
    expect(config.get("example.org", "certificate")).toBe(join(dir, "example.org", "fullchain.pem"));
    expect(config.get("mine.example.org", "certificate")).toBe("/x.crt");
  });

  it("notes daemonize and the user options, which canto start leaves alone", () => {
    expect(ignoredOptionNotes(createConfig({ daemonize: true, prosody_user: "prosody" }))).toEqual([
      expect.stringMatching(/^daemonize is ignored/),
      expect.stringMatching(/^prosody_user is ignored/),
    ]);
    expect(ignoredOptionNotes(createConfig({ daemonize: false }))).toEqual([]);
  });

  it("the log table's file sinks get their levels only", async () => {
    const dir = folder();
    const rules = readLogOption({ info: "all.log", error: "errors.log" }, dir)!;
    const logger = createLogger("info", "json", rules);
    logger.debug("not written");
    logger.info("an info line");
    logger.error("an error line");
    logger.flush();
    const all = readFileSync(join(dir, "all.log"), "utf8");
    const errors = readFileSync(join(dir, "errors.log"), "utf8");
    expect(all).toContain("an info line");
    expect(all).toContain("an error line");
    expect(all).not.toContain("not written");
    expect(errors).toContain("an error line");
    expect(errors).not.toContain("an info line");
    // logrotate moves the file away; after reopenLogFiles (SIGHUP) lines go to a new one.
    renameSync(join(dir, "all.log"), join(dir, "all.log.1"));
    reopenLogFiles();
    logger.info("after the rotation");
    expect(readFileSync(join(dir, "all.log"), "utf8")).toContain("after the rotation");
    expect(readFileSync(join(dir, "all.log.1"), "utf8")).not.toContain("after the rotation");
  });
});
