export { format, formatArgs } from "@canto/printf";
export { CronStoreAdapter } from "./cron-store.js";
export { ModuleError, type ModuleErrorCode } from "./errors.js";
export { GLOBAL_HOST, Host, type HostType } from "./host.js";
export { providerName } from "./items.js";
export { DEFAULT_METRICS_PREFIX, metricsPrefix } from "./metrics-prefix.js";
export {
  type EventsLike,
  type ItemEvent,
  Module,
  type ModuleLifecycle,
  type ModuleSetup,
  type ModuleSource,
  type TagHandler,
} from "./module.js";
export {
  COMPONENT_MODULES,
  ModuleManager,
  type ModuleManagerOptions,
  PROSODY_AUTOLOAD,
} from "./module-manager.js";
export {
  builtinResolver,
  chainResolvers,
  importModuleFile,
  type ModuleResolver,
  npmResolver,
  pluginPathResolver,
} from "./resolve.js";
export { DELIVERY_PRIORITY, installCoreHandlers } from "./router/core-handlers.js";
export { LocalSession, type LocalSessionServer } from "./router/local-session.js";
export { Router, type RouterContext, type RoutingEvent } from "./router/router.js";
export type { Session, SessionType } from "./router/session.js";
export { type ConflictPolicy, SessionManager, type SessionManagerContext } from "./router/session-manager.js";
export { SessionRegistry } from "./router/sessions.js";
export { stanzaEvent, tagEvent } from "./router/stanza-event.js";
export { isNamespaced, type StreamVerdict, streamVerdict } from "./router/stream-verdict.js";
export type { Runtime } from "./runtime.js";
export { Server, type ServerOptions } from "./server.js";
export { SharedRegistry, sharedPath } from "./shared.js";
export { acceptsStatus, type ModuleStatus, type StatusType } from "./status.js";
export { createTestServer, type TestServer, type TestServerOptions } from "./testing.js";
