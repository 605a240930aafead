import type { Module, Session } from "canto";

export type CloseAll<S> = (condition: string, filter?: (session: S) => boolean) => void;

/**
 * How a global transport module (c2s, component, websocket) ends its sessions: `closeAll` ends
 * them (or those `filter` picks) with a stream error through the session manager, and is hooked
 * here to the server's stop (`system-shutdown`) and to a host's deactivation (`host-gone` for that
 * host's sessions, then `forgetHost`).
 */
export function sessionShutdown<S extends Session>(
  module: Module,
  sessions: ReadonlySet<S>,
  forgetHost: (host: string) => void,
): CloseAll<S> {
  const closeAll: CloseAll<S> = (condition, filter) => {
    for (const session of [...sessions]) {
      if (filter === undefined || filter(session)) module.server.sessionManager.destroy(session, condition);
    }
  };
  module.hook("server-stopping", (event: { reason?: string } | undefined) => {
    closeAll(`system-shutdown: ${event?.reason ?? "server stopping"}`);
  });
  module.hook("host-deactivating", (event: { host: string; reason?: string }) => {
    closeAll(`host-gone: ${event.reason ?? "host deactivated"}`, (session) => session.host === event.host);
    forgetHost(event.host);
  });
  return closeAll;
}

/**
 * Waits until every session has `settled` (its closing output reached the OS, say), at most
 * `seconds` (module timers stop with the unload, so a plain timer caps the wait), then cuts
 * whatever is left.
 */
export async function flushThenDestroy<S extends { destroy(): void }>(
  sessions: Iterable<S>,
  seconds: number,
  settled: (session: S) => Promise<void>,
): Promise<void> {
  const open = [...sessions];
  if (open.length > 0) {
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(open.map(settled)),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, seconds * 1000);
      }),
    ]);
    clearTimeout(timeout);
  }
  for (const session of open) session.destroy();
}
