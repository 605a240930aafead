import { type disco, Element, type Module, type Session } from "canto";
import { andThen } from "../util.js";

/**
 * Whether a node or items event handler already answered the request itself (it returned something
 * other than an element): the caller must then send nothing more.
 */
export interface Handled {
  value: boolean;
}

/**
 * A node handler that fires Prosody's `*-disco-*-node` event (`{ origin, stanza, reply, query,
 * node, exists }`): a handler fills `query` and sets `exists`, returns an element to answer with
 * it, or returns anything else once it answered on its own.
 */
export function nodeEvent(
  module: Module,
  name: string,
  origin: Session,
  handled: Handled,
): disco.NodeHandler {
  return (request) => {
    const event = { ...request, origin, exists: false };
    return andThen(module.fireEvent(name, event), (answer): disco.NodeAnswer => {
      if (answer instanceof Element) return answer;
      if (answer !== undefined) {
        handled.value = true;
        return { exists: false };
      }
      return { exists: event.exists };
    });
  };
}
