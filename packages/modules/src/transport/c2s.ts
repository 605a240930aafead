import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import { type Module, stanza } from "canto";
import type { C2sSession } from "../shared/contracts.js";
import { NS } from "../shared/contracts.js";
import { Listeners } from "../shared/listeners.js";
import { flushThenDestroy, sessionShutdown } from "../shared/session-shutdown.js";
import { streamContext } from "../stream/stream-core.js";
import { streamHeader } from "../stream/stream-header.js";
import { readC2sOptions } from "./c2s-options.js";
import { StreamSession, type TransportContext } from "./c2s-session.js";
import { TLS_CONTEXT_ITEM, type TlsContextItem, tlsTransport } from "./tls-context.js";

/** What `c2s` exports (its module's `exports`): where it listens and who is connected. */
export interface C2sApi {
  listeners(): { kind: "c2s" | "direct_tls"; address: string; port: number }[];
  sessions(): C2sSession[];
}

/**
 * Client-to-server streams over TCP (RFC 6120), with STARTTLS and XEP-0368 direct TLS.
 *
 * Shared module, as Prosody's mod_c2s: the global instance owns the listeners (a port is bound
 * once however many hosts there are) and every connection; each host that loads c2s gets a host
 * instance, which registers the host as served. A stream header's `to` picks the host instance,
 * whose events (`stream-features`, `stanza/...`) and options (`c2s_require_encryption`) the
 * session then uses.
 */
export default async function c2s(module: Module): Promise<C2sApi> {
  module.setGlobal();
  const options = readC2sOptions(module);
  const hosts = new Map<string, Module>();
  const sessions = new Set<StreamSession>();
  const byIp = new Map<string, Set<StreamSession>>();
  const listeners = new Listeners<"c2s" | "direct_tls">(module, "c2s");

  const secureContextFor = (host: string): SecureContext | undefined => {
    const hostModule = hosts.get(host);
    if (hostModule === undefined) return undefined;
    return hostModule.getHostItems<TlsContextItem>(TLS_CONTEXT_ITEM).find((item) => item.host === host)
      ?.secureContext;
  };

  const context: TransportContext = {
    ...streamContext(module),
    options,
    hostModule: (name) => hosts.get(name),
    secureContextFor,
    forget: (session) => {
      sessions.delete(session);
      const peers = byIp.get(session.ip);
      peers?.delete(session);
      if (peers?.size === 0) byIp.delete(session.ip);
    },
  };

  const refuse = (socket: Socket, text: string) => {
    module.log("info", "refusing connection from %s: %s", socket.remoteAddress, text);
    const error = stanza.streamError("policy-violation", text);
    delete error.attrs["xmlns:stream"];
    socket.end(
      `${streamHeader({ ns: NS.client, id: randomBytes(12).toString("base64url") })}${error}</stream:stream>`,
    );
    socket.on("error", () => {});
    module.addTimer(options.closeTimeout, () => {
      socket.destroy();
      return undefined;
    });
  };

  const accept = (socket: Socket, directTls: boolean) => {
    const ip = socket.remoteAddress ?? "unknown";
    const peers = byIp.get(ip);
    let unauthed = 0;
    for (const peer of peers ?? []) if (peer.type === "c2s_unauthed") unauthed++;
    if (unauthed >= options.maxUnauthedPerIp) {
      if (directTls) socket.destroy();
      else refuse(socket, "too many unauthenticated connections from your address");
      return;
    }
    let stream: Socket = socket;
    if (directTls) {
      // XEP-0368: TLS from the first byte; SNI picks the host's certificate.
      const fallback = [...hosts.keys()]
        .sort()
        .map(secureContextFor)
        .find((ctx) => ctx !== undefined);
      if (fallback === undefined) {
        module.log("warn", "direct TLS connection from %s, but no host has a certificate (load tls)", ip);
        socket.destroy();
        return;
      }
      stream = new TLSSocket(tlsTransport(socket), {
        isServer: true,
        secureContext: fallback,
        ALPNProtocols: ["xmpp-client"],
        SNICallback: (servername, done) => done(null, secureContextFor(servername.toLowerCase()) ?? fallback),
      });
    }
    const session = new StreamSession(context, stream, directTls, socket);
    sessions.add(session);
    if (peers === undefined) byIp.set(ip, new Set([session]));
    else peers.add(session);
    module.log("debug", "connection %s from %s%s", session.id, ip, directTls ? " (direct TLS)" : "");
  };

  const closeAll = sessionShutdown(module, sessions, (host) => hosts.delete(host));

  const tcpServer = (kind: "c2s" | "direct_tls") => () =>
    createServer({ noDelay: true, keepAlive: true }, (socket) => accept(socket, kind === "direct_tls"));
  await listeners.openAll("c2s", options.interfaces, options.ports, tcpServer("c2s"), "clients");
  await listeners.openAll(
    "direct_tls",
    options.directTlsInterfaces,
    options.directTlsPorts,
    tcpServer("direct_tls"),
    "clients (direct TLS)",
  );

  module.addHost = (hostModule: Module) => {
    if (hostModule.getHostType() !== "local") return undefined;
    const host = hostModule.host;
    hosts.set(host, hostModule);
    hostModule.unload = () => {
      closeAll("system-shutdown: c2s unloaded", (session) => session.host === host);
      hosts.delete(host);
    };
    return undefined;
  };

  module.unload = async () => {
    const closed = listeners.close();
    closeAll("system-shutdown: c2s unloaded");
    // Let the stream errors reach the wire; whatever did not close in time is cut.
    await flushThenDestroy(sessions, Math.min(options.closeTimeout, 1), (session) => session.flushed);
    await closed;
  };

  return {
    listeners: () => listeners.list(),
    sessions: () => [...sessions],
  };
}
