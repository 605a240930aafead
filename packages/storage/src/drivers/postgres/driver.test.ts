import pg from "pg";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runConformanceSuite } from "../../conformance/index.js";
import { createPostgresDriver } from "./driver.js";
import { probePostgres, START_POSTGRES, TEST_POSTGRES_URL } from "./probe.js";

const up = await probePostgres();
const schemas: string[] = [];
const run = `canto_test_${process.pid}_${Date.now().toString(36)}`;

runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    name: "postgres",
    skip: up ? undefined : `no PostgreSQL at ${TEST_POSTGRES_URL}; start it with: ${START_POSTGRES}`,
    createDriver: () => {
      const schema = `${run}_${schemas.length}`;
      schemas.push(schema);
      return createPostgresDriver({ connectionString: TEST_POSTGRES_URL, schema });
    },
    cleanup: async () => {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  },
);
