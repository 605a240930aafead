import { DriverError, StorageError, StoreClosedError } from "../errors.js";

/** Tracks whether a driver is still open; stores check it before each call. */
export class Lifecycle {
  #closed = false;
  constructor(readonly what: string) {}
  get closed(): boolean {
    return this.#closed;
  }
  close(): void {
    this.#closed = true;
  }
  check(): void {
    if (this.#closed) throw new StoreClosedError(this.what);
  }
}

/** Rethrows storage errors as they are and anything else as a `driver-error`. */
export function asStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  return new DriverError(`${what} failed: ${(err as Error)?.message ?? String(err)}`, err);
}
