/** Stable codes of the errors the module system throws or rejects with. */
export type ModuleErrorCode =
  | "insufficient-parameters"
  | "unknown-host"
  | "module-already-loaded"
  | "global-module-already-loaded"
  | "module-not-loaded"
  | "module-not-found"
  | "module-load-failed"
  | "module-disabled"
  | "dependency-failed"
  | "save-state-failed"
  | "global-storage-not-supported"
  | "no-origin"
  | "invalid-argument"
  | "shared-module-instance";

/** An error of the module system, with a stable `code` (in the manner of Fastify's `FST_ERR_*`). */
export class ModuleError extends Error {
  override name = "ModuleError";
  readonly code: ModuleErrorCode;
  readonly module?: string;
  readonly host?: string;

  constructor(
    code: ModuleErrorCode,
    message: string,
    details: { module?: string; host?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    if (details.module !== undefined) this.module = details.module;
    if (details.host !== undefined) this.host = details.host;
  }
}
