// The little of @xmpp/client 0.14 and @xmpp/component 0.13 (neither ships types) that Canto's
// tests use, in one place: packages that test with them add this folder to their tsconfig.
declare module "@xmpp/client" {
  import type { EventEmitter } from "node:events";

  export interface XmlElement {
    name: string;
    attrs: Record<string, string | undefined>;
    children: (XmlElement | string)[];
    getChild(name: string, ns?: string): XmlElement | undefined;
    getChildren(name: string, ns?: string): XmlElement[];
    getChildElements(): XmlElement[];
    getChildText(name: string, ns?: string): string | null;
    text(): string;
    is(name: string, ns?: string): boolean;
    getNS(): string;
    toString(): string;
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
    jid: { toString(): string; bare(): { toString(): string } } | null;
    status: string;
    iqCaller: { request(element: XmlElement, timeout?: number): Promise<XmlElement> };
    reconnect: { stop(): void };
    iqCallee: { set(ns: string, name: string, handler: (context: { stanza: XmlElement }) => unknown): void };
    saslFactory: { use(name: string, mechanism: unknown): void };
  }

  export function client(options: Record<string, unknown>): Client;
}

declare module "@xmpp/component" {
  import type { EventEmitter } from "node:events";

  import type { XmlElement } from "@xmpp/client";

  export { xml } from "@xmpp/client";
  export type { XmlElement };

  export interface Component extends EventEmitter {
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(element: XmlElement): Promise<void>;
    status: string;
    reconnect: { stop(): void };
  }

  export function component(options: { service: string; domain: string; password: string }): Component;
}
