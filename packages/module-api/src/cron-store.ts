import { EventEmitter } from "node:events";
import type { MapStore } from "@canto/storage";
import type { KeyvStoreAdapter } from "keyv";

/**
 * Keeps cron's last-run records in the host-level map store `cron`, where Prosody keeps them, so
 * they live in whatever storage the host is configured with.
 */
export class CronStoreAdapter extends EventEmitter implements KeyvStoreAdapter {
  opts: Record<string, unknown> = {};
  namespace?: string;
  readonly #open: () => Promise<MapStore>;
  #store: Promise<MapStore> | undefined;

  constructor(open: () => Promise<MapStore>) {
    super();
    this.#open = open;
  }

  #map(): Promise<MapStore> {
    this.#store ??= this.#open();
    return this.#store;
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return (await (await this.#map()).get(undefined, key)) as Value | undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    await (await this.#map()).set(undefined, key, value as never);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const map = await this.#map();
    const existed = (await map.get(undefined, key)) !== undefined;
    await map.set(undefined, key, undefined);
    return existed;
  }

  async clear(): Promise<void> {
    // Cron never clears its records; refusing keeps a stray call from wiping other hosts' data.
    throw new Error("the cron store cannot be cleared");
  }
}
