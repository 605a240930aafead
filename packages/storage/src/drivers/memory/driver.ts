import { DEFAULT_MAX_VALUE_SIZE } from "../../codec.js";
import type {
  ArchiveOptions,
  ArchiveStore,
  Clock,
  KeyvalStore,
  MapStore,
  StorageDriver,
} from "../../types.js";
import { Lifecycle } from "../../util/lifecycle.js";
import { uuidv7Generator } from "../../util/uuid7.js";
import { validateHost, validateStoreName } from "../../validate.js";
import { type KeyvAdapterFactory, KeyvSlots } from "../keyv/slots.js";
import { MemoryArchive, type MemoryArchiveData } from "./archive.js";

export interface MemoryDriverOptions {
  /** Name under which the driver is registered; default "memory". */
  name?: string;
  /** Keyv store per namespace for keyval and map; default a new `Map` each. */
  keyvStore?: KeyvAdapterFactory;
  /** Milliseconds since the epoch; default `Date.now`. */
  clock?: Clock;
  /** Largest encoded value in bytes; default 8 MiB. */
  maxValueSize?: number;
}

/** Keeps everything in this process: for tests and ephemeral data. */
export function createMemoryDriver(options: MemoryDriverOptions = {}): StorageDriver {
  const name = options.name ?? "memory";
  const life = new Lifecycle(`storage driver "${name}"`);
  const clock = options.clock ?? Date.now;
  const maxValueSize = options.maxValueSize ?? DEFAULT_MAX_VALUE_SIZE;
  const slots = new KeyvSlots(name, life, options.keyvStore ?? (() => new Map()), maxValueSize);
  const archives = new Map<string, MemoryArchiveData>();
  const newKey = uuidv7Generator(clock);

  return {
    name,
    keyval(host: string, store: string): KeyvalStore {
      return slots.slot(validateHost(host), validateStoreName(store)).keyval;
    },
    map(host: string, store: string): MapStore {
      return slots.slot(validateHost(host), validateStoreName(store)).map;
    },
    archive(host: string, store: string, opts: ArchiveOptions): ArchiveStore {
      life.check();
      const id = `${validateHost(host)}\u0000${validateStoreName(store)}`;
      let data = archives.get(id);
      if (!data) {
        data = MemoryArchive.data();
        archives.set(id, data);
      }
      return new MemoryArchive(data, life, clock, newKey, opts.itemLimit, maxValueSize);
    },
    async close() {
      life.close();
      slots.clear();
      archives.clear();
    },
  };
}
