import { BlockList, isIP } from "node:net";
import { InvalidAllowListError } from "../errors.js";

/** Prosody's default `openmetrics_allow_ips`: loopback only. */
export const DEFAULT_ALLOW_IPS: readonly string[] = Object.freeze(["::1", "127.0.0.1"]);

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is checked as `1.2.3.4`. */
function unmap(address: string): string {
  const lower = address.toLowerCase();
  if (lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return address;
}

function family(address: string): "ipv4" | "ipv6" {
  return isIP(address) === 4 ? "ipv4" : "ipv6";
}

/**
 * Builds the check for `openmetrics_allow_ips` (exact addresses) and `openmetrics_allow_cidr`
 * (one CIDR or a list). Throws `InvalidAllowListError` on an entry that is neither.
 */
export function createAllowList(
  ips: readonly string[] = DEFAULT_ALLOW_IPS,
  cidrs: string | readonly string[] = [],
): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of ips) {
    const ip = unmap(entry.trim());
    if (isIP(ip) === 0)
      throw new InvalidAllowListError(`openmetrics_allow_ips: "${entry}" is not an IP address`);
    list.addAddress(ip, family(ip));
  }
  for (const entry of typeof cidrs === "string" ? [cidrs] : cidrs) {
    const [network = "", bits, ...rest] = entry.trim().split("/");
    const ip = unmap(network);
    const prefix = Number(bits);
    const max = isIP(ip) === 4 ? 32 : 128;
    if (
      isIP(ip) === 0 ||
      rest.length > 0 ||
      bits === undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max
    ) {
      throw new InvalidAllowListError(`openmetrics_allow_cidr: "${entry}" is not a CIDR such as 10.0.0.0/8`);
    }
    list.addSubnet(ip, prefix, family(ip));
  }
  return (address) => {
    if (address === undefined) return false;
    const ip = unmap(address);
    if (isIP(ip) === 0) return false;
    return list.check(ip, family(ip));
  };
}
