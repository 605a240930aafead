import { describe, expect, it } from "vitest";
import { StorageManager } from "../manager.js";
import { createPostgresDriver, createRedisDriver } from "./lazy.js";

describe("lazily loaded drivers", () => {
  it("offer the stores their driver serves before anything is imported", async () => {
    const redis = createRedisDriver({ url: "redis://127.0.0.1:1" });
    const postgres = createPostgresDriver({ connectionString: "postgres://127.0.0.1:1/none" });
    expect([typeof redis.keyval, typeof redis.map, typeof redis.archive]).toEqual([
      "function",
      "function",
      "undefined",
    ]);
    expect(typeof postgres.archive).toBe("function");
    const manager = new StorageManager({ drivers: { redis }, defaultStorage: "redis" });
    await expect(manager.open("localhost", "log", "archive")).rejects.toMatchObject({
      code: "unsupported-store",
    });
    // Closing a driver that was never used imports and connects nothing.
    await expect(manager.close()).resolves.toBeUndefined();
    await expect(postgres.close()).resolves.toBeUndefined();
  });

  it("reports the real driver's failure at first use", async () => {
    const redis = createRedisDriver({ url: "redis://127.0.0.1:1", connectTimeout: 500 });
    await expect(redis.keyval!("localhost", "x")).rejects.toMatchObject({ code: "driver-error" });
    await redis.close();
  });
});
