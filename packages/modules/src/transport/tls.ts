import { Element, type Module } from "canto";
import { type C2sSession, NS, type StreamFeaturesEvent } from "../shared/contracts.js";
import { reloadableOptions } from "../shared/options.js";
import { loadCertificate } from "./certificates.js";
import { TLS_CONTEXT_ITEM } from "./tls-context.js";

/**
 * STARTTLS (RFC 6120 §5) for client streams. Loads the host's certificate (configured, or a
 * generated self-signed one) and publishes it as a `tls-context` item for the transports; offers
 * `<starttls/>` in stream features while a stream is unencrypted (`<required/>` under
 * `c2s_require_encryption`, default true) and answers it with `<proceed/>` and the upgrade.
 */
export default async function tls(module: Module): Promise<void> {
  const item = await loadCertificate(module);
  if (item === undefined) {
    module.log("warn", "no certificate for %s: STARTTLS is not offered", module.host);
    return;
  }
  module.addItem(TLS_CONTEXT_ITEM, item);
  module.log(
    "info",
    "%s certificate for %s: %s",
    item.selfSigned ? "self-signed" : "configured",
    module.host,
    item.source,
  );
  const required = reloadableOptions(module, () => module.getOptionBoolean("c2s_require_encryption", true));

  module.hook(
    "stream-features",
    (event: StreamFeaturesEvent) => {
      const { origin, features } = event;
      if (origin.secure || !origin.canStartTls) return;
      const starttls = features.c("starttls", { xmlns: NS.tls });
      if (required()) starttls.c("required");
    },
    100,
  );

  module.hookTag(NS.tls, "starttls", (origin) => {
    const session = origin as C2sSession;
    if (typeof session.startTls !== "function" || !session.canStartTls) {
      // RFC 6120 §5.4.2.2: <failure/>, then the stream is closed.
      session.send(new Element("failure", { xmlns: NS.tls }));
      session.close?.();
      return true;
    }
    session.send(new Element("proceed", { xmlns: NS.tls }));
    session.startTls().then(
      () => module.log("debug", "TLS established with %s", session.ip),
      (error: unknown) => {
        module.log("info", "TLS handshake with %s failed: %s", session.ip, error);
        session.close?.();
      },
    );
    return true;
  });
}
