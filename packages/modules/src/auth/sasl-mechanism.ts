import type { ScramCredentials } from "../shared/contracts.js";

/** The SASL failure conditions of RFC 6120 §6.5. */
export type SaslCondition =
  | "aborted"
  | "account-disabled"
  | "credentials-expired"
  | "encryption-required"
  | "incorrect-encoding"
  | "invalid-authzid"
  | "invalid-mechanism"
  | "malformed-request"
  | "mechanism-too-weak"
  | "not-authorized"
  | "temporary-auth-failure";

/** What a mechanism answers to one client message. */
export type SaslStep =
  | { type: "challenge"; data: Buffer }
  | { type: "success"; username: string; data?: Buffer | undefined }
  | { type: "failure"; condition: SaslCondition; text?: string | undefined };

/** What mechanisms need from the server: the account's credentials. */
export interface SaslBackend {
  /** The host the client authenticates to (an authzid must name an account there). */
  readonly host: string;
  /** Stored SCRAM credentials, or undefined for an unknown user. */
  getScramCredentials(
    username: string,
    hash: ScramCredentials["hash"],
  ): Promise<ScramCredentials | undefined>;
  /** Whether the password is right; false for an unknown user. */
  testPassword(username: string, password: string): Promise<boolean>;
}

/**
 * One server-side SASL exchange. `step` gets the client's data (the initial response of `<auth>`,
 * `undefined` when there was none, then each `<response>`).
 */
export interface SaslMechanism {
  readonly name: string;
  step(data: Buffer | undefined): Promise<SaslStep>;
}

export function failure(condition: SaslCondition, text?: string): SaslStep {
  return { type: "failure", condition, text };
}

/** Decodes UTF-8, refusing invalid sequences (returns undefined). */
export function utf8(data: Buffer): string | undefined {
  const text = data.toString("utf8");
  return Buffer.from(text, "utf8").equals(data) ? text : undefined;
}
