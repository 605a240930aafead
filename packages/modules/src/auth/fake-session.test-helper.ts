import { type CantoConfig, createTestServer, Element, metrics, type TestServer } from "canto";
import type { C2sSession } from "../shared/contracts.js";
import { authModules } from "./index.js";
import { digest, hmac, type ScramHash, saltedPassword } from "./scram.js";

/** A client connection as the transport would present it, recording what the server sends. */
export interface FakeC2s extends C2sSession {
  readonly sent: Element[];
  resets: number;
  readonly closed: (string | undefined)[];
}

let counter = 0;

export function fakeSession(
  t: TestServer,
  options: { secure?: boolean; ip?: string; host?: string } = {},
): FakeC2s {
  const sent: Element[] = [];
  const closed: (string | undefined)[] = [];
  const session: FakeC2s = {
    id: `c2s${++counter}`,
    ip: options.ip ?? "192.0.2.1",
    type: "c2s_unauthed",
    host: options.host ?? "localhost",
    secure: options.secure ?? true,
    canStartTls: false,
    startTls: async () => {},
    resetStream() {
      session.resets++;
    },
    close(reason) {
      closed.push(reason);
      t.server.sessions.unbind(session);
    },
    send(stanza) {
      sent.push(stanza);
    },
    state: new Map(),
    sent,
    resets: 0,
    closed,
  };
  return session;
}

/** A test server with the auth modules on `localhost` (and cheap SCRAM iterations). */
export async function authServer(
  options: Record<string, unknown> = {},
  modules?: string[],
  recorder?: MetricRecord[],
): Promise<TestServer> {
  const config = {
    modules_enabled: modules ?? ["auth_internal_hashed", "saslauth", "bind", "register"],
    scram_iteration_count: 4096,
    hosts: { localhost: {} },
    ...options,
  } as CantoConfig;
  if (recorder === undefined) return createTestServer({ modules: authModules, config });
  return createTestServer({
    modules: authModules,
    config,
    metrics: metrics.createMetrics({ meter: fakeMeter(recorder) }),
  });
}

/** The stream features the modules offer `session`. */
export async function features(t: TestServer, session: C2sSession): Promise<Element> {
  const element = new Element("stream:features");
  await t.server.host(session.host)!.events.fire("stream-features", { origin: session, features: element });
  return element;
}

/** The SASL mechanisms the modules offer `session`, or undefined when they offer none. */
export async function mechanismsOf(t: TestServer, session: C2sSession): Promise<string[] | undefined> {
  return (await features(t, session))
    .getChild("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl")
    ?.getChildren("mechanism")
    .map((m) => m.getText());
}

export function sasl(name: string, attrs: Record<string, string> = {}, data?: string): Element {
  const element = new Element(name, { xmlns: "urn:ietf:params:xml:ns:xmpp-sasl", ...attrs });
  if (data !== undefined) element.t(data);
  return element;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The last element sent, as `name` or `failure:<condition>`. */
export function last(session: FakeC2s): string {
  const element = session.sent.at(-1);
  if (element === undefined) return "(nothing)";
  if (element.name === "failure") {
    const condition = element.children.find((c) => typeof c === "object" && (c as Element).name !== "text");
    return `failure:${(condition as Element | undefined)?.name}`;
  }
  return element.name;
}

/** Runs a client side of SCRAM through the server; resolves with the last element name. */
export async function scramLogin(
  t: TestServer,
  session: FakeC2s,
  username: string,
  password: string,
  hash: ScramHash = "sha-256",
): Promise<string> {
  const mechanism = hash === "sha-1" ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
  const clientFirstBare = `n=${username},r=clientnonce`;
  await t.server.process(session, sasl("auth", { mechanism }, b64(`n,,${clientFirstBare}`)));
  const challenge = session.sent.at(-1)!;
  if (challenge.name !== "challenge") return last(session);
  const serverFirst = Buffer.from(challenge.getText(), "base64").toString("utf8");
  const fields = Object.fromEntries(serverFirst.split(",").map((part) => [part[0], part.slice(2)]));
  const salted = await saltedPassword(password, Buffer.from(fields.s!, "base64"), Number(fields.i), hash);
  const clientKey = hmac(hash, salted, "Client Key");
  const withoutProof = `c=biws,r=${fields.r}`;
  const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
  const signature = hmac(hash, digest(hash, clientKey), authMessage);
  const proof = Buffer.alloc(clientKey.length);
  for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
  await t.server.process(session, sasl("response", {}, b64(`${withoutProof},p=${proof.toString("base64")}`)));
  const outcome = session.sent.at(-1)!;
  if (outcome.name === "success") {
    const expected = hmac(hash, hmac(hash, salted, "Server Key"), authMessage).toString("base64");
    const got = Buffer.from(outcome.getText(), "base64").toString("utf8");
    if (got !== `v=${expected}`) throw new Error(`bad server signature ${got}`);
  }
  return last(session);
}

export function plainLogin(t: TestServer, session: FakeC2s, username: string, password: string) {
  return t.server.process(session, sasl("auth", { mechanism: "PLAIN" }, b64(`\0${username}\0${password}`)));
}

export interface MetricRecord {
  name: string;
  value: number;
  attributes: unknown;
}

type Meter = NonNullable<metrics.MetricsOptions["meter"]>;

/** An OpenTelemetry meter that writes down every value recorded. */
function fakeMeter(records: MetricRecord[]): Meter {
  const instrument = (name: string) => {
    const note = (value: number, attributes: unknown) => void records.push({ name, value, attributes });
    return { add: note, record: note, addCallback() {}, removeCallback() {} };
  };
  return new Proxy(
    {},
    { get: (_target, property) => (property === "then" ? undefined : instrument) },
  ) as unknown as Meter;
}

/** The sum of what was recorded into metrics whose name contains `part`. */
export function recorded(records: MetricRecord[], part: string): number {
  return records.filter((r) => r.name.includes(part)).reduce((sum, r) => sum + r.value, 0);
}
