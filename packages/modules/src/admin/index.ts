import type { ModuleSetup } from "canto";
import adminWeb from "./admin_web.js";

/** The administration modules, by name. */
export const adminModules: Record<string, ModuleSetup> = {
  admin_web: adminWeb,
};
