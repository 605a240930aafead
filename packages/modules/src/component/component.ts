import { createServer } from "node:net";
import { type Element, errorReply, type Module, NS, type RoutingEvent, reply } from "canto";
import { Listeners } from "../shared/listeners.js";
import { flushThenDestroy, sessionShutdown } from "../shared/session-shutdown.js";
import { streamContext } from "../stream/stream-core.js";
import { type ComponentHostOptions, readHostOptions, readListenerOptions } from "./options.js";
import { type ComponentContext, ComponentSession } from "./session.js";

/** What `component` exports (its module's `exports`): where it listens and which components are connected. */
export interface ComponentApi {
  listeners(): { kind: "component"; address: string; port: number }[];
  /** The connected component of each host. */
  connected(): Map<string, ComponentSession>;
}

const ROUTED = ["message", "presence", "iq"].flatMap((kind) =>
  ["full", "bare", "host"].map((to) => `${kind}/${to}`),
);

/**
 * As Prosody: a component with a configured `name` still tells disco#info who it is while it is
 * away, so service discovery lists it by name instead of failing.
 */
function discoInfoWhileAway(hostModule: Module, stanza: Element): Element | undefined {
  if (stanza.name !== "iq" || stanza.attrs.type !== "get" || stanza.attrs.to !== hostModule.host)
    return undefined;
  const query = stanza.getChildElements()[0];
  if (query === undefined || !query.is("query", NS.disco_info) || (query.attrs.node ?? "") !== "")
    return undefined;
  const name = hostModule.getOptionString("name");
  if (name === undefined) return undefined;
  return reply(stanza)
    .c("query", { xmlns: NS.disco_info })
    .c("identity", { category: "component", type: "generic", name })
    .up()
    .c("feature", { var: NS.disco_info })
    .root();
}

/** Below the host's own modules (the IQ fan-out answers disco or ping first, as in Prosody). */
const ROUTE_PRIORITY = -1;

/**
 * External components (XEP-0114). Shared module, as Prosody's mod_component: the global instance
 * owns the listener on `component_ports`, one for every component host; each Component host that
 * loads it gets a host instance holding its secret and its routing. Stanzas to any address at the
 * component's domain go down the component's connection; while it is not connected, IQs and
 * messages are bounced with `service-unavailable` and presence is dropped.
 */
export default async function component(module: Module): Promise<ComponentApi> {
  module.setGlobal();
  const options = readListenerOptions(module);
  const hosts = new Map<string, { module: Module; options: ComponentHostOptions }>();
  const connected = new Map<string, ComponentSession>();
  const sessions = new Set<ComponentSession>();
  const listeners = new Listeners<"component">(module, "component");

  const context: ComponentContext = {
    ...streamContext(module),
    options,
    serves: (host) => hosts.has(host),
    secretOf: (host) => hosts.get(host)?.options.secret,
    validatesFrom: (host) => hosts.get(host)?.options.validateFrom ?? true,
    attach: (session) => {
      const entry = hosts.get(session.host);
      if (entry === undefined) return { condition: "host-gone", text: `${session.host} is no longer served` };
      const existing = connected.get(session.host);
      if (existing !== undefined) {
        if (entry.options.conflict === "kick_new") {
          module.log(
            "warn",
            "a second connection for component %s was refused: it is already connected",
            session.host,
          );
          return { condition: "conflict", text: "Component already connected" };
        }
        module.server.sessionManager.destroy(existing, "conflict", "Replaced by a new connection");
      }
      connected.set(session.host, session);
      module.log("info", "external component %s connected from %s", session.host, session.ip);
      entry.module.fireEvent("component-authenticated", { session });
      return undefined;
    },
    forget: (session) => {
      sessions.delete(session);
      if (connected.get(session.host) === session) {
        connected.delete(session.host);
        module.log("info", "external component %s disconnected", session.host);
      }
    },
  };

  const closeAll = sessionShutdown(module, sessions, (host) => hosts.delete(host));

  await listeners.openAll(
    "component",
    options.interfaces,
    options.ports,
    () =>
      createServer({ noDelay: true, keepAlive: true }, (socket) => {
        const session = new ComponentSession(context, socket);
        sessions.add(session);
        module.log("debug", "component connection %s from %s", session.id, session.ip);
      }),
    "external components",
  );

  module.addHost = (hostModule: Module) => {
    if (hostModule.getHostType() !== "component") {
      throw new Error(
        `component serves Component hosts only, not the ${hostModule.getHostType() ?? "global"} host ${hostModule.host}: declare it under 'components' with a component_secret`,
      );
    }
    const host = hostModule.host;
    const hostOptions = readHostOptions(hostModule);
    if (hostOptions.secret === undefined) {
      hostModule.log("warn", "no component_secret is set for %s: its component cannot connect", host);
    }
    hosts.set(host, { module: hostModule, options: hostOptions });

    const route = (event: RoutingEvent) => {
      const session = connected.get(host);
      if (session !== undefined && !session.closed) {
        session.send(event.stanza);
        return true;
      }
      const { stanza } = event;
      const type = stanza.attrs.type as string | undefined;
      if (stanza.name === "presence" || type === "error" || type === "result") return true;
      const info = discoInfoWhileAway(hostModule, stanza);
      if (info !== undefined) {
        event.origin.send(info);
        return true;
      }
      hostModule.log("debug", "component %s is not connected; bouncing a <%s/>", host, stanza.name);
      event.origin.send(
        errorReply(
          stanza,
          {
            type: "wait",
            condition: "service-unavailable",
            text: "Component unavailable",
            extra: { namespace: NS.prosody_component, condition: "not-connected" },
          },
          undefined,
          undefined,
          host,
        ),
      );
      return true;
    };
    for (const name of ROUTED) hostModule.hook(name, route, ROUTE_PRIORITY);

    hostModule.unload = () => {
      closeAll("system-shutdown: component unloaded", (session) => session.host === host);
      hosts.delete(host);
    };
    return undefined;
  };

  module.unload = async () => {
    const closed = listeners.close();
    closeAll("system-shutdown: component unloaded");
    // Let the stream errors reach the wire; whatever did not close in time is cut.
    await flushThenDestroy(sessions, 1, (session) => session.flushed);
    await closed;
  };

  return {
    listeners: () => listeners.list(),
    connected: () => new Map(connected),
  };
}
