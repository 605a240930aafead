/** Stable error codes, in the manner of Prosody's `nil, "item-not-found"` returns. */
export type StorageErrorCode =
  | "item-not-found"
  | "quota-limit"
  | "unsupported-store"
  | "unknown-driver"
  | "invalid-value"
  | "invalid-user"
  | "invalid-host"
  | "invalid-store"
  | "invalid-key"
  | "invalid-query"
  | "store-closed"
  | "driver-error"
  | "invalid-option"
  | "storage-disabled";

/** Base class of every error this package throws or rejects with. */
export class StorageError extends Error {
  readonly code: StorageErrorCode;
  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
    this.code = code;
  }
}

/** An archive key given as `before`/`after` or to `set` does not exist. */
export class ItemNotFoundError extends StorageError {
  constructor(message = "item not found") {
    super("item-not-found", message);
    this.name = "ItemNotFoundError";
  }
}

/** An archive already holds `storage_archive_item_limit` items. */
export class QuotaLimitError extends StorageError {
  readonly limit: number;
  constructor(limit: number) {
    super("quota-limit", `archive holds its limit of ${limit} items`);
    this.name = "QuotaLimitError";
    this.limit = limit;
  }
}

/** The chosen driver cannot serve this store type (e.g. archive on redis). */
export class UnsupportedStoreError extends StorageError {
  constructor(driver: string, type: string) {
    super("unsupported-store", `storage driver "${driver}" does not support ${type} stores`);
    this.name = "UnsupportedStoreError";
  }
}

/** The `storage` / `default_storage` option names a driver that is not registered. */
export class UnknownDriverError extends StorageError {
  constructor(driver: string, known: readonly string[]) {
    super(
      "unknown-driver",
      `no storage driver named "${driver}" (registered: ${known.length ? known.join(", ") : "none"})`,
    );
    this.name = "UnknownDriverError";
  }
}

/** A value that cannot be stored: functions, cycles, non-plain objects, too large, ... */
export class InvalidValueError extends StorageError {
  constructor(message: string) {
    super("invalid-value", message);
    this.name = "InvalidValueError";
  }
}

/** A bad user, host, store name, map key or query. */
export class InvalidArgumentError extends StorageError {
  constructor(
    code: "invalid-user" | "invalid-host" | "invalid-store" | "invalid-key" | "invalid-query",
    message: string,
  ) {
    super(code, message);
    this.name = "InvalidArgumentError";
  }
}

/** The store's driver (or the manager) was closed. */
export class StoreClosedError extends StorageError {
  constructor(what = "storage driver") {
    super("store-closed", `${what} is closed`);
    this.name = "StoreClosedError";
  }
}

/** The database failed; `cause` holds the driver's own error. */
export class DriverError extends StorageError {
  constructor(message: string, cause: unknown) {
    super("driver-error", message, { cause });
    this.name = "DriverError";
  }
}

/** A storage option (`sql`, `storage`) that cannot be used; the message says what was expected. */
export class InvalidOptionError extends StorageError {
  readonly option: string;
  readonly host: string;
  constructor(option: string, host: string, message: string) {
    super("invalid-option", `option "${option}"${host === "*" ? "" : ` on host "${host}"`}: ${message}`);
    this.name = "InvalidOptionError";
    this.option = option;
    this.host = host;
  }
}

/** The store is on Prosody's `null` or `none` driver, which keeps nothing. */
export class StorageDisabledError extends StorageError {
  constructor(driver: string) {
    super("storage-disabled", `storage is disabled for this store (storage driver "${driver}")`);
    this.name = "StorageDisabledError";
  }
}
