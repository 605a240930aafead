import { request as httpRequest } from "node:http";
import type { Module, TestServer } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { capturingLogger, httpApi, request, startHttp } from "./http.test-helper.js";
import type { HttpRouteParams } from "./routes.js";

let current: TestServer | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function start(...args: Parameters<typeof startHttp>) {
  const started = await startHttp(...args);
  current = started.t;
  return started;
}

/** `/app_a`: a page, an echo of the body, a status, and a handler that fails. */
const appA = (module: Module) => {
  module.provides("http", {
    route: {
      "GET /hello": () => "hello from a",
      "POST /echo": (
        _req: unknown,
        res: { setHeader(n: string, v: string): void },
        params: HttpRouteParams,
      ) => {
        res.setHeader("Content-Type", "application/octet-stream");
        return params.body;
      },
      "GET /teapot": () => 418,
      "GET /boom": () => {
        throw new Error("secret detail of the failure");
      },
      "GET /async-boom": async () => {
        await Promise.resolve();
        throw new Error("async secret");
      },
    },
  });
};

/** `http_b` provides as `b`: a wildcard and an index page. */
const appB = (module: Module) => {
  module.provides("http", {
    route: {
      "GET /files/*": (_req: unknown, _res: unknown, params: HttpRouteParams) => `file:${params.path}`,
      "GET /": () => "index of b",
    },
  });
};

/** Answers with the XMPP host whose routes served the request. */
const whoami = (module: Module) => {
  module.provides("http", {
    route: { GET: (_req: unknown, _res: unknown, params: HttpRouteParams) => `host:${params.host}` },
  });
};

