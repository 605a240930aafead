import type { Module } from "canto";

/** The options of the shared HTTP server, read once by the global instance. */
export interface HttpOptions {
  ports: number[];
  interfaces: string[];
  /** Largest request body in bytes (`http_max_content_size`). */
  maxContentSize: number;
  /** The host that answers for unknown `Host` headers (`http_default_host`). */
  defaultHost: string | undefined;
}

function ports(module: Module, name: string, fallback: number[]): number[] {
  return (module.getOptionArray(name, fallback) as unknown[]).map((value) => {
    const port = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TypeError(`option ${name}: ${JSON.stringify(value)} is not a port number (0-65535)`);
    }
    return port;
  });
}

/** Listening addresses; Prosody's `"*"` is every IPv4 address and `"::"` every IPv6 one. */
function interfaces(module: Module, name: string, fallback: string[]): string[] {
  return (module.getOptionArray(name, fallback) as unknown[]).map((value) => {
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`option ${name}: ${JSON.stringify(value)} is not an address`);
    }
    return value === "*" ? "0.0.0.0" : value;
  });
}

export function readHttpOptions(module: Module): HttpOptions {
  const defaultHost = module.getOptionString("http_default_host");
  return {
    ports: ports(module, "http_ports", [5280]),
    interfaces: interfaces(module, "http_interfaces", interfaces(module, "interfaces", ["127.0.0.1"])),
    maxContentSize: module.getOptionInteger("http_max_content_size", 10 * 1024 * 1024, 0),
    defaultHost: defaultHost === undefined ? undefined : defaultHost.toLowerCase(),
  };
}
