import { afterAll, beforeAll, describe, it } from "vitest";
import { runConformanceSuite } from "../../conformance/index.js";
import { createMemoryDriver } from "./driver.js";

runConformanceSuite(
  { describe, it, beforeAll, afterAll },
  { name: "memory", createDriver: () => createMemoryDriver() },
);
