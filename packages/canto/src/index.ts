// The facade: the module API at the top level, each package also as a namespace, and the stanza and
// config helpers every module uses.
export * as authz from "@canto/authz";
export * as config from "@canto/config";
export { type CantoConfig, Config, createConfig, defineConfig, loadConfig } from "@canto/config";
export * as cron from "@canto/cron";
export * as disco from "@canto/disco";
export * as events from "@canto/events";
export { EventBus, isThenable } from "@canto/events";
export * as metrics from "@canto/metrics";
export * from "@canto/module-api";
export * as stanza from "@canto/stanza";
export {
  bare,
  bareOf,
  clone,
  domainOf,
  Element,
  errorReply,
  getError,
  iq,
  JidError,
  join,
  message,
  NS,
  nodeOf,
  parseJid,
  prepJid,
  presence,
  reply,
  resourceOf,
  StanzaError,
  StreamError,
  StreamParser,
  splitJid,
} from "@canto/stanza";
export * as storage from "@canto/storage";
export { type CantoServer, type CreateServerOptions, createServer } from "./create-server.js";
export {
  capYoungGeneration,
  DEFAULT_YOUNG_GENERATION_MIB,
  setYoungGenerationCap,
  type YoungGenerationHooks,
  youngGenerationSetByNode,
} from "./young-generation.js";
