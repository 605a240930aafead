import { Keyv, type KeyvStoreAdapter } from "keyv";
import { type AtomicDocumentUpdate, MapOverKeyval } from "../../shims/map-over-keyval.js";
import type { Lifecycle } from "../../util/lifecycle.js";
import { KeyedMutex } from "../../util/mutex.js";
import { KeyvKeyvalStore } from "./keyval.js";

/** Makes the Keyv storage adapter for one namespace. Each call must return a new adapter. */
export type KeyvAdapterFactory = (namespace: string) => KeyvStoreAdapter | Map<unknown, unknown>;

/**
 * The Keyv namespace of a (host, store): no `:` (Keyv's separator), unique per pair. Hosts are
 * URI-encoded; store names are already restricted to `[A-Za-z0-9_.+-]`.
 */
export function keyvNamespace(host: string, store: string): string {
  return `${encodeURIComponent(host)}/${store}`;
}

/** Keyv with our own (identity) serialisation: values are already JSON text. */
export function makeKeyv(adapter: KeyvStoreAdapter | Map<unknown, unknown>, namespace: string): Keyv<string> {
  return new Keyv<string>({
    store: adapter,
    namespace,
    serialize: ((data: { value: unknown }) => data.value as string) as never,
    deserialize: ((text: string) => ({ value: text })) as never,
    throwOnErrors: true,
    emitErrors: false,
    stats: false,
  });
}

interface Slot {
  keyval: KeyvKeyvalStore;
  map: MapOverKeyval;
  adapter: KeyvStoreAdapter | Map<unknown, unknown>;
}

/** One Keyv instance and adapter per (host, store), shared by that store's keyval and map views. */
export class KeyvSlots {
  readonly #slots = new Map<string, Slot>();

  constructor(
    private readonly driverName: string,
    private readonly life: Lifecycle,
    private readonly factory: KeyvAdapterFactory,
    private readonly maxValueSize: number,
    /** Prepended to every namespace (e.g. to share one Redis between deployments). */
    private readonly prefix = "",
    /** Makes the atomic document update for a namespace, when the backend has transactions. */
    private readonly atomic?: (namespace: string) => AtomicDocumentUpdate,
  ) {}

  slot(host: string, store: string): Slot {
    this.life.check();
    const namespace = this.prefix + keyvNamespace(host, store);
    let slot = this.#slots.get(namespace);
    if (!slot) {
      const adapter = this.factory(namespace);
      const keyval = new KeyvKeyvalStore(
        makeKeyv(adapter, namespace),
        this.driverName,
        this.life,
        this.maxValueSize,
      );
      slot = { keyval, map: new MapOverKeyval(keyval, new KeyedMutex(), this.atomic?.(namespace)), adapter };
      this.#slots.set(namespace, slot);
    }
    return slot;
  }

  adapters(): (KeyvStoreAdapter | Map<unknown, unknown>)[] {
    return [...this.#slots.values()].map((s) => s.adapter);
  }

  clear(): void {
    this.#slots.clear();
  }
}
