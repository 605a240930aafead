// A bare TCP/TLS connection that writes what a test tells it to and records every byte back.
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export const STREAM_HEADER =
  "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

export class RawClient {
  text = "";
  readonly closed: Promise<void>;
  readonly #socket: Socket;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.text += chunk;
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.on("close", () => resolve()));
  }

  static plain(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = netConnect(port, "127.0.0.1", () => resolve(new RawClient(socket)));
      socket.once("error", reject);
    });
  }

  static directTls(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tlsConnect(
        {
          port,
          host: "127.0.0.1",
          servername: "localhost",
          rejectUnauthorized: false,
          ALPNProtocols: ["xmpp-client"],
        },
        () => resolve(new RawClient(socket)),
      );
      socket.once("error", reject);
    });
  }

  write(data: string | Buffer): void {
    this.#socket.write(data);
  }

  /** Sends the stream header and waits for the stream features. */
  async open(): Promise<void> {
    this.write(STREAM_HEADER);
    await this.waitFor(/<\/stream:features>/);
  }

  /** Resolves with the first match of `pattern` in everything received so far or later. */
  waitFor(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.text);
        if (match === null) return false;
        clearInterval(poll);
        clearTimeout(timer);
        resolve(match[0]);
        return true;
      };
      const poll = setInterval(check, 10);
      const timer = setTimeout(() => {
        clearInterval(poll);
        reject(new Error(`timed out waiting for ${pattern}; received: ${this.text}`));
      }, timeoutMs);
      check();
    });
  }

  /** Resolves once the server closed the connection, or rejects after `timeoutMs`. */
  waitClosed(timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection still open; received: ${this.text}`)),
        timeoutMs,
      );
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  destroy(): void {
    this.#socket.destroy();
  }
}
