import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { ByteRange } from "./file-store.js";
import { typeMatches } from "./options.js";

/**
 * `Content-Disposition` for a shared file: `inline` for the safe types (pictures, sound, film,
 * plain text), `attachment` otherwise, so an uploaded page never runs on this origin. The name
 * goes as RFC 6266's ASCII fallback and RFC 8187's UTF-8 `filename*`.
 */
export function contentDisposition(filename: string, type: string, safeTypes: Set<string>): string {
  const kind = typeMatches(safeTypes, type) ? "inline" : "attachment";
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * The one range of a `Range: bytes=...` header within `size` bytes; `undefined` to send the whole
 * file (no header, several ranges, another unit), `"unsatisfiable"` for a range past the end.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, from = "", to = ""] = match;
  if (from === "" && to === "") return undefined;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

export interface Download {
  slot: string;
  filename: string;
  type: string;
  size: number;
  modified: Date;
  open(range?: ByteRange): NodeJS.ReadableStream;
}

/** Answers a GET or HEAD for a stored file, streaming it, with ETag and single-range support. */
export async function sendFile(
  request: IncomingMessage,
  response: ServerResponse,
  file: Download,
  safeTypes: Set<string>,
): Promise<void> {
  // Uploaded content never changes under its slot: the slot is a strong validator.
  const etag = `"${file.slot}"`;
  response.setHeader("ETag", etag);
  response.setHeader("Last-Modified", file.modified.toUTCString());
  response.setHeader("Cache-Control", "max-age=31556952, immutable");
  response.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none';");
  response.setHeader("X-Content-Type-Options", "nosniff");
  response.setHeader("Accept-Ranges", "bytes");
  const noneMatch = request.headers["if-none-match"];
  if (noneMatch?.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) {
    response.writeHead(304).end();
    return;
  }
  response.setHeader("Content-Type", file.type);
  response.setHeader("Content-Disposition", contentDisposition(file.filename, file.type, safeTypes));
  const ifRange = request.headers["if-range"];
  const range =
    ifRange === undefined || ifRange === etag ? parseRange(request.headers.range, file.size) : undefined;
  if (range === "unsatisfiable") {
    response.writeHead(416, { "Content-Range": `bytes */${file.size}`, "Content-Length": 0 }).end();
    return;
  }
  if (range === undefined) {
    response.writeHead(200, { "Content-Length": file.size });
  } else {
    response.writeHead(206, {
      "Content-Length": range.end - range.start + 1,
      "Content-Range": `bytes ${range.start}-${range.end}/${file.size}`,
    });
  }
  if (request.method === "HEAD" || file.size === 0) {
    response.end();
    return;
  }
  try {
    await pipeline(file.open(range), response);
  } catch {
    // The client went away mid-download: nothing to answer.
    response.destroy();
  }
}
