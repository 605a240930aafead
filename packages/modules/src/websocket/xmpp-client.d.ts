// The little of @xmpp/client 0.14 (which ships no types) that the WebSocket test uses.
declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";

  export interface XmlElement {
    name: string;
    attrs: Record<string, string>;
    getChildText(name: string, ns?: string): string | null;
  }

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined>,
    ...children: (XmlElement | string | undefined)[]
  ): XmlElement;

  export interface Client extends EventEmitter {
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(element: XmlElement): Promise<void>;
  }

  export function client(options: Record<string, unknown>): Client;
}
