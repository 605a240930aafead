/** The few test-runner functions the suite needs (vitest, node:test, jest, ... all fit). */
export interface TestApi {
  describe: ((name: string, fn: () => void) => void) & { skip: (name: string, fn: () => void) => void };
  it: (name: string, fn: () => Promise<void> | void) => void;
  beforeAll: (fn: () => Promise<void> | void) => void;
  afterAll: (fn: () => Promise<void> | void) => void;
}

export interface ConformanceOptions {
  /** Shown in test names. */
  name: string;
  /** Makes a fresh, empty driver. Called once per suite run (plus once for the close test). */
  createDriver: () => Promise<import("../types.js").StorageDriver> | import("../types.js").StorageDriver;
  /** Whether the driver serves archives (if not, the suite checks `unsupported-store`). Default true. */
  archive?: boolean;
  /** When set, every test is reported skipped with this reason (e.g. no server). */
  skip?: string | undefined;
  /** Runs after every driver the suite made is closed (drop schemas, delete keys, ...). */
  cleanup?: () => Promise<void> | void;
}
