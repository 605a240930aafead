/** Stable codes of the errors this package throws. */
export type DiscoErrorCode =
  | "bad-identity"
  | "bad-feature"
  | "bad-extension"
  | "bad-form"
  | "bad-disco-items"
  | "bad-query"
  | "unknown-hash";

/** Thrown for invalid input: inspect `code`, not the message. */
export class DiscoError extends Error {
  override readonly name = "DiscoError";
  readonly code: DiscoErrorCode;

  constructor(code: DiscoErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
