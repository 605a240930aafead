import type { ModuleSetup } from "canto";
import csiSimple from "./csi_simple.js";
import turnExternal from "./turn_external.js";

/** The mobile modules, by name. */
export const mobileModules: Record<string, ModuleSetup> = {
  csi_simple: csiSimple,
  turn_external: turnExternal,
};
