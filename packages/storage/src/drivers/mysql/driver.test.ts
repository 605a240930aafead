import { createConnection } from "mysql2/promise";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runConformanceSuite } from "../../conformance/index.js";
import { createMysqlDriver } from "./driver.js";
import { probeMysql, START_MYSQL, TEST_MYSQL_URL } from "./probe.js";

const up = await probeMysql();
const prefixes: string[] = [];
const run = `canto_t${process.pid}_${Date.now().toString(36)}`;

runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    name: "mysql",
    skip: up ? undefined : `no MySQL/MariaDB at ${TEST_MYSQL_URL}; start it with: ${START_MYSQL}`,
    createDriver: () => {
      const tablePrefix = `${run}_${prefixes.length}_`;
      prefixes.push(tablePrefix);
      return createMysqlDriver({ uri: TEST_MYSQL_URL, tablePrefix });
    },
    cleanup: async () => {
      const conn = await createConnection({ uri: TEST_MYSQL_URL });
      try {
        for (const p of prefixes) await conn.query(`DROP TABLE IF EXISTS \`${p}keyv\`, \`${p}archive\``);
      } finally {
        await conn.end();
      }
    },
  },
);
