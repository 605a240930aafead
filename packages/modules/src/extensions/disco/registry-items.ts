import type { disco, Element, ItemEvent, Module } from "canto";

type Identity = disco.Identity;

/**
 * Keeps `registry` in step with the host items `feature`, `identity` and `extension` (the host's
 * modules' and the global modules'). A malformed item is a bug of the module that added it: it is
 * logged with that module's name and left out, so it cannot break the host's disco.
 */
export function mirrorHostItems(module: Module, registry: disco.DiscoRegistry): void {
  const guard = (kind: string, event: ItemEvent, add: () => void): undefined => {
    try {
      add();
    } catch (error) {
      module.log(
        "error",
        "module %s added an invalid disco %s, left out: %s",
        event.source.name,
        kind,
        error instanceof Error ? error.message : error,
      );
    }
    return undefined;
  };
  module.handleItems<string>(
    "feature",
    (event) => guard("feature", event, () => registry.addFeature(event.item)),
    (event) => {
      registry.removeFeature(event.item);
      return undefined;
    },
  );
  module.handleItems<Identity>(
    "identity",
    (event) => guard("identity", event, () => registry.addIdentity(event.item)),
    (event) => {
      registry.removeIdentity(event.item);
      return undefined;
    },
  );
  module.handleItems<Element>(
    "extension",
    (event) => guard("extension", event, () => registry.addExtension(event.item)),
    (event) => {
      registry.removeExtension(event.item);
      return undefined;
    },
  );
}
