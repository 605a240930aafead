import { Element, StreamParser, type stanza } from "canto";
import { NS } from "../shared/contracts.js";

/** RFC 7395's framing namespace: `<open/>` and `<close/>` replace the stream header and footer. */
export const NS_FRAMING = NS.framing;

/**
 * Every message is parsed as the only content of a `jabber:client` stream, so stanzas without an
 * `xmlns` are client stanzas (as in Prosody) and the parser's restricted-XML and size rules apply.
 */
const WRAPPER_OPEN = `<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.streams}'>`;
const WRAPPER_CLOSE = "</stream:stream>";

export type FrameResult =
  | { kind: "element"; element: Element }
  | { kind: "keepalive" }
  | { kind: "error"; condition: stanza.StreamErrorCondition; text: string };

/**
 * Parses one WebSocket text message (RFC 7395 §3.3.3): exactly one complete XML element, or only
 * whitespace (a keepalive some clients send). `maxElementSize` bounds the element in bytes.
 */
export function parseFrame(data: Uint8Array | string, maxElementSize: number): FrameResult {
  const elements: Element[] = [];
  let failure: { condition: stanza.StreamErrorCondition; text: string } | undefined;
  let endedEarly = false;
  let wrapperWritten = false;
  let ended = false;
  const parser = new StreamParser(
    {
      stanza: (element) => elements.push(element),
      error: (error) => {
        // Failing only on our closing tag means the message left an element half open.
        failure ??= wrapperWritten
          ? { condition: "not-well-formed", text: "incomplete XML element" }
          : { condition: error.condition, text: error.text ?? "malformed XML" };
      },
      streamEnd: () => {
        ended = true;
        if (!wrapperWritten) endedEarly = true;
      },
    },
    { maxStanzaSize: maxElementSize, namespaces: [NS.client] },
  );
  parser.write(WRAPPER_OPEN);
  parser.write(data);
  wrapperWritten = true;
  // The closing tag only parses cleanly when the message left no element half open.
  parser.write(WRAPPER_CLOSE);
  if (failure !== undefined) return { kind: "error", ...failure };
  if (endedEarly) {
    return {
      kind: "error",
      condition: "not-well-formed",
      text: "</stream:stream> is not used over WebSocket: send <close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
    };
  }
  if (!ended) return { kind: "error", condition: "not-well-formed", text: "incomplete XML element" };
  if (elements.length === 0) return { kind: "keepalive" };
  if (elements.length > 1) {
    return {
      kind: "error",
      condition: "not-well-formed",
      text: `a WebSocket message must hold exactly one XML element (RFC 7395), this one held ${elements.length}`,
    };
  }
  return { kind: "element", element: elements[0]! };
}

/** `<open/>` answering the client's (RFC 7395 §3.4). */
export function openElement(attrs: { from: string; id: string; to?: string | undefined }): Element {
  const open = new Element("open", {
    xmlns: NS_FRAMING,
    from: attrs.from,
    id: attrs.id,
    version: "1.0",
    "xml:lang": "en",
  });
  if (attrs.to !== undefined) open.attrs.to = attrs.to;
  return open;
}

export function closeElement(): Element {
  return new Element("close", { xmlns: NS_FRAMING });
}

const CLIENT_STANZAS = new Set(["message", "presence", "iq"]);

/**
 * Serialises an outgoing element so it stands alone, as each message must: client stanzas get
 * `xmlns='jabber:client'` (they carry no `xmlns` inside the server), and `stream:` elements the
 * prefix declaration. The element itself is not changed: it may be on its way to other sessions.
 */
export function serialize(element: Element): string {
  const text = element.toString();
  const attrs = element.attrs as Record<string, unknown>;
  let extra: string | undefined;
  if (attrs.xmlns === undefined && CLIENT_STANZAS.has(element.name)) extra = ` xmlns="${NS.client}"`;
  else if (element.name.startsWith("stream:") && attrs["xmlns:stream"] === undefined) {
    extra = ` xmlns:stream="${NS.streams}"`;
  }
  if (extra === undefined) return text;
  const at = element.name.length + 1;
  return text.slice(0, at) + extra + text.slice(at);
}
