// @xmpp/client connections for the end-to-end tests, with every received stanza recorded so that
// a test can wait for one that arrived before it started waiting.
import { type Client, client, type XmlElement, xml } from "@xmpp/client";
import { ScramSha256 } from "./scram-sha-256.js";

// The server's certificate is the self-signed one the tls module generates: this process only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

export type { XmlElement };
export { xml };

export type Mechanism = "SCRAM-SHA-1" | "SCRAM-SHA-256" | "PLAIN";

export interface ConnectOptions {
  port: number;
  username: string;
  password: string;
  resource?: string;
  mechanism?: Mechanism;
  /** The account's domain; default `localhost`. */
  domain?: string;
  /** Connect with XEP-0368 direct TLS instead of STARTTLS. */
  directTls?: boolean;
}

/** A logged-in client and what it received. */
export interface TestClient {
  xmpp: Client;
  jid: string;
  received: XmlElement[];
  /** Resolves with the first stanza (received or to come) matching `match`. */
  waitFor(match: (stanza: XmlElement) => boolean, timeoutMs?: number, what?: string): Promise<XmlElement>;
  /** Sends an IQ and resolves with the result; rejects with the error's condition for an error. */
  iq(type: "get" | "set", to: string | undefined, payload: XmlElement): Promise<XmlElement>;
  stop(): Promise<void>;
}

export function createClient(options: ConnectOptions): Client {
  const scheme = options.directTls ? "xmpps" : "xmpp";
  const xmpp = client({
    service: `${scheme}://127.0.0.1:${options.port}`,
    domain: options.domain ?? "localhost",
    resource: options.resource ?? "e2e",
    credentials: async (
      authenticate: (credentials: unknown, mechanism: string) => Promise<void>,
      offered: string[],
    ) => {
      const mechanism = options.mechanism ?? "SCRAM-SHA-1";
      if (!offered.includes(mechanism))
        throw new Error(`${mechanism} not offered (offered: ${offered.join(", ")})`);
      await authenticate({ username: options.username, password: options.password }, mechanism);
    },
  });
  xmpp.saslFactory.use(ScramSha256.mechanismName, ScramSha256);
  xmpp.reconnect.stop();
  // Errors surface through start() and the tests' assertions.
  xmpp.on("error", () => {});
  return xmpp;
}

/** Connects, authenticates and binds; sends initial presence unless `presence` is false. */
export async function connect(options: ConnectOptions, presence = true): Promise<TestClient> {
  const xmpp = createClient(options);
  const received: XmlElement[] = [];
  const waiters = new Set<{ match: (s: XmlElement) => boolean; resolve: (s: XmlElement) => void }>();
  xmpp.on("stanza", (stanza: XmlElement) => {
    received.push(stanza);
    for (const waiter of [...waiters]) {
      if (waiter.match(stanza)) {
        waiters.delete(waiter);
        waiter.resolve(stanza);
      }
    }
  });
  // @xmpp/client answers IQ sets itself; roster pushes (RFC 6121 §2.1.6) are recorded like stanzas.
  xmpp.iqCallee.set("jabber:iq:roster", "query", (context: { stanza: XmlElement }) => {
    received.push(context.stanza);
    for (const waiter of [...waiters]) {
      if (waiter.match(context.stanza)) {
        waiters.delete(waiter);
        waiter.resolve(context.stanza);
      }
    }
    return true;
  });
  const address = await xmpp.start();
  if (presence) await xmpp.send(xml("presence"));
  const self: TestClient = {
    xmpp,
    jid: String(address),
    received,
    waitFor(match, timeoutMs = 10_000, what = "a matching stanza") {
      const seen = received.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve };
        waiters.add(waiter);
        setTimeout(() => {
          if (!waiters.delete(waiter)) return;
          reject(
            new Error(
              `${self.jid}: timed out waiting for ${what}; received:\n${received.map(String).join("\n")}`,
            ),
          );
        }, timeoutMs);
      });
    },
    iq(type, to, payload) {
      return xmpp.iqCaller.request(xml("iq", { type, ...(to === undefined ? {} : { to }) }, payload), 10_000);
    },
    async stop() {
      if (xmpp.status !== "offline") await xmpp.stop().catch(() => {});
    },
  };
  return self;
}

/** The condition of an IQ error @xmpp/client rejected with. */
export async function iqErrorCondition(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { condition?: string }).condition ?? String(error);
  }
  throw new Error("expected an IQ error, got a result");
}
