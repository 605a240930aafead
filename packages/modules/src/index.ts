import type { ModuleSetup } from "canto";
import { adminModules } from "./admin/index.js";
import { archiveModules } from "./archive/index.js";
import { authModules } from "./auth/index.js";
import { boshModules } from "./bosh/index.js";
import { componentModules } from "./component/index.js";
import { extensionsModules } from "./extensions/index.js";
import { httpModules } from "./http/index.js";
import { imModules } from "./im/index.js";
import { mobileModules } from "./mobile/index.js";
import { mucModules } from "./muc/index.js";
import { mucModerationModules } from "./muc_moderation/index.js";
import { pubsubModules } from "./pubsub/index.js";
import { transportModules } from "./transport/index.js";
import { uploadModules } from "./upload/index.js";
import { websocketModules } from "./websocket/index.js";

export {
  AccountError,
  type AccountErrorCode,
  accountExists,
  accountProvider,
  createAccount,
  deleteAccount,
  listAccounts,
  setPassword,
} from "./auth/index.js";
export type { BoshApi } from "./bosh/index.js";
export {
  type HttpApi,
  type HttpHandler,
  type HttpProvider,
  HttpRouteError,
  type HttpRouteParams,
  type HttpUpgrade,
} from "./http/index.js";
export type { MucApi, MucEvents } from "./muc/index.js";
export {
  authModuleFor,
  isMissingProsodyModule,
  missingModulesLine,
  PROSODY_IN_CORE,
  PROSODY_MISSING,
  PROSODY_RENAMED,
  prosodyHostModules,
} from "./prosody-names.js";
export type { PubsubApi } from "./pubsub/index.js";
export {
  type AuthProvider,
  authProvider,
  type C2sSession,
  NS,
  type ScramCredentials,
  type StreamFeaturesEvent,
} from "./shared/contracts.js";
export { reloadableOptions } from "./shared/options.js";
export { addSendLayer, type SendLayer, type SendLayerHandle } from "./shared/send-layers.js";
export { type C2sApi, TLS_CONTEXT_ITEM, type TlsContextItem } from "./transport/index.js";
export {
  createFileShare,
  DiskFileStore,
  type FileShareApi,
  type FileShareOptions,
  type FileStore,
  FileStoreError,
  type StoredFile,
} from "./upload/index.js";
export type { WebSocketApi } from "./websocket/index.js";

/** Every standard module, by the name `modules_enabled` uses. */
export const standardModules: Readonly<Record<string, ModuleSetup>> = Object.freeze({
  ...transportModules,
  ...authModules,
  ...imModules,
  ...extensionsModules,
  ...archiveModules,
  ...mucModules,
  ...mucModerationModules,
  ...httpModules,
  ...componentModules,
  ...pubsubModules,
  ...adminModules,
  ...websocketModules,
  ...mobileModules,
  ...boshModules,
  ...uploadModules,
});

/** What every host loads before `modules_enabled` (Prosody's autoload set, as far as Canto has it). */
export const AUTOLOAD: readonly string[] = ["presence", "message", "iq", "offline", "c2s"].filter(
  (name) => name in standardModules,
);
