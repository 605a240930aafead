import { isThenable, type Module, type metrics, type storage } from "canto";

type Counter = metrics.CounterMetric;
type Sample = metrics.SampleMetric;
type StorageManager = storage.StorageManager;

/** Seconds; from an in-memory map (microseconds) to a slow disk or a busy SQLite lock. */
export const STORAGE_BUCKETS = [0.0001, 0.001, 0.01, 0.1, 1, 10];

/**
 * The operations of the store interfaces (@canto/storage's types.ts). Any other method a driver's
 * store has is labelled `other`, so a driver cannot grow the label set.
 */
const OPERATIONS = new Set([
  "get",
  "set",
  "setKeys",
  "getAll",
  "deleteAll",
  "getKey",
  "setKey",
  "getKeyFromAll",
  "deleteKeyFromAll",
  "append",
  "appendMany",
  "find",
  "delete",
  "summary",
]);

/** Where the stores opened on one server record, while a `server_metrics` instance is loaded. */
interface Recorder {
  times(host: string, driver: string, store: string, type: string, operation: string): Sample;
  failures(host: string, driver: string, store: string, type: string, operation: string): Counter;
}

/**
 * Keyed by the storage manager, so two servers in one process keep apart, and a store opened
 * before a reload of server_metrics records into the new instance's families.
 */
const recorders = new WeakMap<StorageManager, Recorder>();

type Method = (...args: unknown[]) => unknown;

/**
 * A proxy of `store` whose methods time the promises they return. Methods run on the store itself
 * (drivers' private fields need it); results and errors pass through unchanged.
 */
function timedStore<T extends object>(manager: StorageManager, event: storage.StoreOpenedEvent, store: T): T {
  const { host, driver, storeName, storeType } = event;
  const wrapped = new Map<PropertyKey, { original: Method; timed: Method }>();

  const timedMethod = (name: string, original: Method): Method => {
    const operation = OPERATIONS.has(name) ? name : "other";
    let owner: Recorder | undefined;
    let times: Sample | undefined;
    let failures: Counter | undefined;
    return (...args: unknown[]) => {
      const recorder = recorders.get(manager);
      if (recorder === undefined) return original.apply(store, args);
      if (recorder !== owner) {
        owner = recorder;
        times = recorder.times(host, driver, storeName, storeType, operation);
        failures = recorder.failures(host, driver, storeName, storeType, operation);
      }
      const start = performance.now();
      let result: unknown;
      try {
        result = original.apply(store, args);
      } catch (error) {
        failures!.add();
        throw error;
      }
      // Only promises are operations; a sync result (an async iterable, say) is not timed.
      if (!isThenable(result)) return result;
      return Promise.resolve(result).then(
        (value) => {
          times!.sample((performance.now() - start) / 1000);
          return value;
        },
        (error: unknown) => {
          times!.sample((performance.now() - start) / 1000);
          failures!.add();
          throw error;
        },
      );
    };
  };

  return new Proxy(store, {
    get(target, property) {
      // Read on the target: accessors using private fields would throw with the proxy as `this`.
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== "function" || typeof property !== "string" || property === "constructor") {
        return value;
      }
      const cached = wrapped.get(property);
      if (cached?.original === value) return cached.timed;
      const timed = timedMethod(property, value as Method);
      wrapped.set(property, { original: value as Method, timed });
      return timed;
    },
  });
}

/**
 * Times every operation of every store opened from now on (Prosody's mod_measure_storage, with
 * labels rather than one metric per store): `storage_operation_seconds` and
 * `storage_operation_failures_total`, by host, driver, store, type and operation. Returns what
 * stops it; stores already wrapped then call straight through.
 */
export function measureStorage(module: Module): () => void {
  const manager = module.server.storage;
  const labels = ["host", "driver", "store", "type", "operation"];
  const times = module.metric(
    "histogram",
    "storage_operation",
    "seconds",
    "Time a storage operation took, failed ones included",
    labels,
    { buckets: STORAGE_BUCKETS },
  );
  const failures = module.metric(
    "counter",
    "storage_operation_failures",
    "",
    "Storage operations that threw or rejected",
    labels,
  );
  const recorder: Recorder = {
    times: (...values) => times.withLabels(...values),
    failures: (...values) => failures.withLabels(...values),
  };
  recorders.set(manager, recorder);
  // Last, so the proxy wraps what other handlers made of the store and times all of it.
  const unhook = manager.hook(
    "store-opened",
    (event) => {
      event.store = timedStore(manager, event, event.store);
    },
    -1000,
  );
  return () => {
    unhook();
    if (recorders.get(manager) === recorder) recorders.delete(manager);
  };
}
