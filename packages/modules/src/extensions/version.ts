import { readFileSync } from "node:fs";
import { release, type } from "node:os";
import { type Module, NS, reply } from "canto";
import { reloadableOptions } from "../shared/options.js";
import type { StanzaEvent } from "./util.js";

/** This package's version, read once; the server is the package that serves the request. */
function packageVersion(): string {
  try {
    const file = new URL("../../package.json", import.meta.url);
    const { version } = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
    return typeof version === "string" ? version : "unknown";
  } catch {
    return "unknown";
  }
}

const VERSION = packageVersion();

/**
 * XEP-0092: the server's software name, version and operating system. `hide_os_type` leaves the
 * operating system out, for operators who would rather not tell.
 */
export default function version(module: Module): void {
  module.addFeature(NS.version);
  const hideOs = reloadableOptions(module, () => module.getOptionBoolean("hide_os_type", false));
  const os = `${type()} ${release()}`;
  module.hook(`iq-get/host/${NS.version}:query`, (event: StanzaEvent) => {
    const answer = reply(event.stanza);
    const query = answer.c("query", { xmlns: NS.version });
    query.c("name").t("Canto");
    query.c("version").t(VERSION);
    if (!hideOs()) query.c("os").t(os);
    event.origin.send(answer);
    return true;
  });
}
