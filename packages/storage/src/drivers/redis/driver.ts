import KeyvRedis, { createClient, type RedisClientType } from "@keyv/redis";
import { DEFAULT_MAX_VALUE_SIZE } from "../../codec.js";
import type { KeyvalStore, MapStore, StorageDriver } from "../../types.js";
import { asStorageError, Lifecycle } from "../../util/lifecycle.js";
import { validateHost, validateStoreName } from "../../validate.js";
import { KeyvSlots } from "../keyv/slots.js";

export interface RedisDriverOptions {
  /** Registered name; default "redis". */
  name?: string;
  /** e.g. `redis://127.0.0.1:6379`. Ignored when `client` is given. */
  url?: string;
  /** A node-redis client to use (the driver connects it if needed but does not close it). */
  client?: RedisClientType;
  /** Prepended to every key's namespace, e.g. "prod/"; no ":" allowed. Default "canto/". */
  keyPrefix?: string;
  /** Give up connecting after this many ms (default 2000). */
  connectTimeout?: number;
  maxValueSize?: number;
}

/** Redis: keyval and map through @keyv/redis. Archives are refused (`unsupported-store`). */
export function createRedisDriver(options: RedisDriverOptions = {}): StorageDriver {
  const name = options.name ?? "redis";
  const prefix = options.keyPrefix ?? "canto/";
  if (prefix.includes(":")) throw new TypeError('the Redis key prefix may not contain ":"');
  const life = new Lifecycle(`storage driver "${name}"`);
  const owned = options.client === undefined;
  const client =
    options.client ??
    (createClient({
      url: options.url ?? "redis://127.0.0.1:6379",
      socket: {
        connectTimeout: options.connectTimeout ?? 2000,
        reconnectStrategy: (n: number) => (n > 5 ? false : 200),
      },
    }) as RedisClientType);
  client.on("error", () => {}); // reported through the failing command instead
  // Connects on first use; a failed attempt is retried on the next call.
  let ready: Promise<void> | undefined;
  const connect = () =>
    client.isOpen
      ? Promise.resolve()
      : client.connect().then(
          () => undefined,
          (err: unknown) => {
            ready = undefined;
            throw err;
          },
        );
  const slots = new KeyvSlots(
    name,
    life,
    () => {
      const adapter = new KeyvRedis(client, { throwOnErrors: true, throwOnConnectError: true } as never);
      adapter.on("error", () => {});
      return adapter as never;
    },
    options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE,
    prefix,
  );

  async function slot(host: string, store: string) {
    validateHost(host);
    validateStoreName(store);
    life.check();
    try {
      ready ??= connect();
      await ready;
    } catch (err) {
      throw asStorageError(err, `connecting to Redis (${name})`);
    }
    return slots.slot(host, store);
  }

  return {
    name,
    async keyval(host: string, store: string): Promise<KeyvalStore> {
      return (await slot(host, store)).keyval;
    },
    async map(host: string, store: string): Promise<MapStore> {
      return (await slot(host, store)).map;
    },
    async close() {
      if (life.closed) return;
      life.close();
      slots.clear();
      await ready?.catch(() => {});
      if (owned && client.isOpen) await client.close();
    },
  };
}