describe("http: routes published with provides('http')", () => {
  it("serves the routes of two modules under /<name>, an http_ prefix dropped from the name", async () => {
    const { port } = await start(
      { modules_enabled: ["http", "app_a", "http_b"] },
      { app_a: appA, http_b: appB },
    );
    const hello = await request(port, "/app_a/hello");
    expect(hello.status).toBe(200);
    expect(hello.body).toBe("hello from a");
    expect(hello.headers["content-type"]).toBe("text/plain; charset=utf-8");

    const file = await request(port, "/b/files/dir/name.txt?x=1");
    expect(file.body).toBe("file:dir/name.txt");
    expect((await request(port, "/b/")).body).toBe("index of b");

    const echo = await request(port, "/app_a/echo", { method: "POST", body: "ping \u00e9" });
    expect(echo.status).toBe(200);
    expect(echo.headers["content-type"]).toBe("application/octet-stream");
    expect(echo.body).toBe("ping \u00e9");

    const teapot = await request(port, "/app_a/teapot");
    expect(teapot.status).toBe(418);
    expect(teapot.body).toContain("418");
  });

  it("answers 404 for unknown paths and stops serving a module's routes when it unloads", async () => {
    const { t, port } = await start(
      { modules_enabled: ["http", "app_a", "http_b"] },
      { app_a: appA, http_b: appB },
    );
    expect((await request(port, "/nothing/here")).status).toBe(404);
    expect((await request(port, "/app_a/hello/more")).status).toBe(404);
    expect(
      httpApi(t.server)
        .apps()
        .map((a) => a.path),
    ).toEqual(["/app_a", "/b"]);

    await t.server.manager.unload("localhost", "app_a");
    expect((await request(port, "/app_a/hello")).status).toBe(404);
    expect((await request(port, "/b/files/x")).body).toBe("file:x");
    expect(
      httpApi(t.server)
        .apps()
        .map((a) => a.name),
    ).toEqual(["b"]);

    await t.server.manager.load("localhost", "app_a");
    expect((await request(port, "/app_a/hello")).body).toBe("hello from a");
  });

  it("answers 405 with an Allow header for a known path and another method; HEAD follows GET", async () => {
    const { port } = await start({ modules_enabled: ["http", "app_a"] }, { app_a: appA });
    const put = await request(port, "/app_a/hello", { method: "PUT", body: "x" });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe("GET, HEAD");
    const get = await request(port, "/app_a/echo");
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe("POST");
    const head = await request(port, "/app_a/hello", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String("hello from a".length));
  });

  it("answers 500 without the error's text or stack when a handler throws, and logs the error", async () => {
    const { logger, lines } = capturingLogger();
    const { port } = await start({ modules_enabled: ["http", "app_a"] }, { app_a: appA }, logger);
    for (const path of ["/app_a/boom", "/app_a/async-boom"]) {
      const reply = await request(port, path);
      expect(reply.status).toBe(500);
      expect(reply.body).toBe("500 Internal Server Error\n");
      expect(reply.body).not.toMatch(/secret|at /);
    }
    const errors = lines().filter((line) => line.level === 50 && String(line.msg).includes("/app_a/boom"));
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.msg)).toContain("secret detail of the failure");
    expect(String(errors[0]?.msg)).toContain("http.test.ts");
    // The server goes on serving.
    expect((await request(port, "/app_a/hello")).status).toBe(200);
  });

  it("refuses a body over http_max_content_size with 413, declared or chunked", async () => {
    const { port } = await start(
      { modules_enabled: ["http", "app_a"], http_max_content_size: 16 },
      { app_a: appA },
    );
    const small = await request(port, "/app_a/echo", { method: "POST", body: "0123456789abcdef" });
    expect(small.status).toBe(200);
    expect(small.body).toBe("0123456789abcdef");
    const declared = await request(port, "/app_a/echo", { method: "POST", body: "x".repeat(17) });
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe("close");
    const chunked = await request(port, "/app_a/echo", {
      method: "POST",
      body: "y".repeat(5000),
      chunked: true,
    });
    expect(chunked.status).toBe(413);
    expect((await request(port, "/app_a/hello")).status).toBe(200);
  });

  it("leaves the body to a streaming_uploads provider: no limit, params.body empty", async () => {
    const streaming = (module: Module) => {
      module.provides("http", {
        streaming_uploads: true,
        route: {
          "PUT /sink": async (req: AsyncIterable<Buffer>, _res: unknown, params: HttpRouteParams) => {
            let size = 0;
            for await (const chunk of req) size += chunk.length;
            return `read ${size} after ${params.body.length}`;
          },
        },
      });
    };
    const { port } = await start(
      { modules_enabled: ["http", "streaming"], http_max_content_size: 16 },
      { streaming },
    );
    const reply = await request(port, "/streaming/sink", { method: "PUT", body: "z".repeat(100_000) });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("read 100000 after 0");
  });

  it("redirects /app to /app/ when only the index route exists, keeping the query", async () => {
    const { port } = await start({ modules_enabled: ["http", "http_b"] }, { http_b: appB });
    const reply = await request(port, "/b?page=2");
    expect(reply.status).toBe(301);
    expect(reply.headers.location).toBe("/b/?page=2");
  });

  it("takes the base path from http_paths (with $host), then default_path", async () => {
    const withDefault = (module: Module) => {
      module.provides("http", { default_path: "/custom/", route: { "GET /x": () => "x" } });
    };
    const { port } = await start(
      {
        modules_enabled: ["http", "app_a", "with_default"],
        http_paths: { app_a: "/$host/a/" },
      },
      { app_a: appA, with_default: withDefault },
    );
    expect((await request(port, "/localhost/a/hello")).body).toBe("hello from a");
    expect((await request(port, "/app_a/hello")).status).toBe(404);
    expect((await request(port, "/custom/x")).body).toBe("x");
  });

  it("fails the load of a module whose route key is malformed, naming the key", async () => {
    const bad = (module: Module) => {
      module.provides("http", { route: { "get /lower": () => "x" } });
    };
    const { t } = await start({ modules_enabled: ["http"] }, { bad });
    await expect(t.server.manager.load("localhost", "bad")).rejects.toThrow(/"get \/lower"/);
    expect(httpApi(t.server).apps()).toEqual([]);
  });
});

