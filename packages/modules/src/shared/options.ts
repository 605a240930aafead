import type { Module } from "canto";

/**
 * A module's settings, read at load and again whenever the configuration is reloaded (SIGHUP
 * fires `config-reloaded`), so a changed option applies without reloading the module. Reading
 * once per reload rather than per use keeps range warnings from repeating on every stanza.
 */
export function reloadableOptions<T>(module: Module, read: () => T): () => T {
  let current = read();
  module.hookGlobal("config-reloaded", () => {
    current = read();
    return undefined;
  });
  return () => current;
}
