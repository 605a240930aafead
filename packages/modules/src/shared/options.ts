import type { Module } from "canto";

/**
 * A module's settings, read at load and again whenever the configuration is reloaded (SIGHUP
 * fires `config-reloaded`), so a changed option applies without reloading the module. Reading
 * once per reload rather than per use keeps range warnings from repeating on every stanza.
 * `apply` runs with the settings at load and after each reload, for what must follow them (a disco
 * feature, a form). A read that throws at load fails the load; on a reload it is logged and the
 * previous settings stay.
 */
export function reloadableOptions<T>(
  module: Module,
  read: () => T,
  apply?: (current: T, previous?: T) => void,
): () => T {
  let current = read();
  apply?.(current);
  module.hookGlobal("config-reloaded", () => {
    let next: T;
    try {
      next = read();
    } catch (error) {
      module.log("error", "options unchanged after the config reload: %s", error);
      return undefined;
    }
    const previous = current;
    current = next;
    apply?.(current, previous);
    return undefined;
  });
  return () => current;
}
