import { randomUUID } from "node:crypto";
import { failure, type SaslMechanism, type SaslStep } from "./sasl-mechanism.js";

/**
 * SASL ANONYMOUS (RFC 4505): any client gets in under a fresh random username (a UUID, as
 * Prosody's). The optional trace data is ignored.
 */
export class AnonymousMechanism implements SaslMechanism {
  readonly name = "ANONYMOUS";
  #done = false;

  async step(_data: Buffer | undefined): Promise<SaslStep> {
    if (this.#done) return failure("malformed-request", "The ANONYMOUS exchange is already over");
    this.#done = true;
    return { type: "success", username: randomUUID() };
  }
}
