import { randomBytes } from "node:crypto";
import type { ScramCredentials } from "../shared/contracts.js";
import { authzidAllowed } from "./authzid.js";
import { failure, type SaslBackend, type SaslMechanism, type SaslStep, utf8 } from "./sasl-mechanism.js";
import { saslprep } from "./saslprep.js";
import { DEFAULT_ITERATIONS, digest, hmac, type ScramHash, safeEqual } from "./scram.js";
import { prepUsername } from "./username.js";

export interface ScramOptions {
  /** The server's part of the nonce (tests inject RFC values). Default: 18 random bytes, base64. */
  nonce?: () => string;
  /**
   * Key for the made-up salt of unknown users, so that an unknown name gets the same salt on
   * each try and cannot be told apart from a real account.
   */
  secret?: Buffer;
  /** Iteration count shown for unknown users. */
  iterations?: number;
}

const PROCESS_SECRET = randomBytes(32);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// RFC 5802 §7: printable ASCII except ','.
const NONCE = /^[!-+\--~]+$/;

type State =
  | { phase: "start" }
  | {
      phase: "first-sent";
      username: string;
      known: boolean;
      credentials: ScramCredentials;
      gs2Header: string;
      clientFirstBare: string;
      serverFirst: string;
      nonce: string;
    }
  | { phase: "done" };

