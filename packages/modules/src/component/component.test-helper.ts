import { connect, type Socket } from "node:net";
import { type Component, component, xml } from "@xmpp/component";
import { type CantoConfig, createTestServer, type TestServer } from "canto";
import type { ComponentApi } from "./component.js";
import { componentModules } from "./index.js";

export const SECRET = "s3cret";

export interface Started {
  t: TestServer;
  api: ComponentApi;
  port: number;
}

/** A server with `localhost` and the external component `gw.localhost`, listening on a free port. */
export async function start(config: Partial<CantoConfig> = {}): Promise<Started> {
  const t = await createTestServer({
    modules: { ...componentModules },
    config: {
      component_ports: [0],
      hosts: { localhost: {} },
      components: { "gw.localhost": { module: "component", component_secret: SECRET } },
      ...config,
    } as CantoConfig,
  });
  const api = t.server.global.modules.get("component")?.exports as ComponentApi | undefined;
  if (api === undefined) throw new Error("the component module was not loaded globally");
  const port = api.listeners()[0]?.port;
  if (port === undefined) throw new Error("the component module has no listener");
  return { t, api, port };
}

export type XmppComponent = Component;

/** Connects an @xmpp/component client; settles once it is online or got an error. */
export async function connectComponent(
  port: number,
  domain: string,
  password: string,
): Promise<{ xmpp: XmppComponent; outcome: "online" | (Error & { condition?: string }) }> {
  const xmpp = component({ service: `xmpp://127.0.0.1:${port}`, domain, password });
  xmpp.reconnect.stop();
  const outcome = new Promise<"online" | Error>((resolve) => {
    xmpp.on("online", () => resolve("online"));
    xmpp.on("error", (error: Error) => resolve(error));
  });
  xmpp.start().catch(() => {});
  return { xmpp, outcome: await outcome };
}

export { xml };

/** Waits until `check` holds (the server side of a socket lags the client side by a tick or two). */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A bare TCP peer for protocol details the client library hides. */
export class RawPeer {
  text = "";
  ended = false;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.text += chunk;
    });
    socket.on("close", () => {
      this.ended = true;
    });
    socket.on("error", () => {});
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    return new RawPeer(socket);
  }

  write(data: string): void {
    this.socket.write(data);
  }

  open(to: string): void {
    this.write(
      `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${to}'>`,
    );
  }

  async waitFor(pattern: string | RegExp, ms = 3000): Promise<string> {
    const found = () => (typeof pattern === "string" ? this.text.includes(pattern) : pattern.test(this.text));
    await until(found, ms);
    return this.text;
  }

  clear(): void {
    this.text = "";
  }

  destroy(): void {
    this.socket.destroy();
  }
}
