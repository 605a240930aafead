import type { KeyvSlots } from "../drivers/keyv/slots.js";
import type { ArchiveOptions, ArchiveStore, Clock, KeyvalStore, MapStore, StorageDriver } from "../types.js";
import { asStorageError, type Lifecycle } from "../util/lifecycle.js";
import { uuidv7Generator } from "../util/uuid7.js";
import { validateHost, validateStoreName } from "../validate.js";
import type { ArchiveSql } from "./archive-sql.js";
import type { SqlPool } from "./pool.js";
import { PooledSqlArchive } from "./pooled-archive.js";

/**
 * Creates the tables on first use. A failure (the server is away) is not kept: the next call
 * tries again.
 */
export class TableSetup {
  #ready: Promise<void> | undefined;
  constructor(
    private readonly life: Lifecycle,
    /** e.g. "connecting to PostgreSQL (postgres)", for the error. */
    private readonly what: string,
    private readonly setup: () => Promise<void>,
  ) {}

  readonly whenReady = async (): Promise<void> => {
    this.life.check();
    try {
      this.#ready ??= this.setup().catch((err: unknown) => {
        this.#ready = undefined;
        throw err;
      });
      await this.#ready;
    } catch (err) {
      throw asStorageError(err, this.what);
    }
  };

  /** Waits for a setup under way, ignoring its outcome. */
  async settled(): Promise<void> {
    await this.#ready?.catch(() => {});
  }
}

export interface PooledSqlDriverParts {
  name: string;
  /** Names the server in error messages: "postgres", "mysql". */
  label: string;
  life: Lifecycle;
  tables: TableSetup;
  pool: SqlPool;
  slots: KeyvSlots;
  archiveSql: ArchiveSql;
  clock: Clock;
  maxValueSize: number;
  /** Runs at close, after the stores are closed and before the pool ends. */
  beforeEnd?: () => Promise<void>;
}

/** A driver on a database server: keyval and map through Keyv slots, archives in an SQL table. */
export function pooledSqlDriver(parts: PooledSqlDriverParts): StorageDriver {
  const { life, tables, slots } = parts;
  const newKey = uuidv7Generator(parts.clock);
  const opened = async (host: string, store: string) => {
    validateHost(host);
    validateStoreName(store);
    await tables.whenReady();
  };
  return {
    name: parts.name,
    async keyval(host: string, store: string): Promise<KeyvalStore> {
      await opened(host, store);
      return slots.slot(host, store).keyval;
    },
    async map(host: string, store: string): Promise<MapStore> {
      await opened(host, store);
      return slots.slot(host, store).map;
    },
    async archive(host: string, store: string, opts: ArchiveOptions): Promise<ArchiveStore> {
      await opened(host, store);
      return new PooledSqlArchive(
        parts.label,
        parts.pool,
        parts.archiveSql,
        host,
        store,
        life,
        parts.clock,
        newKey,
        opts.itemLimit,
        parts.maxValueSize,
      );
    },
    async close() {
      if (life.closed) return;
      life.close();
      slots.clear();
      await tables.settled();
      await parts.beforeEnd?.();
      await parts.pool.end();
    },
  };
}
