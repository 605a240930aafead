/**
 * `module.shared(path)`: named objects shared between modules and kept across reloads. Paths are
 * expanded as Prosody does: `foo` → `/<host>/<module>/foo`, `a/foo` → `/<host>/a/foo`, `a/b/c`
 * (two slashes or more) → `/a/b/c`, and a leading `/` is used as is.
 */
export function sharedPath(path: string, host: string, module: string): string {
  if (path.startsWith("/")) return path;
  const slashes = path.split("/").length - 1;
  if (slashes === 0) return `/${host}/${module}/${path}`;
  if (slashes === 1) return `/${host}/${path}`;
  return `/${path}`;
}

/**
 * The registry holds shared objects weakly, as Prosody's does: each module keeps a strong
 * reference while loaded, so an object survives a reload while some module still holds it.
 */
export class SharedRegistry {
  readonly #objects = new Map<string, WeakRef<object>>();
  readonly #registry = new FinalizationRegistry<string>((path) => {
    const ref = this.#objects.get(path);
    if (ref !== undefined && ref.deref() === undefined) this.#objects.delete(path);
  });

  get<T extends object = Record<string, unknown>>(path: string): T {
    const existing = this.#objects.get(path)?.deref();
    if (existing !== undefined) return existing as T;
    const created = {} as T;
    this.#objects.set(path, new WeakRef(created));
    this.#registry.register(created, path);
    return created;
  }
}
