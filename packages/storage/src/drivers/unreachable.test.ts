import { describe, expect, it } from "vitest";
import { StorageManager } from "../manager.js";
import { createMysqlDriver } from "./mysql/driver.js";
import { createPostgresDriver } from "./postgres/driver.js";
import { createRedisDriver } from "./redis/driver.js";

// Nothing listens on port 1: these run (and must pass) with or without the real servers.
describe("a server that does not answer", () => {
  it("postgres: open rejects driver-error, and so does a retry", async () => {
    const driver = createPostgresDriver({
      connectionString: "postgresql://nobody@127.0.0.1:1/none",
      connectTimeout: 1000,
    });
    const m = new StorageManager({ drivers: { pg: driver }, storage: "pg" });
    for (const type of ["keyval", "map", "archive"] as const) {
      await expect(m.open("example.com", "s", type)).rejects.toMatchObject({
        code: "driver-error",
        message: expect.stringContaining("connecting to PostgreSQL"),
      });
    }
    await m.close();
  });

  it("mysql: open rejects driver-error, and so does a retry", async () => {
    const driver = createMysqlDriver({ uri: "mysql://nobody@127.0.0.1:1/none", connectTimeout: 1000 });
    const m = new StorageManager({ drivers: { my: driver }, storage: "my" });
    for (const type of ["keyval", "map", "archive"] as const) {
      await expect(m.open("example.com", "s", type)).rejects.toMatchObject({
        code: "driver-error",
        message: expect.stringContaining("connecting to MySQL"),
      });
    }
    await m.close();
  });

  it("redis: open rejects driver-error, and so does a retry", async () => {
    const driver = createRedisDriver({ url: "redis://127.0.0.1:1", connectTimeout: 1000 });
    const m = new StorageManager({ drivers: { redis: driver }, storage: "redis" });
    for (const type of ["keyval", "map"] as const) {
      await expect(m.open("example.com", "s", type)).rejects.toMatchObject({
        code: "driver-error",
        message: expect.stringContaining("connecting to Redis"),
      });
    }
    await expect(m.open("example.com", "s", "archive")).rejects.toMatchObject({ code: "unsupported-store" });
    await m.close();
  });
});
