import type { ModuleSetup } from "canto";
import pubsub from "./pubsub.js";

export type { PubsubApi } from "./pubsub.js";

/** The publish-subscribe modules, by the name `modules_enabled` uses. */
export const pubsubModules: Readonly<Record<string, ModuleSetup>> = Object.freeze({
  pubsub: pubsub as ModuleSetup,
});
