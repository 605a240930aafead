// The little of @xmpp/component 0.13 (which ships no types) that the tests use.
declare module "@xmpp/component" {
  import type { EventEmitter } from "node:events";

  export interface XmlElement {
    name: string;
    attrs: Record<string, string | undefined>;
    children: (XmlElement | string)[];
    getChild(name: string, ns?: string): XmlElement | undefined;
    getChildElements(): XmlElement[];
    getChildText(name: string, ns?: string): string | null;
    is(name: string, ns?: string): boolean;
    toString(): string;
  }

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined>,
    ...children: (XmlElement | string | undefined)[]
  ): XmlElement;

  export interface Component extends EventEmitter {
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(element: XmlElement): Promise<void>;
    status: string;
    reconnect: { stop(): void };
  }

  export function component(options: { service: string; domain: string; password: string }): Component;
}
