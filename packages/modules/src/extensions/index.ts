import type { ModuleSetup } from "canto";
import blocking from "./blocking/index.js";
import disco from "./disco/index.js";
import lastactivity from "./lastactivity.js";
import ping from "./ping.js";
import privateStorage from "./private.js";
import serverContactInfo from "./server_contact_info.js";
import time from "./time.js";
import uptime from "./uptime.js";
import vcard from "./vcard.js";
import version from "./version.js";

/** The extensions modules, by name. */
export const extensionsModules: Record<string, ModuleSetup> = {
  disco,
  ping,
  version,
  time,
  uptime,
  lastactivity,
  private: privateStorage,
  vcard,
  blocking,
  server_contact_info: serverContactInfo,
};
