import type { ModuleSetup } from "canto";
import bosh from "./bosh.js";

export type { BoshApi } from "./bosh.js";

/** The BOSH modules, by name. */
export const boshModules: Record<string, ModuleSetup> = {
  bosh,
};
