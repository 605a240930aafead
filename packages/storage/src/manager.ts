import { StoreClosedError, UnknownDriverError, UnsupportedStoreError } from "./errors.js";
import { KeyvalPlus } from "./shims/keyval-plus.js";
import { MapOverKeyval } from "./shims/map-over-keyval.js";
import type { AnyStore, KeyvalStore, MapStore, StorageDriver, StoreByType, StoreType } from "./types.js";
import { KeyedMutex } from "./util/mutex.js";
import { validateHost, validateStoreName } from "./validate.js";

/** Prosody's `storage` option: one driver name, or a driver per store name. */
export type StorageOption = string | Readonly<Record<string, string>>;

/** The options read per host (Prosody reads them from the host's config). */
export interface HostStorageOptions {
  storage?: StorageOption | undefined;
  default_storage?: string | undefined;
  storage_archive_item_limit?: number | undefined;
}

export interface StorageManagerOptions {
  /** Drivers by name (the names `storage` refers to). */
  drivers?: Readonly<Record<string, StorageDriver>>;
  /** Global `storage` option. */
  storage?: StorageOption;
  /** Global `default_storage`; when neither it nor `storage` picks a driver, "sqlite". */
  defaultStorage?: string;
  /** Global `storage_archive_item_limit`; default no limit. */
  archiveItemLimit?: number;
  /** Per-host options (e.g. from `@canto/config`); they win over the global ones. */
  hostOptions?: (host: string) => HostStorageOptions | undefined;
  /** Supplies drivers for names that are not registered (Prosody's `sql`: see `prosodyStorage`). */
  resolver?: DriverResolver;
}

/**
 * Drivers made from configuration when first asked for, per host: Prosody's `sql`, whose `sql`
 * option may differ per host.
 */
export interface DriverResolver {
  /** The names it serves, listed in `unknown-driver` errors. */
  readonly names: readonly string[];
  /**
   * The driver for `name` on `host`, or `undefined` if it does not serve that name. It may return
   * one driver for several hosts; the manager closes each once. What it throws, `open` rejects with.
   */
  resolve(name: string, host: string): StorageDriver | undefined;
}

/** Fired after a store is opened; handlers may replace `store`. */
export interface StoreOpenedEvent {
  host: string;
  storeName: string;
  storeType: StoreType;
  driver: string;
  store: AnyStore;
}

export type StoreOpenedHandler = (event: StoreOpenedEvent) => void | Promise<void>;

interface HookEntry {
  handler: StoreOpenedHandler;
  priority: number;
}

/** The driver used when nothing is configured (Prosody's "internal"). */
export const FALLBACK_DRIVER = "sqlite";

/** Opens stores on the configured drivers: Prosody's storagemanager. */
export class StorageManager {
  readonly #drivers = new Map<string, StorageDriver>();
  readonly #hooks: HookEntry[] = [];
  readonly #shims = new Map<string, MapStore>();
  /** Drivers the resolver supplied, to close with the registered ones. */
  readonly #resolved = new Set<StorageDriver>();
  #closed = false;

  constructor(private readonly options: StorageManagerOptions = {}) {
    for (const [name, driver] of Object.entries(options.drivers ?? {})) this.#drivers.set(name, driver);
  }

  /** Registers a driver under `name` (default `driver.name`). */
  addDriver(driver: StorageDriver, name: string = driver.name): void {
    this.#check();
    this.#drivers.set(name, driver);
  }

  /** Removes a driver; stores already opened on it keep working until it is closed. */
  removeDriver(name: string): boolean {
    return this.#drivers.delete(name);
  }

  getDriver(name: string): StorageDriver | undefined {
    return this.#drivers.get(name);
  }

