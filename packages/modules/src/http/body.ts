import type { IncomingMessage } from "node:http";

/** Why a body could not be read. */
export class BodyError extends Error {
  constructor(
    readonly code: "body-too-large" | "body-aborted",
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/**
 * Reads a request body in full, refusing one over `limit` bytes: at once when `Content-Length`
 * says so, otherwise as soon as the received bytes pass the limit (chunked uploads).
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(
      new BodyError("body-too-large", `request body of ${declared} bytes is over the limit of ${limit}`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        reject(new BodyError("body-too-large", `request body is over the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    request.on("data", onData);
    request.once("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    request.once("aborted", () => {
      if (done) return;
      done = true;
      reject(new BodyError("body-aborted", "the client went away before the body was complete"));
    });
    request.once("error", (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}
