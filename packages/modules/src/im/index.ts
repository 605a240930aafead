import type { ModuleSetup } from "canto";
import message from "./message.js";
import offline from "./offline.js";
import presence from "./presence.js";
import roster from "./roster.js";

/** The im modules, by name. */
export const imModules: Record<string, ModuleSetup> = { roster, presence, message, offline };
