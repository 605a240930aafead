/** The CLI's exit codes: stable, so scripts can tell what went wrong. */
export const EXIT = {
  ok: 0,
  /** Anything not listed below: a config with errors, a server that failed to start. */
  failure: 1,
  /** Unknown command or option, a missing argument, a JID that is not valid. */
  usage: 2,
  /** The JID's host is not a VirtualHost of the config. */
  unknownHost: 3,
  /** `adduser` of an account that exists. */
  userExists: 4,
  /** `passwd` or `deluser` of an account that does not exist. */
  userNotFound: 5,
} as const;

/** An error the CLI reports as one line on stderr and turns into an exit code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
