import { EventBus } from "@canto/events";
import type { Module } from "./module.js";

/** `*` is the global context; VirtualHosts are `local`, Components `component`. */
export type HostType = "local" | "component";

export const GLOBAL_HOST = "*";

/**
 * A host: its own event bus and the modules loaded on it. Nothing is forwarded between a host's
 * bus and the global one, as in Prosody.
 */
export class Host {
  readonly name: string;
  /** `undefined` for the global context. */
  readonly type: HostType | undefined;
  readonly events = new EventBus();
  readonly modules = new Map<string, Module>();
  /** A component's module (`Component "x" "muc"`), loaded first. */
  readonly componentModule: string | undefined;
  active = false;

  constructor(name: string, type: HostType | undefined, componentModule?: string) {
    this.name = name;
    this.type = type;
    this.componentModule = componentModule;
  }

  get isGlobal(): boolean {
    return this.name === GLOBAL_HOST;
  }
}
