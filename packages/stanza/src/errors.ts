import { Element } from "ltx";
import { errorReply, type StanzaErrorExtra, type StanzaErrorLike } from "./builders.js";
import {
  NS_STREAMS,
  NS_XMPP_STANZAS,
  NS_XMPP_STREAMS,
  STANZA_ERROR_CONDITIONS,
  type StanzaErrorCondition,
  type StanzaErrorType,
  type StreamErrorCondition,
} from "./conditions.js";

/** What `getError` reads out of an error stanza. */
export interface StanzaErrorInfo {
  type: StanzaErrorType | (string & {}) | undefined;
  condition: StanzaErrorCondition | (string & {});
  text: string | undefined;
  /** `tag`: the first child in a foreign namespace; `uri`: the text of `<gone/>` or `<redirect/>`. */
  extra: StanzaErrorExtra | undefined;
  /** The `by` attribute of `<error>`, when present. */
  by: string | undefined;
}

/**
 * Reads the `<error>` child of a stanza (RFC 6120 §8.3.2). Returns `undefined` when there is none.
 * The condition is the first child in the stanzas namespace other than `<text>` (default
 * `undefined-condition`), as Prosody's `stanza:get_error()` does.
 */
export function getError(stanza: Element): StanzaErrorInfo | undefined {
  const error = stanza.getChild("error");
  if (!error) return undefined;
  let condition: string | undefined;
  let conditionEl: Element | undefined;
  let text: string | undefined;
  let tag: Element | undefined;
  for (const child of error.children) {
    if (typeof child === "string") continue;
    if (child.getNS() === NS_XMPP_STANZAS) {
      if (child.getName() === "text") {
        text ??= child.getText();
      } else if (condition === undefined) {
        condition = child.getName();
        conditionEl = child;
      }
    } else {
      tag ??= child;
    }
  }
  let extra: StanzaErrorExtra | undefined;
  const uriText =
    conditionEl && (condition === "gone" || condition === "redirect") ? conditionEl.getText() : "";
  if (tag || uriText) {
    extra = {};
    if (tag) extra.tag = tag;
    if (uriText) extra.uri = uriText;
  }
  return {
    type: error.attrs.type,
    condition: condition ?? "undefined-condition",
    text,
    extra,
    by: error.attrs.by,
  };
}

/** Options for `new StanzaError(...)`; everything but the condition is optional. */
export interface StanzaErrorInit {
  /** Defaults to the RFC 6120 type of the condition (`cancel` for unknown conditions). */
  type?: StanzaErrorType | undefined;
  /** Defaults to `undefined-condition`. */
  condition?: StanzaErrorCondition | (string & {}) | undefined;
  text?: string | undefined;
  extra?: StanzaErrorExtra | undefined;
  /** The entity that generated the error; becomes `<error by=...>` in replies. */
  by?: string | undefined;
  /** A stable machine-readable code; defaults to the condition. */
  code?: string | undefined;
  /** Free-form context, as util.error's `context` (e.g. the error stanza it came from). */
  context?: Record<string, unknown> | undefined;
  cause?: unknown;
}

/**
 * A stanza-level error (Prosody's util.error), throwable and convertible to and from error stanzas.
 * `code` follows Canto's convention of a stable string code; it defaults to the condition.
 */
export class StanzaError extends Error implements StanzaErrorLike {
  readonly type: StanzaErrorType;
  readonly condition: StanzaErrorCondition | (string & {});
  readonly text: string | undefined;
  readonly extra: StanzaErrorExtra | undefined;
  readonly by: string | undefined;
  readonly code: string;
  readonly context: Record<string, unknown>;

  constructor(init: StanzaErrorInit | StanzaErrorCondition = {}) {
    const o: StanzaErrorInit = typeof init === "string" ? { condition: init } : init;
    const condition = o.condition ?? "undefined-condition";
    super(o.text ?? condition, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "StanzaError";
    this.condition = condition;
    this.type = o.type ?? (STANZA_ERROR_CONDITIONS as Record<string, StanzaErrorType>)[condition] ?? "cancel";
    this.text = o.text;
    this.extra = o.extra;
    this.by = o.by;
    this.code = o.code ?? condition;
    this.context = o.context ?? {};
  }

  /**
   * The error carried by an error stanza. `by` is the `<error by>` attribute or else the stanza's
   * `from`; `context.stanza` is the stanza itself. A stanza without `<error>` gives
   * `undefined-condition`.
   */
  static fromStanza(stanza: Element, context: Record<string, unknown> = {}): StanzaError {
    const info = getError(stanza);
    const by = info?.by ?? (stanza.attrs.from as string | undefined);
    const type = info?.type;
    return new StanzaError({
      type: type !== undefined && type in TYPES ? (type as StanzaErrorType) : undefined,
      condition: info?.condition,
      text: info?.text,
      extra: info?.extra,
      by,
      context: { ...context, stanza, by },
    });
  }

  /** An error reply to `original` carrying this error. */
  toStanza(original: Element): Element {
    return errorReply(original, this);
  }

  /** `error<type:condition>` or `error<type:condition:text>`, as Prosody prints util.error objects. */
  override toString(): string {
    return `error<${this.type}:${this.condition}${this.text === undefined ? "" : `:${this.text}`}>`;
  }
}

const TYPES: Record<StanzaErrorType, true> = {
  auth: true,
  cancel: true,
  continue: true,
  modify: true,
  wait: true,
};

/**
 * A stream-level error (RFC 6120 §4.9): the stream is closed after it is sent. Thrown or reported
 * by the stream parser; `toElement()` gives the `<stream:error/>` to send.
 */
export class StreamError extends Error {
  readonly condition: StreamErrorCondition;
  readonly text: string | undefined;
  /** A stable machine-readable code: the condition. */
  readonly code: StreamErrorCondition;

  constructor(condition: StreamErrorCondition, text?: string) {
    super(text === undefined ? condition : `${condition}: ${text}`);
    this.name = "StreamError";
    this.condition = condition;
    this.code = condition;
    this.text = text;
  }

  toElement(): Element {
    return streamError(this.condition, this.text);
  }
}

/**
 * `<stream:error>` with the condition and optional text (RFC 6120 §4.9.2). The `stream` prefix is
 * declared on the element itself so that it is well-formed and `is("error", NS_STREAMS)` holds even
 * before it is written into a stream; re-declaring a prefix to the same namespace is harmless.
 */
export function streamError(condition: StreamErrorCondition, text?: string, extra?: Element): Element {
  const el = new Element("stream:error", { "xmlns:stream": NS_STREAMS });
  el.c(condition, { xmlns: NS_XMPP_STREAMS });
  if (text !== undefined) el.c("text", { xmlns: NS_XMPP_STREAMS }).t(text);
  if (extra) el.cnode(extra);
  return el;
}
