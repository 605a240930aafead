import type { ModuleSetup } from "canto";
import c2s from "./c2s.js";
import smacks from "./smacks.js";
import tls from "./tls.js";

export type { C2sApi } from "./c2s.js";
export { TLS_CONTEXT_ITEM, type TlsContextItem } from "./tls-context.js";

/** The transport modules, by name. */
export const transportModules: Record<string, ModuleSetup> = { c2s, smacks, tls };
