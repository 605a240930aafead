import { connect } from "node:net";

export const TEST_REDIS_URL = process.env.CANTO_TEST_REDIS ?? "redis://127.0.0.1:6379";

/** The command that starts the project's Redis (see STACK.md). */
export const START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

/** Resolves true when something answers PING with +PONG at `url` within `timeoutMs`. */
export function probeRedis(url = TEST_REDIS_URL, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}
