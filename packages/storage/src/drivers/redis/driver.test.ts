import { createClient } from "@keyv/redis";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runConformanceSuite } from "../../conformance/index.js";
import { createRedisDriver } from "./driver.js";
import { probeRedis, START_REDIS, TEST_REDIS_URL } from "./probe.js";

const up = await probeRedis();
const prefix = `canto-test-${process.pid}-${Date.now().toString(36)}/`;

runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    name: "redis",
    archive: false,
    skip: up ? undefined : `no Redis at ${TEST_REDIS_URL}; start it with: ${START_REDIS}`,
    createDriver: () => createRedisDriver({ url: TEST_REDIS_URL, keyPrefix: prefix }),
    cleanup: async () => {
      const client = createClient({ url: TEST_REDIS_URL });
      await client.connect();
      try {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
          if (keys.length) await client.del(keys);
        }
      } finally {
        await client.close();
      }
    },
  },
);
