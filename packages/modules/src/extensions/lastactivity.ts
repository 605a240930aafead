import { errorReply, type Module, NS, reply, type Session } from "canto";
import { answering, bareOf, isContactSubscribed, nodeOf, now, type StanzaEvent } from "./util.js";

/** What `lastlog` keeps per account: when its last session ended, and the status it left with. */
interface LastLog {
  time: number;
  status: string;
}

function readLastLog(value: unknown): LastLog | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { time, status } = value as { time?: unknown; status?: unknown };
  if (typeof time !== "number" || !Number.isFinite(time)) return undefined;
  return { time, status: typeof status === "string" ? status : "" };
}

/**
 * XEP-0012 for accounts: how long ago an account's last session ended, and the status of its last
 * unavailable presence (keyval store `lastlog`). An account online now has been idle 0 seconds.
 * Only the account itself and contacts subscribed to its presence may ask; others get `forbidden`.
 */
export default async function lastactivity(module: Module): Promise<void> {
  module.addFeature(NS.last);
  const lastlog = await module.openStore("lastlog");
  const roster = await module.openStore("roster");
  const leavingStatus = new WeakMap<Session, string>();
  const writes = new Map<string, Promise<void>>();

  // The status of a client's own unavailable broadcast, kept until its session ends.
  module.hook(
    "pre-presence/bare",
    (event: StanzaEvent) => {
      const { stanza, origin } = event;
      if (event.to_self !== true || stanza.attrs.type !== "unavailable") return undefined;
      leavingStatus.set(origin, stanza.getChildText("status") ?? "");
      return undefined;
    },
    10,
  );

  module.hook("resource-unbind", (event: { session: Session }) => {
    const { session } = event;
    if (session.username === undefined || session.host !== module.host) return undefined;
    const username = session.username;
    const record: LastLog = { time: now(module), status: leavingStatus.get(session) ?? "" };
    const write = lastlog.set(username, { ...record }).then(
      () => {},
      (error: unknown) => {
        module.log("error", "could not store the last activity of %s: %s", username, error);
      },
    );
    writes.set(username, write);
    void write.finally(() => {
      if (writes.get(username) === write) writes.delete(username);
    });
    return undefined;
  });

  module.hook(`iq-get/bare/${NS.last}:query`, (event: StanzaEvent) => {
    const { origin, stanza } = event;
    const from = stanza.attrs.from as string | undefined;
    const to = stanza.attrs.to as string | undefined;
    const account = to ?? (from === undefined ? undefined : bareOf(from));
    const username = account === undefined ? undefined : nodeOf(account);
    if (account === undefined || username === undefined) return undefined;
    return answering(module, event, async () => {
      const requester = from === undefined ? undefined : bareOf(from);
      const allowed =
        requester === account ||
        (requester !== undefined && (await isContactSubscribed(roster, username, requester)));
      if (!allowed) {
        origin.send(errorReply(stanza, "auth", "forbidden"));
        return;
      }
      let seconds = 0;
      let status = "";
      if (module.server.sessions.bare(account) === undefined) {
        await writes.get(username);
        const record = readLastLog(await lastlog.get(username));
        if (record === undefined) {
          origin.send(
            errorReply(stanza, "cancel", "item-not-found", "No last activity is recorded for this account"),
          );
          return;
        }
        seconds = Math.max(0, Math.floor(now(module) - record.time));
        status = record.status;
      }
      const answer = reply(stanza);
      if (to === undefined) answer.attrs.from = account;
      const query = answer.c("query", { xmlns: NS.last, seconds: String(seconds) });
      if (status !== "") query.t(status);
      origin.send(answer);
    });
  });
}
