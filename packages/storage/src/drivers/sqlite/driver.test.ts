import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runConformanceSuite } from "../../conformance/index.js";
import { createSqliteDriver } from "./driver.js";

const dir = mkdtempSync(join(tmpdir(), "canto-sqlite-conf-"));
let n = 0;

runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  {
    name: "sqlite",
    createDriver: () => createSqliteDriver({ path: join(dir, `db-${n++}.sqlite`) }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  },
);
