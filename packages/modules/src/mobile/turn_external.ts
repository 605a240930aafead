import { Element, errorReply, type Module, reply, type Session } from "canto";
import { turnCredentials } from "./turn-credentials.js";

const NS_EXTDISCO = ["urn:xmpp:extdisco:2", "urn:xmpp:extdisco:1"] as const;

interface Service {
  type: "stun" | "turn" | "turns";
  transport: "udp" | "tcp";
  host: string;
  port: number;
  /** Only the relays (turn, turns) need credentials. */
  restricted: boolean;
}

interface IqEvent {
  origin: Session;
  stanza: Element;
}

/**
 * XEP-0215 external service discovery for one STUN/TURN server sharing `turn_external_secret` with
 * this host (Prosody's mod_turn_external): `<services/>` lists STUN and TURN over UDP, over TCP too
 * with `turn_external_tcp`, and TURNS on `turn_external_tls_port`; the relays come with credentials
 * valid for `turn_external_ttl`. Only the host's own clients may ask.
 */
export default function turnExternal(module: Module): void {
  const secret = module.getOptionString("turn_external_secret");
  if (secret === undefined || secret === "") {
    module.logStatus(
      "error",
      "Failed to initialize: the 'turn_external_secret' option is not set in your configuration",
    );
    return;
  }
  const host = module.getOptionString("turn_external_host", module.host);
  const user = module.getOptionString("turn_external_user");
  const port = module.getOptionInteger("turn_external_port", 3478, 1, 65535);
  const ttl = module.getOptionPeriod("turn_external_ttl", 86400, 1);
  const tcp = module.getOptionBoolean("turn_external_tcp", false);
  const tlsPort = module.getOptionInteger("turn_external_tls_port", undefined, 1, 65535);
  const clock = module.server.scheduler.clock;

  const services: Service[] = [];
  for (const transport of tcp ? (["udp", "tcp"] as const) : (["udp"] as const)) {
    services.push({ type: "stun", transport, host, port, restricted: false });
    services.push({ type: "turn", transport, host, port, restricted: true });
  }
  if (tlsPort !== undefined)
    services.push({ type: "turns", transport: "tcp", host, port: tlsPort, restricted: true });

  const describe = (service: Service, now: number): Element => {
    const attrs: Record<string, string> = {
      type: service.type,
      transport: service.transport,
      host: service.host,
      port: String(service.port),
    };
    if (service.restricted) {
      const expires = Math.floor(now + ttl);
      const { username, password } = turnCredentials(secret, expires, user);
      Object.assign(attrs, {
        username,
        password,
        expires: new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        restricted: "1",
      });
    }
    return new Element("service", attrs);
  };

  /** Prosody serves external services to client sessions only. */
  const refused = ({ origin, stanza }: IqEvent): boolean => {
    if (origin.type === "c2s") return false;
    origin.send(errorReply(stanza, "auth", "forbidden"));
    return true;
  };

  for (const xmlns of NS_EXTDISCO) {
    module.addFeature(xmlns);
    module.hook(`iq-get/host/${xmlns}:services`, (event: IqEvent) => {
      if (refused(event)) return true;
      const wanted = event.stanza.getChild("services", xmlns)?.attrs.type as string | undefined;
      const now = clock.now();
      const answer = reply(event.stanza).c("services", { xmlns });
      for (const service of services) {
        if (wanted === undefined || service.type === wanted) answer.cnode(describe(service, now));
      }
      event.origin.send(answer.root());
      return true;
    });
    module.hook(`iq-get/host/${xmlns}:credentials`, (event: IqEvent) => {
      if (refused(event)) return true;
      const asked = event.stanza.getChild("credentials", xmlns)?.getChildren("service") ?? [];
      const now = clock.now();
      const answer = reply(event.stanza).c("credentials", { xmlns });
      for (const request of asked) {
        const askedPort = request.attrs.port === undefined ? undefined : Number(request.attrs.port);
        for (const service of services) {
          if (
            !service.restricted ||
            service.type !== request.attrs.type ||
            service.host !== request.attrs.host
          ) {
            continue;
          }
          if (askedPort !== undefined && askedPort !== service.port) continue;
          answer.cnode(describe(service, now));
        }
      }
      event.origin.send(answer.root());
      return true;
    });
  }
}
