export {
  type AccountDiscoOptions,
  type AccountInfoOptions,
  type AccountItemsOptions,
  type AccountRequest,
  accountInfo,
  accountItems,
  bareJid,
} from "./account.js";
export { createHostInfoCache, HostInfoCache, type HostInfoCacheOptions } from "./cache.js";
export {
  type CapsElementOptions,
  type CapsHash,
  capsElement,
  capsString,
  capsVer,
  capsVerOfQuery,
  compareOctets,
  hashCapsString,
  readInfoQuery,
} from "./caps.js";
export { DiscoError, type DiscoErrorCode } from "./errors.js";
export {
  buildForm,
  type FieldInput,
  type FieldType,
  type Form,
  type FormField,
  type FormInput,
  type FormOption,
  type FormType,
  formTypeOf,
  getFieldValues,
  isForm,
  parseForm,
} from "./forms.js";
export { buildInfoQuery, type HostInfoOptions, hostInfo } from "./info.js";
export {
  addItem,
  childHosts,
  type DiscoItem,
  type HostEntry,
  type HostItemsOptions,
  hostItems,
  type ItemsHandler,
  type ItemsRequest,
  parseDiscoItems,
} from "./items.js";
export * from "./namespaces.js";
export {
  type Awaitable,
  NODE_NOT_FOUND_TEXT,
  type NodeAnswer,
  type NodeHandler,
  type NodeRequest,
} from "./node.js";
export {
  addDiscoDefaults,
  createDiscoRegistry,
  type DiscoChange,
  type DiscoChangeListener,
  type DiscoDefaultsOptions,
  type DiscoInfo,
  DiscoRegistry,
  type Extension,
  type Identity,
  type InfoSource,
} from "./registry.js";
