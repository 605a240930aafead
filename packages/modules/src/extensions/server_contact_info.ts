import { disco, type Element, type Module } from "canto";
import { reloadableOptions } from "../shared/options.js";
import { ExtensionOptionError } from "./util.js";

/** The address kinds of XEP-0157's registry; others are allowed but logged, in case of a typo. */
const REGISTERED = new Set(["abuse", "admin", "feedback", "sales", "security", "status", "support"]);

function fail(message: string): never {
  throw new ExtensionOptionError("bad-contact-info", `contact_info: ${message}`);
}

/** Reads `contact_info` (`{ abuse: "mailto:...", admin: ["xmpp:..."], ... }`) into address lists. */
export function readContactInfo(value: unknown): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (value === undefined) return out;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(
      `expected a table of address lists by kind (e.g. { abuse = { "mailto:abuse@example.com" } }), got ${JSON.stringify(value)}`,
    );
  }
  for (const [kind, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9-]*$/.test(kind))
      fail(`"${kind}" is not an address kind such as abuse, admin or support`);
    const list = typeof raw === "string" ? [raw] : raw;
    if (!Array.isArray(list)) fail(`${kind} must be a URI or a list of URIs, got ${JSON.stringify(raw)}`);
    const uris = list.map((uri: unknown, i) => {
      if (typeof uri !== "string" || !/^[a-z][a-z0-9+.-]*:\S+$/i.test(uri)) {
        fail(
          `${kind}[${i}] must be a URI such as mailto:..., xmpp:... or https://..., got ${JSON.stringify(uri)}`,
        );
      }
      return uri;
    });
    out.set(kind, uris);
  }
  return out;
}

/**
 * XEP-0157 contact addresses: a `http://jabber.org/network/serverinfo` form in the host's
 * disco#info, from the `contact_info` option. Without that option the admins (`admins`, global
 * and host) are listed as `admin-addresses`, as in Prosody.
 */
export default function serverContactInfo(module: Module): void {
  // A reloaded config may change the addresses: the form in disco#info follows.
  reloadableOptions(
    module,
    () => buildForm(module),
    (form, previous) => {
      if (previous !== undefined) module.removeItem("extension", previous);
      if (form !== undefined) module.addExtension(form);
    },
  );
}

function buildForm(module: Module): Element | undefined {
  const addresses = readContactInfo(module.getOption("contact_info"));
  for (const kind of addresses.keys()) {
    if (!REGISTERED.has(kind)) module.log("warn", "contact_info: %s is not a kind XEP-0157 registers", kind);
  }
  if (addresses.size === 0) {
    const admins = [...module.getOptionInheritedSet<string>("admins", [])];
    if (admins.length > 0)
      addresses.set(
        "admin",
        admins.map((jid) => `xmpp:${jid}`),
      );
  }
  if (addresses.size === 0) {
    module.log("debug", "neither contact_info nor admins are set: no contact addresses to publish");
    return undefined;
  }
  const fields: disco.FieldInput[] = [...addresses].map(([kind, uris]) => ({
    var: `${kind}-addresses`,
    type: "list-multi",
    value: uris,
  }));
  return disco.buildForm({ type: "result", formType: disco.NS_SERVERINFO, fields });
}
