import { createServer, type Server, type Socket } from "node:net";
import { type SecureContext, TLSSocket } from "node:tls";
import type { Module } from "canto";
import type { C2sSession } from "../shared/contracts.js";
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
  const servers: { kind: "c2s" | "direct_tls"; server: Server }[] = [];
  const scheduler = module.server.scheduler;

  const secureContextFor = (host: string): SecureContext | undefined => {
    const hostModule = hosts.get(host);
    if (hostModule === undefined) return undefined;
    return hostModule.getHostItems<TlsContextItem>(TLS_CONTEXT_ITEM).find((item) => item.host === host)
      ?.secureContext;
  };

  const context: TransportContext = {
    options,
    server: module.server,
    hostModule: (name) => hosts.get(name),
    secureContextFor,
    addTimer: (delay, callback) => module.addTimer(delay, callback),
    now: () => scheduler.clock.monotonic(),
    log: (level, fmt, ...args) => module.log(level, fmt, ...args),
    forget: (session) => {
      sessions.delete(session);
      const peers = byIp.get(session.ip);
      peers?.delete(session);
      if (peers?.size === 0) byIp.delete(session.ip);
    },
  };

  const refuse = (socket: Socket, text: string) => {
    module.log("info", "refusing connection from %s: %s", socket.remoteAddress, text);
    socket.end(
      `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>` +
        `<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>${text}</text></stream:error></stream:stream>`,
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

  const listen = async (kind: "c2s" | "direct_tls", address: string, port: number) => {
    const server = createServer({ noDelay: true, keepAlive: true }, (socket) =>
      accept(socket, kind === "direct_tls"),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) =>
        reject(
          new Error(
            `c2s: cannot listen on ${address} port ${port} (${kind}): ${error.code ?? error.message}`,
          ),
        ),
      );
      server.listen(port, address, () => resolve());
    });
    server.on("error", (error) => module.log("error", "listener %s:%d failed: %s", address, port, error));
    servers.push({ kind, server });
    const bound = server.address();
    module.log(
      "info",
      "listening for clients on %s port %s%s",
      address,
      typeof bound === "object" && bound ? bound.port : port,
      kind === "direct_tls" ? " (direct TLS)" : "",
    );
  };

  const closeAll = (condition: string, filter?: (session: StreamSession) => boolean) => {
    for (const session of [...sessions]) {
      if (filter === undefined || filter(session)) module.server.sessionManager.destroy(session, condition);
    }
  };

  try {
    for (const address of options.interfaces)
      for (const port of options.ports) await listen("c2s", address, port);
    for (const address of options.directTlsInterfaces)
      for (const port of options.directTlsPorts) await listen("direct_tls", address, port);
  } catch (error) {
    for (const { server } of servers) server.close();
    throw error;
  }

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

  module.hook("server-stopping", (event: { reason?: string } | undefined) => {
    closeAll(`system-shutdown: ${event?.reason ?? "server stopping"}`);
  });
  module.hook("host-deactivating", (event: { host: string; reason?: string }) => {
    closeAll(`host-gone: ${event.reason ?? "host deactivated"}`, (session) => session.host === event.host);
    hosts.delete(event.host);
  });

  module.unload = async () => {
    const closed = Promise.all(
      servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    closeAll("system-shutdown: c2s unloaded");
    if (sessions.size > 0) {
      // Let the stream errors reach the wire (module timers stop with the unload, so a plain timer caps the wait).
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...sessions].map((session) => session.flushed)),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, Math.min(options.closeTimeout, 1) * 1000);
        }),
      ]);
      clearTimeout(timeout);
    }
    // Whatever did not close in time is cut: nothing outlives the module.
    for (const session of sessions) session.destroy();
    await closed;
  };

  return {
    listeners: () =>
      servers.flatMap(({ kind, server }) => {
        const bound = server.address();
        return typeof bound === "object" && bound !== null
          ? [{ kind, address: bound.address, port: bound.port }]
          : [];
      }),
    sessions: () => [...sessions],
  };
}
