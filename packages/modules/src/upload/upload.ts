import type { IncomingMessage, ServerResponse } from "node:http";
import { type FileStore, FileStoreError } from "./file-store.js";
import { type SlotClaims, verifySlot } from "./token.js";

/** What a PUT needs besides the request: the key, the clock, the store and the slot's record. */
export interface UploadContext {
  secret: string;
  now(): number;
  store: FileStore;
  /** Whether the slot is still on record (an expired slot was removed by the daily task). */
  slotExists(slot: string): Promise<boolean>;
  log(level: "debug" | "info" | "warn", fmt: string, ...args: unknown[]): void;
}

/** The status a refused PUT gets, or undefined when its token, path and length fit its slot. */
function checkPut(
  request: IncomingMessage,
  path: string | undefined,
  context: UploadContext,
): { status: number; reason: string } | SlotClaims {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? "")?.[1];
  if (token === undefined) return { status: 401, reason: "missing or malformed Authorization header" };
  const claims = verifySlot(context.secret, token);
  if (claims === undefined) return { status: 401, reason: "invalid token" };
  const slot = path?.split("/")[0];
  if (slot !== claims.slot) return { status: 400, reason: `path ${path} is not the token's slot` };
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) !== claims.filesize) {
    return { status: 413, reason: `Content-Length ${declared}, slot for ${claims.filesize} bytes` };
  }
  if (claims.exp < context.now()) return { status: 410, reason: "token expired" };
  return claims;
}

const STATUS_OF: Record<FileStoreError["code"], number> = {
  "file-exists": 409,
  "file-busy": 409,
  "file-too-large": 413,
  "file-incomplete": 400,
  "invalid-file-id": 400,
};

function refuse(request: IncomingMessage, response: ServerResponse, status: number, headers = {}): void {
  // The body is not stored. A slot already used (409) had a valid token, so its body is the slot's
  // size, within the limit: it is read and dropped, and a client still writing it reads the answer
  // instead of a broken pipe. Any other refusal closes the connection after the answer.
  const close = status === 409 ? {} : { Connection: "close" };
  response.writeHead(status, { "Content-Length": 0, ...close, ...headers }).end();
  request.resume();
}

/**
 * A PUT to `<base>/<slot>/<name>`: checks the slot's token, then streams the body into the store,
 * which makes the file visible only once exactly the slot's size arrived. 201 when stored.
 */
export async function handlePut(
  request: IncomingMessage,
  response: ServerResponse,
  path: string | undefined,
  context: UploadContext,
): Promise<void> {
  // The client may go away while the slot is looked up; the store reports it once it reads.
  request.on("error", () => undefined);
  const checked = checkPut(request, path, context);
  if ("status" in checked) {
    context.log("debug", "upload to %s refused (%d): %s", path, checked.status, checked.reason);
    refuse(request, response, checked.status, checked.status === 401 ? { "WWW-Authenticate": "Bearer" } : {});
    return;
  }
  if (!(await context.slotExists(checked.slot))) {
    refuse(request, response, 410);
    return;
  }
  try {
    await context.store.put(checked.slot, request, checked.filesize);
  } catch (error) {
    if (error instanceof FileStoreError) {
      context.log("debug", "upload to slot %s refused: %s", checked.slot, error.message);
      refuse(request, response, STATUS_OF[error.code]);
      return;
    }
    // The client went away or the disk failed; the store left nothing behind.
    context.log("warn", "upload to slot %s failed: %s", checked.slot, error);
    if (!response.headersSent && !request.destroyed) refuse(request, response, 500);
    else response.destroy();
    return;
  }
  context.log(
    "info",
    "%s uploaded %s (%d bytes) to slot %s",
    checked.sub,
    checked.filename,
    checked.filesize,
    checked.slot,
  );
  response.writeHead(201, { "Content-Length": 0 }).end();
}
