import { parseArgs } from "node:util";
import { config as configPackage } from "canto";
import { type AccountCommand, accountCommand } from "./accounts.js";
import { checkConfig } from "./check-command.js";
import { CliError, EXIT } from "./exit-codes.js";
import { location } from "./load-config.js";
import { start } from "./start.js";

export const USAGE = `Usage: canto <command> [options]

Commands:
  start                     start the server (config: --config, else canto.config.* or
                            prosody.cfg.lua in the working folder, else the embedded default)
  adduser JID               create an account, e.g. canto adduser alice@localhost
  passwd JID                change an account's password
  deluser JID               delete an account and its data
  check config [FILE]       report problems of a config file, with file and line

Options:
  -c, --config FILE         the config file to use
  -p, --password PASSWORD   the password for adduser/passwd (else prompted on a terminal,
                            or read from the first line of standard input)
      --log-format FORMAT   json or pretty (default: pretty on a terminal, json otherwise)
  -h, --help                show this help

Exit codes: 0 ok, 1 failure, 2 usage or invalid JID, 3 unknown host, 4 account exists,
5 account not found.`;

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
        await start({ config: values.config, logFormat: format });
        return undefined;
      }
      case "adduser":
      case "passwd":
      case "deluser": {
        extra(1);
        const message = await accountCommand(command as AccountCommand, rest[0], values, io);
        io.stdout.write(`${message}\n`);
        return EXIT.ok;
      }
      case "check": {
        if (rest[0] !== "config") {
          throw new CliError(EXIT.usage, `check: expected \`canto check config [FILE]\``);
        }
        extra(2);
        const result = await checkConfig(rest[1] ?? values.config);
        io.stdout.write(`${result.lines.join("\n")}\n`);
        return result.ok ? EXIT.ok : EXIT.failure;
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
