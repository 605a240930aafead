import { createHmac, timingSafeEqual } from "node:crypto";

/** What an upload token grants: one slot, one size, until `exp` (seconds since the epoch). */
export interface SlotClaims {
  /** The uploader's bare JID. */
  sub: string;
  slot: string;
  filename: string;
  filesize: number;
  filetype: string;
  iat: number;
  exp: number;
}

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function mac(secret: string, data: string): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

/** A compact HS256 JWT over the claims, as Prosody's util.jwt makes for the PUT's `Authorization`. */
export function signSlot(secret: string, claims: SlotClaims): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${body}.${mac(secret, body).toString("base64url")}`;
}

const isClaims = (value: unknown): value is SlotClaims => {
  if (typeof value !== "object" || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.sub === "string" &&
    typeof c.slot === "string" &&
    typeof c.filename === "string" &&
    typeof c.filetype === "string" &&
    Number.isSafeInteger(c.filesize) &&
    typeof c.iat === "number" &&
    typeof c.exp === "number"
  );
};

/**
 * The claims of a token signed with `secret`, or `undefined` for anything else: a bad signature,
 * another algorithm, malformed JSON. Expiry is the caller's check (it answers 410, not 401).
 */
export function verifySlot(secret: string, token: string): SlotClaims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[0] !== HEADER) return undefined;
  const [header, payload, signature] = parts as [string, string, string];
  const expected = mac(secret, `${header}.${payload}`);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return isClaims(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}
