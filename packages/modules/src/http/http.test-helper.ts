import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { Writable } from "node:stream";
import { type CantoConfig, createTestServer, type ModuleSetup, type Server, type TestServer } from "canto";
import pino, { type Logger } from "pino";
import type { HttpApi } from "./http.js";
import { httpModules } from "./index.js";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP/1.1 request over loopback; `host` sets the Host header, `chunked` sends no Content-Length. */
export function request(
  port: number,
  path: string,
  options: {
    method?: string;
    host?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunked?: boolean;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.host !== undefined) headers.host = options.host;
    if (options.body !== undefined && !options.chunked) {
      headers["content-length"] = String(Buffer.byteLength(options.body));
    }
    const req = httpRequest(
      { host: "127.0.0.1", port, path, method: options.method ?? "GET", headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    // The server may answer (413) and close before the whole body is written.
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ECONNRESET") reject(error);
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A pino logger whose lines are kept, to assert what was logged. */
export function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines: () => lines };
}

export function httpApi(server: Server): HttpApi {
  const api = server.global.modules.get("http")?.exports as HttpApi | undefined;
  if (api === undefined) throw new Error("http is not loaded");
  return api;
}

export function portOf(server: Server): number {
  const port = httpApi(server).listeners()[0]?.port;
  if (port === undefined) throw new Error("http listens nowhere");
  return port;
}

/** A test server with `http` on an ephemeral loopback port and the given modules. */
export async function startHttp(
  config: CantoConfig,
  modules: Record<string, ModuleSetup>,
  logger?: Logger,
): Promise<{ t: TestServer; port: number }> {
  const t = await createTestServer({
    modules: { ...httpModules, ...modules },
    ...(logger && { logger }),
    config: { http_ports: [0], hosts: { localhost: {} }, ...config } as CantoConfig,
  });
  return { t, port: t.server.global.modules.has("http") ? portOf(t.server) : 0 };
}
