/** Stable codes of the errors `muc` throws (options and API misuse, not protocol refusals). */
export type MucErrorCode = "bad-option" | "room-exists" | "room-not-found";

export class MucError extends Error {
  readonly code: MucErrorCode;

  constructor(code: MucErrorCode, message: string) {
    super(message);
    this.name = "MucError";
    this.code = code;
  }
}
