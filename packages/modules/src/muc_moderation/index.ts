import type { ModuleSetup } from "canto";
import mucModeration from "./muc_moderation.js";

/** XEP-0425 moderation for `muc` rooms: a module outside `muc`, on its events and API. */
export const mucModerationModules: Readonly<Record<string, ModuleSetup>> = Object.freeze({
  muc_moderation: mucModeration,
});
