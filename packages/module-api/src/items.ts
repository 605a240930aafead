/**
 * A module's published items, by array name. Prosody keeps them per module so unload can remove
 * exactly what the module added; the host view (`getHostItems`) is the union over modules.
 */
export class ItemArrays {
  readonly #arrays = new Map<string, unknown[]>();

  add(key: string, item: unknown): void {
    let list = this.#arrays.get(key);
    if (list === undefined) {
      list = [];
      this.#arrays.set(key, list);
    }
    list.push(item);
  }

  /** Removes the last occurrence of `item`; whether it was there. */
  remove(key: string, item: unknown): boolean {
    const list = this.#arrays.get(key);
    if (list === undefined) return false;
    const index = list.lastIndexOf(item);
    if (index < 0) return false;
    list.splice(index, 1);
    if (list.length === 0) this.#arrays.delete(key);
    return true;
  }

  get(key: string): readonly unknown[] {
    return this.#arrays.get(key) ?? [];
  }

  /** Every item as `[key, item]`, newest first within each key: the order unload removes them. */
  *drain(): Generator<[string, unknown]> {
    for (const [key, list] of [...this.#arrays]) {
      for (let i = list.length - 1; i >= 0; i--) yield [key, list[i]];
    }
    this.#arrays.clear();
  }

  count(): number {
    let n = 0;
    for (const list of this.#arrays.values()) n += list.length;
    return n;
  }
}

/** The name `provides(name, item)` gives an item: the module name less a `<name>_` prefix. */
export function providerName(kind: string, moduleName: string): string {
  const prefix = `${kind.replaceAll("-", "_")}_`;
  return moduleName.startsWith(prefix) ? moduleName.slice(prefix.length) : moduleName;
}
