/** Where a value or a statement came from. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

export interface ConfigErrorDetails {
  file?: string | undefined;
  line?: number | undefined;
  option?: string | undefined;
  host?: string | undefined;
  cause?: unknown;
}

function prefix(details: ConfigErrorDetails): string {
  if (details.file === undefined) return "";
  return details.line === undefined ? `${details.file}: ` : `${details.file}:${details.line}: `;
}

/**
 * Base class of every error this package throws. `code` is stable and meant for programs; the
 * message starts with `file:line:` when the problem has a place in a file.
 */
export class ConfigError extends Error {
  readonly code: string = "CANTO_ERR_CONFIG";
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly option: string | undefined;
  readonly host: string | undefined;

  constructor(message: string, details: ConfigErrorDetails = {}) {
    super(prefix(details) + message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.file = details.file;
    this.line = details.line;
    this.option = details.option;
    this.host = details.host;
  }
}

/** The file is not valid Lua (or JSON): a syntax error. */
export class ConfigParseError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_PARSE";
}

/** The file uses a construct the config evaluator refuses to run (functions, loops, `io`, ...). */
export class ConfigUnsupportedError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_UNSUPPORTED";
}

/** An `Include` names a file or folder that does not exist, or includes itself. */
export class ConfigIncludeError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_INCLUDE";
}

/** A file could not be read: the config itself, `FileContents`, `FileLine(s)` or `Credential`. */
export class ConfigFileError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_FILE";
}

/** A value has the wrong shape: a host without a name, a host clashing with a component, ... */
export class ConfigValueError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_VALUE";
}

/** A getter was called with a default or a bound that is itself invalid: a programming error. */
export class ConfigDefaultError extends ConfigError {
  override readonly code = "CANTO_ERR_CONFIG_DEFAULT";
}
