import type { Module } from "canto";

/**
 * A list of port numbers (`c2s_ports`, `component_ports`, `http_ports`, ...); numeric strings
 * count, as Prosody's configs often quote them. Anything else names the option and the value.
 */
export function portsOption(module: Module, name: string, fallback: number[]): number[] {
  return (module.getOptionArray(name, fallback) as unknown[]).map((value) => {
    const port = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new TypeError(`option ${name}: ${JSON.stringify(value)} is not a port number (0-65535)`);
    }
    return port;
  });
}

/** Listening addresses (`*_interfaces`); Prosody's `"*"` is every IPv4 address. */
export function interfacesOption(module: Module, name: string, fallback: string[]): string[] {
  return (module.getOptionArray(name, fallback) as unknown[]).map((value) => {
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`option ${name}: ${JSON.stringify(value)} is not an address`);
    }
    return value === "*" ? "0.0.0.0" : value;
  });
}
