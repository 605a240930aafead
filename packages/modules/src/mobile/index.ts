import type { ModuleSetup } from "canto";
import cloudNotify from "./cloud_notify.js";
import csiSimple from "./csi_simple.js";
import turnExternal from "./turn_external.js";

/** The mobile modules, by name. */
export const mobileModules: Record<string, ModuleSetup> = {
  csi_simple: csiSimple,
  cloud_notify: cloudNotify,
  turn_external: turnExternal,
};
