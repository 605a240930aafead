import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * A client side SCRAM-SHA-256 (RFC 7677) for @xmpp/client's SASL factory, which has only
 * SCRAM-SHA-1. Usernames here are plain ASCII, so no SASLprep or `=`/`,` escaping is needed.
 */
export class ScramSha256 {
  static readonly mechanismName = "SCRAM-SHA-256";
  readonly name = ScramSha256.mechanismName;
  readonly clientFirst = true;
  #stage: "first" | "final" | "done" = "first";
  #firstBare = "";
  #challenge = "";

  challenge(text: string): this {
    this.#challenge = text;
    return this;
  }

  response(cred: { username: string; password: string }): string {
    if (this.#stage === "first") {
      this.#stage = "final";
      this.#firstBare = `n=${cred.username},r=${randomBytes(18).toString("base64")}`;
      return `n,,${this.#firstBare}`;
    }
    if (this.#stage === "done") return "";
    this.#stage = "done";
    const fields = new Map(this.#challenge.split(",").map((kv) => [kv[0], kv.slice(2)] as const));
    const salt = Buffer.from(fields.get("s") ?? "", "base64");
    const iterations = Number(fields.get("i"));
    const salted = pbkdf2Sync(cred.password, salt, iterations, 32, "sha256");
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${fields.get("r")}`;
    const authMessage = `${this.#firstBare},${this.#challenge},${withoutProof}`;
    const signature = createHmac("sha256", storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
    return `${withoutProof},p=${proof.toString("base64")}`;
  }
}
