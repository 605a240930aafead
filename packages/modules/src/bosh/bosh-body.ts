import { type Element, StreamParser } from "canto";
import { NS } from "../shared/contracts.js";

/** XEP-0124's namespace: every request and response is one `<body/>` in it. */
export const NS_HTTPBIND = "http://jabber.org/protocol/httpbind";
/** XEP-0206's attributes (`xmpp:version`, `xmpp:restart`, `xmpp:restartlogic`). */
export const NS_XBOSH = "urn:xmpp:xbosh";

/** Why a request body cannot be used: XEP-0124 §17 `bad-request`. */
export class BoshBodyError extends Error {
  readonly code = "bosh-bad-request";
  constructor(message: string) {
    super(message);
    this.name = "BoshBodyError";
  }
}

/** A request: the `<body/>` attributes and the stanzas inside, each without a namespace of its own if it is a client stanza. */
export interface BoshRequest {
  attrs: Readonly<Record<string, string | undefined>>;
  payload: Element[];
}

const XML_DECL = /^\s*<\?xml[^>]*\?>/;

/**
 * Parses a request body with the stream parser, so the restricted-XML and size rules of a TCP
 * stream hold here too: the body is read as the only element of a `jabber:client` stream.
 * Children in `jabber:client` or `httpbind` (clients differ) become plain client stanzas.
 */
export function parseBody(data: Buffer, maxSize: number): BoshRequest {
  const text = data.toString("utf8").replace(XML_DECL, "");
  const elements: Element[] = [];
  let failure: string | undefined;
  const parser = new StreamParser(
    {
      stanza: (element) => elements.push(element),
      error: (error) => {
        failure ??= error.text ?? error.condition;
      },
    },
    { maxStanzaSize: maxSize, namespaces: [NS.client] },
  );
  parser.write(`<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.streams}'>`);
  parser.write(text);
  const unterminated = elements.length === 0 && failure === undefined;
  parser.write("</stream:stream>");
  if (failure !== undefined) throw new BoshBodyError(`malformed XML: ${failure}`);
  if (unterminated && elements.length === 0) throw new BoshBodyError("the request holds no <body/>");
  const body = elements[0];
  if (elements.length !== 1 || body === undefined || !body.is("body", NS_HTTPBIND)) {
    throw new BoshBodyError(`a request must be exactly one <body xmlns='${NS_HTTPBIND}'/>`);
  }
  const payload: Element[] = [];
  for (const child of body.children) {
    if (typeof child === "string") continue;
    const xmlns = child.attrs.xmlns;
    if (xmlns === NS.client || xmlns === NS_HTTPBIND) delete child.attrs.xmlns;
    child.parent = null;
    payload.push(child);
  }
  return { attrs: body.attrs as Record<string, string | undefined>, payload };
}

const escapeAttr = (value: string) =>
  value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");

/** A response `<body>` with `attrs` around already serialised `content`. */
export function bodyXml(attrs: Readonly<Record<string, string | undefined>>, content = ""): string {
  let open = `<body xmlns='${NS_HTTPBIND}' xmlns:stream='${NS.streams}'`;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) open += ` ${name}='${escapeAttr(value)}'`;
  }
  return content === "" ? `${open}/>` : `${open}>${content}</body>`;
}

/** A terminating body (XEP-0124 §17): the binding condition, if any, and content (a stream error). */
export function terminateXml(condition: string | undefined, content = ""): string {
  return bodyXml({ type: "terminate", condition }, content);
}

/**
 * One outgoing element as text inside a response body: an element with no namespace of its own
 * gets `jabber:client`, as it would inherit from a client stream's header; `stream:` elements take
 * the prefix the body declares. The element is not changed (it may be on its way elsewhere too).
 */
export function serializeOut(element: Element): string {
  const text = element.toString();
  if (element.attrs.xmlns !== undefined || element.name.includes(":")) return text;
  const end = element.name.length + 1;
  return `${text.slice(0, end)} xmlns='${NS.client}'${text.slice(end)}`;
}