describe("http: hosts by the Host header", () => {
  const twoHosts = {
    modules_enabled: ["http", "whoami"],
    hosts: { "a.example": {}, "b.example": { http_host: "web.b.example" } },
  };

  it("serves each host's routes under its name, or its http_host", async () => {
    const { port } = await start(twoHosts, { whoami });
    expect((await request(port, "/whoami", { host: "a.example:5280" })).body).toBe("host:a.example");
    expect((await request(port, "/whoami", { host: "A.EXAMPLE" })).body).toBe("host:a.example");
    expect((await request(port, "/whoami", { host: "web.b.example" })).body).toBe("host:b.example");
    expect((await request(port, "/whoami", { host: "b.example" })).status).toBe(404);
  });

  it("answers 404 for an unknown host, 400 for a bad Host header, unless http_default_host is set", async () => {
    const { port } = await start(twoHosts, { whoami });
    const unknown = await request(port, "/whoami", { host: "127.0.0.1" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("unknown host 127.0.0.1");
    expect((await request(port, "/whoami", { host: "a b" })).status).toBe(400);
    await current?.stop();

    const { port: port2 } = await start({ ...twoHosts, http_default_host: "a.example" }, { whoami });
    expect((await request(port2, "/whoami", { host: "[::1]:5280" })).body).toBe("host:a.example");
  });

  it("stops serving a host once it is deactivated", async () => {
    const { t, port } = await start(twoHosts, { whoami });
    await t.server.deactivateHost("a.example");
    expect(
      httpApi(t.server)
        .apps()
        .map((app) => app.host),
    ).toEqual(["b.example"]);
    // The one host left answers for any name, a.example included.
    expect((await request(port, "/whoami", { host: "a.example" })).body).toBe("host:b.example");
    expect((await request(port, "/whoami", { host: "web.b.example" })).body).toBe("host:b.example");
  });

  it("lets the only HTTP host answer for any name", async () => {
    const { port } = await start({ modules_enabled: ["http", "whoami"] }, { whoami });
    expect((await request(port, "/whoami")).body).toBe("host:localhost");
  });

  it("serves a host-specific module only on its host", async () => {
    const { port } = await start(
      {
        modules_enabled: ["http"],
        hosts: { "a.example": { modules_enabled: ["whoami"] }, "b.example": {} },
      },
      { whoami },
    );
    expect((await request(port, "/whoami", { host: "a.example" })).status).toBe(200);
    expect((await request(port, "/whoami", { host: "b.example" })).status).toBe(404);
  });
});

describe("http: listeners", () => {
  it("closes its port when unloaded", async () => {
    const { t, port } = await start({ modules_enabled: ["http", "whoami"] }, { whoami });
    expect(httpApi(t.server).listeners()).toEqual([{ address: "127.0.0.1", port }]);
    await t.server.manager.unload("*", "http");
    await expect(request(port, "/whoami")).rejects.toThrow(/ECONNREFUSED/);
  });

  it("fails to load with a clear message on a bad port", async () => {
    const { t } = await start({ modules_enabled: [], http_ports: ["eighty"] as unknown as number[] }, {});
    await expect(t.server.manager.load("localhost", "http")).rejects.toThrow(
      /http_ports: "eighty" is not a port number/,
    );
  });
});

describe("http: upgrade requests", () => {
  /** `/echo_ws`: switches to a line echo protocol when asked, refuses a plain GET with 426. */
  const echoWs = (module: Module) => {
    module.provides("http", {
      route: {
        GET: (_req: unknown, _res: unknown, params: HttpRouteParams) => {
          if (params.upgrade === undefined) return 426;
          const { socket } = params.upgrade;
          socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
          socket.on("data", (chunk: Buffer) => socket.write(chunk));
          return undefined;
        },
      },
    });
  };

  const upgrade = (port: number, path: string) =>
    new Promise<{ status: number; echoed?: string }>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path,
        agent: false,
        headers: { connection: "Upgrade", upgrade: "echo" },
      });
      req.on("upgrade", (res, socket) => {
        socket.once("data", (chunk: Buffer) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, echoed: chunk.toString() });
        });
        socket.write("ping");
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      });
      req.on("error", reject);
      req.end();
    });

  it("hands the connection to a route that takes it over, and answers others with a status", async () => {
    const { port } = await start(
      { modules_enabled: ["http", "echo_ws", "app_a"] },
      { echo_ws: echoWs, app_a: appA },
    );
    expect(await upgrade(port, "/echo_ws")).toEqual({ status: 101, echoed: "ping" });
    expect((await upgrade(port, "/nowhere")).status).toBe(404);
    expect((await upgrade(port, "/app_a/hello")).status).toBe(200);
    expect((await upgrade(port, "/app_a/boom")).status).toBe(500);
    expect((await request(port, "/echo_ws")).status).toBe(426);
  });
});
