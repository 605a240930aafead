export { Element } from "ltx";
export {
  clone,
  errorReply,
  iq,
  message,
  presence,
  reply,
  type StanzaAttrs,
  type StanzaErrorExtra,
  type StanzaErrorLike,
} from "./builders.js";
export {
  isStanzaErrorCondition,
  isStreamErrorCondition,
  NS_CLIENT,
  NS_SERVER,
  NS_STREAMS,
  NS_XMPP_STANZAS,
  NS_XMPP_STREAMS,
  STANZA_ERROR_CONDITIONS,
  STANZA_ERROR_TYPES,
  STREAM_ERROR_CONDITIONS,
  type StanzaErrorCondition,
  type StanzaErrorType,
  type StreamErrorCondition,
} from "./conditions.js";
export {
  getError,
  StanzaError,
  type StanzaErrorInfo,
  type StanzaErrorInit,
  StreamError,
  streamError,
} from "./errors.js";
export { StreamParser, type StreamParserHandlers, type StreamParserOptions } from "./framing/parser.js";
export * from "./jid/index.js";
export { type NamespaceName, NS } from "./namespaces.js";
