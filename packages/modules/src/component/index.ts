import type { ModuleSetup } from "canto";
import component from "./component.js";

export type { ComponentApi } from "./component.js";

/** The component modules, by name. */
export const componentModules: Record<string, ModuleSetup> = { component };
