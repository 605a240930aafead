import { authzidAllowed } from "./authzid.js";
import { failure, type SaslBackend, type SaslMechanism, type SaslStep, utf8 } from "./sasl-mechanism.js";
import { saslprep } from "./saslprep.js";
import { prepUsername } from "./username.js";

/** SASL PLAIN (RFC 4616): `authzid NUL authcid NUL passwd` in one message. */
export class PlainMechanism implements SaslMechanism {
  readonly name = "PLAIN";
  readonly #backend: SaslBackend;
  #challenged = false;
  #done = false;

  constructor(backend: SaslBackend) {
    this.#backend = backend;
  }

  async step(data: Buffer | undefined): Promise<SaslStep> {
    if (this.#done) return failure("malformed-request", "The PLAIN exchange is already over");
    if (data === undefined) {
      // RFC 6120 §6.4.2: no initial response, so an empty challenge asks for it.
      if (this.#challenged) return failure("malformed-request", "PLAIN needs a response");
      this.#challenged = true;
      return { type: "challenge", data: Buffer.alloc(0) };
    }
    this.#done = true;
    const message = utf8(data);
    if (message === undefined) return failure("malformed-request", "PLAIN message is not valid UTF-8");
    const parts = message.split("\0");
    if (parts.length !== 3)
      return failure("malformed-request", "PLAIN message must be authzid NUL authcid NUL passwd");
    const [authzid, authcid, password] = parts as [string, string, string];
    if (authcid === "" || password === "") {
      return failure("malformed-request", "PLAIN message has an empty username or password");
    }
    let username: string;
    let prepared: string;
    try {
      username = prepUsername(saslprep(authcid, "username"));
      prepared = saslprep(password);
    } catch {
      // A name or password that cannot be prepared cannot belong to an account.
      return failure("not-authorized");
    }
    if (!authzidAllowed(authzid, username, this.#backend.host)) {
      return failure("invalid-authzid", "Authorization identity must be your own account");
    }
    if (!(await this.#backend.testPassword(username, prepared))) return failure("not-authorized");
    return { type: "success", username };
  }
}