/** Decodes a SCRAM `saslname` (RFC 5802 §5.1): `=2C` is ',', `=3D` is '=', any other '=' is an error. */
function decodeSaslName(value: string): string | undefined {
  if (/=(?!2C|3D)/.test(value)) return undefined;
  return value.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/**
 * The server side of SCRAM (RFC 5802; SCRAM-SHA-256 is RFC 7677) without channel binding: the
 * client may say `n` (no support) or `y` (supports it, thinks the server doesn't); `p=` is refused,
 * as no -PLUS mechanism is offered.
 */
export class ScramMechanism implements SaslMechanism {
  readonly name: string;
  readonly #hash: ScramHash;
  readonly #backend: SaslBackend;
  readonly #nonce: () => string;
  readonly #secret: Buffer;
  readonly #iterations: number;
  #state: State = { phase: "start" };
  #challenged = false;

  constructor(hash: ScramHash, backend: SaslBackend, options: ScramOptions = {}) {
    this.#hash = hash;
    this.name = hash === "sha-1" ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
    this.#backend = backend;
    this.#nonce = options.nonce ?? (() => randomBytes(18).toString("base64"));
    this.#secret = options.secret ?? PROCESS_SECRET;
    this.#iterations = options.iterations ?? DEFAULT_ITERATIONS;
  }

  async step(data: Buffer | undefined): Promise<SaslStep> {
    const state = this.#state;
    if (state.phase === "start") {
      if (data === undefined && !this.#challenged) {
        this.#challenged = true;
        return { type: "challenge", data: Buffer.alloc(0) };
      }
      this.#state = { phase: "done" };
      return this.#clientFirst(data ?? Buffer.alloc(0));
    }
    this.#state = { phase: "done" };
    if (state.phase === "first-sent") return this.#clientFinal(state, data ?? Buffer.alloc(0));
    return failure("malformed-request", `The ${this.name} exchange is already over`);
  }

  async #clientFirst(data: Buffer): Promise<SaslStep> {
    const message = utf8(data);
    if (message === undefined) return failure("malformed-request", "client-first-message is not valid UTF-8");
    const first = message.indexOf(",");
    const second = first < 0 ? -1 : message.indexOf(",", first + 1);
    if (second < 0) return failure("malformed-request", "client-first-message lacks a GS2 header");
    const flag = message.slice(0, first);
    if (flag.startsWith("p=")) {
      return failure("malformed-request", "Channel binding is not supported: use a mechanism without -PLUS");
    }
    if (flag !== "n" && flag !== "y")
      return failure("malformed-request", `invalid channel binding flag ${JSON.stringify(flag)}`);
    const authzPart = message.slice(first + 1, second);
    let authzid = "";
    if (authzPart !== "") {
      const decoded = authzPart.startsWith("a=") ? decodeSaslName(authzPart.slice(2)) : undefined;
      if (decoded === undefined)
        return failure("malformed-request", "invalid authorization identity in GS2 header");
      authzid = decoded;
    }
    const gs2Header = message.slice(0, second + 1);
    const clientFirstBare = message.slice(second + 1);
    const attributes = clientFirstBare.split(",");
    if (attributes[0]?.startsWith("m="))
      return failure("malformed-request", "mandatory SCRAM extensions are not supported");
    const name = attributes[0]?.startsWith("n=") ? decodeSaslName(attributes[0].slice(2)) : undefined;
    if (name === undefined || name === "")
      return failure("malformed-request", "client-first-message lacks a username (n=)");
    const clientNonce = attributes[1]?.startsWith("r=") ? attributes[1].slice(2) : "";
    if (!NONCE.test(clientNonce))
      return failure("malformed-request", "client-first-message lacks a valid nonce (r=)");

    let username: string;
    try {
      username = prepUsername(saslprep(name, "username"));
    } catch {
      return failure("not-authorized");
    }
    if (!authzidAllowed(authzid, username, this.#backend.host)) {
      return failure("invalid-authzid", "Authorization identity must be your own account");
    }
    const stored = await this.#backend.getScramCredentials(username, this.#hash);
    const credentials = stored ?? this.#madeUpCredentials(username);
    const nonce = clientNonce + this.#nonce();
    const serverFirst = `r=${nonce},s=${credentials.salt},i=${credentials.iterations}`;
    this.#state = {
      phase: "first-sent",
      username,
      known: stored !== undefined,
      credentials,
      gs2Header,
      clientFirstBare,
      serverFirst,
      nonce,
    };
    return { type: "challenge", data: Buffer.from(serverFirst, "utf8") };
  }

  #madeUpCredentials(username: string): ScramCredentials {
    const salt = hmac("sha-256", this.#secret, `${this.#backend.host}\0${username}`).subarray(0, 16);
    const filler = Buffer.alloc(this.#hash === "sha-1" ? 20 : 32).toString("base64");
    return {
      hash: this.#hash,
      salt: salt.toString("base64"),
      iterations: this.#iterations,
      storedKey: filler,
      serverKey: filler,
    };
  }

  async #clientFinal(state: Extract<State, { phase: "first-sent" }>, data: Buffer): Promise<SaslStep> {
    const message = utf8(data);
    if (message === undefined) return failure("malformed-request", "client-final-message is not valid UTF-8");
    const proofAt = message.lastIndexOf(",p=");
    if (proofAt < 0) return failure("malformed-request", "client-final-message lacks a proof (p=)");
    const withoutProof = message.slice(0, proofAt);
    const proofText = message.slice(proofAt + 3);
    const [channel, nonce] = withoutProof.split(",");
    if (channel === undefined || !channel.startsWith("c=") || !BASE64.test(channel.slice(2))) {
      return failure("malformed-request", "client-final-message lacks channel binding data (c=)");
    }
    if (!Buffer.from(channel.slice(2), "base64").equals(Buffer.from(state.gs2Header, "utf8"))) {
      return failure("malformed-request", "channel binding data does not match the GS2 header");
    }
    if (nonce !== `r=${state.nonce}`) return failure("malformed-request", "nonce does not match");
    if (!BASE64.test(proofText)) return failure("malformed-request", "client proof is not base64");
    const proof = Buffer.from(proofText, "base64");

    const hash = this.#hash;
    const storedKey = Buffer.from(state.credentials.storedKey, "base64");
    const authMessage = `${state.clientFirstBare},${state.serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash, storedKey, authMessage);
    if (proof.length !== clientSignature.length) return failure("not-authorized");
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const matches = safeEqual(digest(hash, clientKey), storedKey);
    if (!matches || !state.known) return failure("not-authorized");
    const serverSignature = hmac(hash, Buffer.from(state.credentials.serverKey, "base64"), authMessage);
    return {
      type: "success",
      username: state.username,
      data: Buffer.from(`v=${serverSignature.toString("base64")}`, "utf8"),
    };
  }
}