  /** Hooks `store-opened`. Higher priority runs first. Returns a function that unhooks. */
  hook(event: "store-opened", handler: StoreOpenedHandler, priority = 0): () => void {
    if (event !== "store-opened") throw new TypeError(`unknown storage event ${String(event)}`);
    const entry = { handler, priority };
    const at = this.#hooks.findIndex((h) => h.priority < priority);
    if (at < 0) this.#hooks.push(entry);
    else this.#hooks.splice(at, 0, entry);
    return () => {
      const i = this.#hooks.indexOf(entry);
      if (i >= 0) this.#hooks.splice(i, 1);
    };
  }

  /** The name of the driver that serves `store` on `host`. */
  driverName(host: string, store: string): string {
    const hostOpts = this.options.hostOptions?.(host);
    const storage = hostOpts?.storage ?? this.options.storage;
    let name: string | undefined;
    if (typeof storage === "string") name = storage;
    else if (storage && Object.hasOwn(storage, store)) name = storage[store];
    return name ?? hostOpts?.default_storage ?? this.options.defaultStorage ?? FALLBACK_DRIVER;
  }

  /**
   * Opens a store. `type` defaults to keyval. Rejects `unknown-driver` when the configured driver
   * is not registered and `unsupported-store` when it cannot serve the type; `map` on a driver
   * without map support gets a shim over its keyval store.
   */
  async open<T extends StoreType = "keyval">(host: string, store: string, type?: T): Promise<StoreByType[T]> {
    this.#check();
    validateHost(host);
    validateStoreName(store);
    const storeType = (type ?? "keyval") as StoreType;
    const driverName = this.driverName(host, store);
    const driver = this.#drivers.get(driverName) ?? this.#resolve(driverName, host);
    if (!driver) {
      throw new UnknownDriverError(driverName, [
        ...this.#drivers.keys(),
        ...(this.options.resolver?.names ?? []),
      ]);
    }
    let opened: AnyStore;
    switch (storeType) {
      case "keyval":
        opened = await this.#keyval(driver, driverName, host, store);
        break;
      case "map":
        opened = await this.#map(driver, driverName, host, store);
        break;
      case "keyval+":
        opened = new KeyvalPlus(
          await this.#keyval(driver, driverName, host, store),
          await this.#map(driver, driverName, host, store),
        );
        break;
      case "archive": {
        if (!driver.archive) throw new UnsupportedStoreError(driverName, "archive");
        const hostOpts = this.options.hostOptions?.(host);
        const itemLimit = hostOpts?.storage_archive_item_limit ?? this.options.archiveItemLimit;
        opened = await driver.archive(host, store, { itemLimit });
        break;
      }
      default:
        throw new UnsupportedStoreError(driverName, String(storeType));
    }
    const event: StoreOpenedEvent = { host, storeName: store, storeType, driver: driverName, store: opened };
    for (const { handler } of [...this.#hooks]) await handler(event);
    return event.store as StoreByType[T];
  }

  async #keyval(driver: StorageDriver, name: string, host: string, store: string): Promise<KeyvalStore> {
    if (!driver.keyval) throw new UnsupportedStoreError(name, "keyval");
    return driver.keyval(host, store);
  }

  async #map(driver: StorageDriver, name: string, host: string, store: string): Promise<MapStore> {
    if (driver.map) return driver.map(host, store);
    if (!driver.keyval) throw new UnsupportedStoreError(name, "map");
    // One shim (and so one lock) per (driver, host, store).
    const id = `${name}\u0000${host}\u0000${store}`;
    let shim = this.#shims.get(id);
    if (!shim) {
      shim = new MapOverKeyval(await driver.keyval(host, store), new KeyedMutex());
      this.#shims.set(id, shim);
    }
    return shim;
  }

  #resolve(name: string, host: string): StorageDriver | undefined {
    const driver = this.options.resolver?.resolve(name, host);
    if (driver) this.#resolved.add(driver);
    return driver;
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError("storage manager");
  }

  /** Closes every driver; later calls reject with `store-closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#shims.clear();
    const drivers = new Set([...this.#drivers.values(), ...this.#resolved]);
    const results = await Promise.allSettled([...drivers].map((d) => d.close()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
