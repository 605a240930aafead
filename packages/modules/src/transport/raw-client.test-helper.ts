import { connect as netConnect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";

/** A raw XMPP client for transport tests: writes text, collects what the server sends. */
export class RawClient {
  socket: Socket;
  /** Everything received so far (since the last `clear()`). */
  text = "";
  ended = false;
  readonly #waiters = new Set<() => void>();
  #closed!: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.#watch(socket);
  }

  static async connect(
    port: number,
    options: { tls?: boolean; servername?: string; ALPN?: string[] } = {},
  ): Promise<RawClient> {
    const socket = options.tls
      ? tlsConnect({
          port,
          host: "127.0.0.1",
          rejectUnauthorized: false,
          servername: options.servername,
          ALPNProtocols: options.ALPN,
        })
      : netConnect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.tls ? "secureConnect" : "connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  #watch(socket: Socket): void {
    socket.setEncoding("utf8");
    socket.on("data", (data: string) => {
      this.text += data;
      for (const wake of [...this.#waiters]) wake();
    });
    socket.on("error", () => {});
    this.#closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.ended = true;
        for (const wake of [...this.#waiters]) wake();
        resolve();
      }),
    );
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  open(to = "localhost", extra = ""): void {
    this.write(
      `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='${to}' version='1.0'${extra}>`,
    );
  }

  clear(): void {
    this.text = "";
  }

  /** Resolves with the received text once it matches; rejects after `ms`. */
  waitFor(pattern: RegExp | string, ms = 3000): Promise<string> {
    const matches = () =>
      typeof pattern === "string" ? this.text.includes(pattern) : pattern.test(this.text);
    if (matches()) return Promise.resolve(this.text);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern}; received: ${this.text.slice(0, 2000)}`));
      }, ms);
      const check = () => {
        if (!matches()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(this.text);
      };
      this.#waiters.add(check);
    });
  }

  /** Resolves once the server closed the connection; rejects after `ms`. */
  closed(ms = 3000): Promise<void> {
    return Promise.race([
      this.#closed,
      new Promise<void>((_, reject) =>
        setTimeout(
          () => reject(new Error(`connection still open; received: ${this.text.slice(0, 2000)}`)),
          ms,
        ).unref(),
      ),
    ]);
  }

  /** Upgrades to TLS in place (after `<proceed/>`). */
  /** `first` is written the moment the handshake ends, as an eager client sends its new stream. */
  async startTls(servername = "localhost", first?: string): Promise<void> {
    this.socket.removeAllListeners("data");
    const secure: TLSSocket = tlsConnect({ socket: this.socket, rejectUnauthorized: false, servername });
    this.socket = secure;
    this.text = "";
    this.#watch(secure);
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => {
        if (first !== undefined) secure.write(first);
        resolve();
      });
      secure.once("error", reject);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}
