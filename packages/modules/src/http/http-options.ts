import type { Module } from "canto";
import { interfacesOption, portsOption } from "../shared/listener-options.js";

/** The options of the shared HTTP server, read once by the global instance. */
export interface HttpOptions {
  ports: number[];
  interfaces: string[];
  /** Largest request body in bytes (`http_max_content_size`). */
  maxContentSize: number;
  /** The host that answers for unknown `Host` headers (`http_default_host`). */
  defaultHost: string | undefined;
}

export function readHttpOptions(module: Module): HttpOptions {
  const defaultHost = module.getOptionString("http_default_host");
  return {
    ports: portsOption(module, "http_ports", [5280]),
    interfaces: interfacesOption(
      module,
      "http_interfaces",
      interfacesOption(module, "interfaces", ["127.0.0.1"]),
    ),
    maxContentSize: module.getOptionInteger("http_max_content_size", 10 * 1024 * 1024, 0),
    defaultHost: defaultHost === undefined ? undefined : defaultHost.toLowerCase(),
  };
}
