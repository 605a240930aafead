import { parseArgs } from "node:util";
import { config as configPackage } from "canto";
import { aboutLines } from "./about.js";
import { type AccountCommand, accountCommand } from "./accounts.js";
import { checkCertsCommand } from "./check-certs.js";
import { checkConfig } from "./check-command.js";
import { CliError, EXIT } from "./exit-codes.js";
import { location, parseOptionArgs } from "./load-config.js";
import { type ControlCommand, controlCommand } from "./server-control.js";
import { start } from "./start.js";

export const USAGE = `Usage: canto <command> [options]

Commands:
  start                     start the server (config: --config, else canto.config.* or
                            prosody.cfg.lua in the working folder, else the embedded default)
  status                    whether the server of the config runs (found by its pidfile)
  reload                    make the running server re-read its config (SIGHUP)
  stop                      stop the running server (SIGTERM)
  adduser JID               create an account, e.g. canto adduser alice@localhost
  passwd JID                change an account's password
  deluser JID               delete an account and its data
  register USER HOST [PASSWORD]
                            create an account, as prosodyctl register
  unregister USER HOST      delete an account, as prosodyctl unregister
  check [config|certs] [FILE]
                            report problems of a config file (with file and line) and of the
                            hosts' certificates; both without a word
  about                     this installation: version, folders, hosts, modules

Options:
  -c, --config FILE         the config file to use
  -o, --option NAME=VALUE   set a global option over the config file's (repeatable; VALUE is
                            JSON when it parses, else text), e.g. -o 'c2s_ports=[5300]'
  -p, --password PASSWORD   the password for adduser/passwd (else prompted on a terminal,
                            or read from the first line of standard input)
      --log-format FORMAT   json or pretty (default: pretty on a terminal, json otherwise)
  -h, --help                show this help

Exit codes: 0 ok, 1 failure (status: not running), 2 usage or invalid JID, 3 unknown host,
4 account exists, 5 account not found.`;

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        password: { type: "string", short: "p" },
        option: { type: "string", short: "o", multiple: true },
        "log-format": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new CliError(EXIT.usage, error instanceof Error ? error.message : String(error));
  }
}

/**
 * Runs one CLI command. Returns the exit code, or `undefined` for `start`, whose process keeps
 * running until a signal stops the server.
 */
export async function main(argv: string[], io: CliIo): Promise<number | undefined> {
  try {
    const { values, positionals } = parse(argv);
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === "help") {
      io.stdout.write(`${USAGE}\n`);
      return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
    }
    const overrides = parseOptionArgs(values.option ?? []);
    const extra = (max: number) => {
      if (rest.length > max)
        throw new CliError(EXIT.usage, `${command}: unexpected argument ${JSON.stringify(rest[max])}`);
    };
    switch (command) {
      case "start": {
        extra(0);
        const format = values["log-format"];
        if (format !== undefined && format !== "json" && format !== "pretty") {
          throw new CliError(
            EXIT.usage,
            `--log-format: expected json or pretty, got ${JSON.stringify(format)}`,
          );
        }
        await start({ config: values.config, logFormat: format, overrides });
        return undefined;
      }
      case "adduser":
      case "passwd":
      case "deluser": {
        extra(1);
        const options = { ...values, overrides };
        const message = await accountCommand(command as AccountCommand, rest[0], options, io);
        io.stdout.write(`${message}\n`);
        return EXIT.ok;
      }
      case "register":
      case "unregister": {
        // prosodyctl's spelling: USER HOST [PASSWORD] instead of a JID.
        const [user, host, password] = rest;
        extra(command === "register" ? 3 : 2);
        if (user === undefined || host === undefined) {
          throw new CliError(
            EXIT.usage,
            `${command}: expected \`canto ${command} USER HOST${command === "register" ? " [PASSWORD]" : ""}\``,
          );
        }
        const options = { ...values, password: password ?? values.password, overrides };
        const verb = command === "register" ? "adduser" : "deluser";
        const message = await accountCommand(verb, `${user}@${host}`, options, io);
        io.stdout.write(`${message}\n`);
        return EXIT.ok;
      }
      case "check": {
        const what = rest[0] === "config" || rest[0] === "certs" ? rest[0] : undefined;
        const fileArg = what === undefined ? rest[0] : rest[1];
        extra(what === undefined ? 1 : 2);
        if (what === undefined && fileArg !== undefined && !fileArg.includes(".")) {
          throw new CliError(
            EXIT.usage,
            `check: expected \`canto check [config|certs] [FILE]\`, got ${JSON.stringify(fileArg)}`,
          );
        }
        const file = fileArg ?? values.config;
        let ok = true;
        if (what !== "certs") {
          const result = await checkConfig(file);
          io.stdout.write(`${result.lines.join("\n")}\n`);
          ok &&= result.ok;
        }
        if (what !== "config" && ok) {
          const result = await checkCertsCommand(file, overrides);
          io.stdout.write(`${result.lines.join("\n")}\n`);
          ok &&= result.ok;
        }
        return ok ? EXIT.ok : EXIT.failure;
      }
      case "about": {
        extra(0);
        io.stdout.write(`${(await aboutLines(values.config, overrides)).join("\n")}\n`);
        return EXIT.ok;
      }
      case "status":
      case "reload":
      case "stop": {
        extra(0);
        const result = await controlCommand(command as ControlCommand, values.config, overrides);
        (result.code === EXIT.ok ? io.stdout : io.stderr).write(`${result.message}\n`);
        return result.code;
      }
      default:
        throw new CliError(EXIT.usage, `unknown command ${JSON.stringify(command)}; see canto --help`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`canto: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof configPackage.ConfigError) {
      io.stderr.write(`canto: ${location(error)}: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  }
}
