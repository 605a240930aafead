import { randomBytes } from "node:crypto";
import { Element, StanzaError } from "canto";
import { type ShareOptions, typeMatches } from "./options.js";
import { type SlotClaims, signSlot } from "./token.js";

export const NS_UPLOAD = "urn:xmpp:http:upload:0";

/** What a client asked for in `<request filename size content-type/>`. */
export interface SlotRequest {
  filename: string | undefined;
  size: number | undefined;
  type: string;
}

export function parseRequest(request: Element): SlotRequest {
  const rawSize = request.attrs.size as string | undefined;
  const size = rawSize !== undefined && /^\d{1,16}$/.test(rawSize) ? Number(rawSize) : undefined;
  const type = (request.attrs["content-type"] as string | undefined) || "application/octet-stream";
  return { filename: request.attrs.filename as string | undefined, size, type };
}

/** The usage figures the checks need, read by the caller from its stores. */
export interface Usage {
  /** Whether `uploader` may use this service (the access list, or a user of a host here). */
  allowed: boolean;
  /** Bytes the uploader asked for in the last 24 hours. */
  today: number;
  /** Bytes every file takes now. */
  total: number;
}

/**
 * Prosody's checks, in its order: access, filename, size format, size limit, global quota, daily
 * quota, file type. Throws the StanzaError to answer with.
 */
export function checkRequest(options: ShareOptions, request: SlotRequest, usage: Usage): number {
  if (!usage.allowed) throw new StanzaError({ type: "auth", condition: "forbidden" });
  const { filename, size, type } = request;
  // Only `/` and NUL are invalid in a file name on Linux, and NUL cannot be in XML.
  if (filename === undefined || filename === "" || filename.includes("/")) {
    throw new StanzaError({ type: "modify", condition: "bad-request", text: "Invalid filename" });
  }
  if (size === undefined || !Number.isSafeInteger(size)) {
    throw new StanzaError({
      type: "modify",
      condition: "bad-request",
      text: "File size must be positive integer",
    });
  }
  if (size > options.sizeLimit) {
    const tag = new Element("file-too-large", { xmlns: NS_UPLOAD });
    tag.c("max-file-size").t(String(options.sizeLimit));
    throw new StanzaError({
      type: "modify",
      condition: "not-acceptable",
      text: "File too large",
      extra: { tag },
    });
  }
  if (usage.total + size > options.globalQuota) {
    throw new StanzaError({
      type: "wait",
      condition: "resource-constraint",
      text: "Server global storage quota reached",
    });
  }
  if (usage.today + size > options.dailyQuota) {
    throw new StanzaError({ type: "wait", condition: "resource-constraint", text: "Daily quota reached" });
  }
  if (options.allowedTypes.size > 0 && !typeMatches(options.allowedTypes, type)) {
    throw new StanzaError({ type: "modify", condition: "not-acceptable", text: "File type not allowed" });
  }
  return size;
}

/** A new slot id: 144 random bits, URL- and file-name-safe. */
export function newSlotId(): string {
  return randomBytes(18).toString("base64url");
}

/** The `<slot/>` answer: the PUT URL with its `Authorization` header, and the GET URL. */
export function slotElement(baseUrl: string, secret: string, claims: SlotClaims): Element {
  const url = `${baseUrl}${claims.slot}/${encodeURIComponent(claims.filename)}`;
  const slot = new Element("slot", { xmlns: NS_UPLOAD });
  slot
    .c("put", { url })
    .c("header", { name: "Authorization" })
    .t(`Bearer ${signSlot(secret, claims)}`);
  slot.c("get", { url });
  return slot;
}
