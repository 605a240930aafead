import { Element, errorReply, isThenable, type Module, type Session, type storage } from "canto";

// Helpers shared by the extension modules of this folder. Modules never import each other; they may
// import this.

/** What the router hands IQ, message and presence handlers. */
export interface StanzaEvent {
  origin: Session;
  stanza: Element;
  to_self?: boolean;
}

// JID fast paths for the prepared JIDs the router stamps (@canto/stanza's), under the names the
// extension modules import from here.
export { bareOf, domainOf, nodeOf } from "canto";

/** The server clock (the scheduler's, so a test's fake clock moves it), in seconds. */
export function now(module: Module): number {
  return module.server.scheduler.clock.now();
}

/** The first child element of a stanza: the payload of an IQ. */
export function payloadOf(stanza: Element): Element | undefined {
  for (const child of stanza.children) if (child instanceof Element) return child;
  return undefined;
}

/** The child elements of `element`, without text nodes. */
export function childElements(element: Element): Element[] {
  return element.children.filter((child): child is Element => child instanceof Element);
}

/** Applies `f` to a value or, once it settles, to a promise's value: synchronous when it can be. */
export function andThen<T, R>(
  value: T | PromiseLike<T>,
  f: (value: T) => R | PromiseLike<R>,
): R | Promise<R> {
  if (isThenable(value)) return Promise.resolve(value).then(f);
  return f(value as T) as R | Promise<R>;
}

/**
 * Runs an IQ handler that touches storage. Whatever it throws becomes an `internal-server-error`
 * answer, so a failing store never leaves a client waiting for a reply that never comes.
 */
export function answering(
  module: Module,
  event: StanzaEvent,
  handler: () => Promise<unknown>,
): Promise<true> {
  return handler().then(
    () => true as const,
    (error: unknown) => {
      const payload = payloadOf(event.stanza);
      module.log(
        "error",
        "error while answering iq %s (%s %s): %s",
        event.stanza.attrs.id,
        payload?.name,
        payload?.attrs.xmlns,
        error,
      );
      event.origin.send(errorReply(event.stanza, "wait", "internal-server-error"));
      return true as const;
    },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Element);
}

/**
 * Whether `contact` (a bare JID) is subscribed to the presence of `username` (subscription `from`
 * or `both`), read from the `roster` keyval store (`{ [jid]: { subscription } }`), which the IM
 * modules own. Read defensively: a missing or malformed roster means "not subscribed".
 */
export async function isContactSubscribed(
  roster: storage.KeyvalStore,
  username: string,
  contact: string,
): Promise<boolean> {
  const document = await roster.get(username);
  if (!isPlainObject(document)) return false;
  const item = document[contact];
  if (!isPlainObject(item)) return false;
  return item.subscription === "from" || item.subscription === "both";
}

/**
 * An error raised while reading a module's options: `code` is stable, the message names the option
 * and what was wrong with it.
 */
export class ExtensionOptionError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "ExtensionOptionError";
    this.code = code;
  }
}
