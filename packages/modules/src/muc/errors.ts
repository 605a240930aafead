/** Stable codes of the errors `muc` throws (options and API misuse, not protocol refusals). */
export type MucErrorCode = "bad-option" | "not-a-component";

export class MucError extends Error {
  readonly code: MucErrorCode;

  constructor(code: MucErrorCode, message: string) {
    super(message);
    this.name = "MucError";
    this.code = code;
  }
}
