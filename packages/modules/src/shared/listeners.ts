import type { Server } from "node:net";
import type { Module } from "canto";

export interface Listener<K extends string> {
  kind: K;
  address: string;
  port: number;
}

/**
 * The servers a global module listens with (c2s, component, http): opened on every address and
 * port of its options, all or none (a port that cannot be bound closes every server of the set
 * and fails the load with the address, port and error code), listed for the start-up log, and
 * closed together at unload.
 */
export class Listeners<K extends string, S extends Server = Server> {
  readonly #module: Module;
  /** Names the module in errors (`c2s: cannot listen on ...`). */
  readonly #owner: string;
  readonly #servers: { kind: K; server: S }[] = [];

  constructor(module: Module, owner: string) {
    this.#module = module;
    this.#owner = owner;
  }

  /** Listens with `make()`'s server on each address × port; `what` says whom for, in the log. */
  async openAll(
    kind: K,
    addresses: readonly string[],
    ports: readonly number[],
    make: () => S,
    what: string,
  ): Promise<void> {
    try {
      for (const address of addresses)
        for (const port of ports) await this.#open(kind, address, port, make(), what);
    } catch (error) {
      for (const { server } of this.#servers) server.close();
      this.#servers.length = 0;
      throw error;
    }
  }

  async #open(kind: K, address: string, port: number, server: S, what: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        const label = kind === this.#owner ? "" : ` (${kind})`;
        reject(
          new Error(
            `${this.#owner}: cannot listen on ${address} port ${port}${label}: ${error.code ?? error.message}`,
          ),
        );
      });
      server.listen(port, address, () => resolve());
    });
    server.on("error", (error) =>
      this.#module.log("error", "listener %s:%d failed: %s", address, port, error),
    );
    this.#servers.push({ kind, server });
    const bound = server.address();
    this.#module.log(
      "info",
      "listening for %s on %s port %s",
      what,
      address,
      typeof bound === "object" && bound ? bound.port : port,
    );
  }

  /** Where the servers listen (the ports the system chose for port 0). */
  list(): Listener<K>[] {
    return this.#servers.flatMap(({ kind, server }) => {
      const bound = server.address();
      return typeof bound === "object" && bound !== null
        ? [{ kind, address: bound.address, port: bound.port }]
        : [];
    });
  }

  /** Stops accepting; settles once every server has closed (`each` runs on each first). */
  close(each?: (server: S) => void): Promise<void> {
    return Promise.all(
      this.#servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            each?.(server);
          }),
      ),
    ).then(() => undefined);
  }
}
