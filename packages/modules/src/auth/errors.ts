/** Stable codes of account operations. */
export type AccountErrorCode =
  | "invalid-username"
  | "invalid-password"
  | "user-exists"
  | "user-not-found"
  | "no-auth-provider"
  | "not-supported"
  | "host-not-found";

/** An account operation refused, with a stable `code` and a message naming what was wrong. */
export class AccountError extends Error {
  readonly code: AccountErrorCode;

  constructor(code: AccountErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AccountError";
    this.code = code;
  }
}
