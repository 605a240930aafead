import type { ModuleSetup } from "canto";
import carbons from "./carbons.js";
import mam from "./mam.js";

/** The archive-area modules, by name. */
export const archiveModules: Record<string, ModuleSetup> = { mam, carbons };
