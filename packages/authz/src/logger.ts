import type { Logger as CantoLogger } from "@canto/events";

export { silentLogger } from "@canto/events";

/**
 * Where the package writes its messages: the `debug`, `warn` and `error` of @canto/events' one
 * logger shape. pino and console fit; each method is called with one preformatted string.
 */
export type Logger = Pick<CantoLogger, "debug" | "warn" | "error">;
