import { clone, Element, errorReply, type Module, NS, type Session } from "canto";
import { reloadableOptions } from "../shared/options.js";
import { messageType, type OfflineHandleEvent } from "./message-rules.js";

/** Default of `offline_max_messages`: how many messages one user's offline store holds. */
export const DEFAULT_MAX_MESSAGES = 100;

/**
 * Whether a message is worth keeping for later (XEP-0160 §3): chat or normal, not marked
 * `<no-store/>` (XEP-0334), and carrying more than chat state notifications.
 */
export function isStorable(stanza: Element): boolean {
  const type = messageType(stanza);
  if (type !== "chat" && type !== "normal") return false;
  const children = stanza.getChildElements();
  if (children.some((child) => child.name === "no-store" && child.attrs.xmlns === NS.hints)) return false;
  return children.some((child) => child.attrs.xmlns !== NS.chatstates && child.attrs.xmlns !== NS.hints);
}

/**
 * XEP-0160: messages for users with no available resource are kept in the archive store
 * `offline` (at most `offline_max_messages` each, further ones bounced with
 * `service-unavailable`), and delivered with a XEP-0203 delay stamp at the user's next available
 * presence with a non-negative priority, then deleted.
 */
export default async function offline(module: Module): Promise<void> {
  const archive = await module.openStore("offline", "archive");
  const clock = module.server.scheduler.clock;
  const limit = reloadableOptions(module, () =>
    module.getOptionInteger("offline_max_messages", DEFAULT_MAX_MESSAGES, 0),
  );

  module.hook<OfflineHandleEvent>(
    "message/offline/handle",
    async ({ origin, stanza, username }) => {
      if (!isStorable(stanza)) return undefined;
      const { total } = await archive.find(username, { limit: 0, total: true });
      const maxMessages = limit();
      if ((total ?? 0) >= maxMessages) {
        module.log("debug", "offline store of %s is full (%d messages)", username, total);
        origin.send(
          errorReply(
            stanza,
            "cancel",
            "service-unavailable",
            "The recipient's offline message storage is full",
          ),
        );
        return true;
      }
      const from = stanza.attrs.from as string | undefined;
      await archive.append(username, undefined, clone(stanza), clock.now(), from);
      return true;
    },
    -1,
  );

  module.hook<{ username: string }>("user-deleted", async ({ username }) => {
    await archive.delete(username);
  });

  module.hook<{ origin: Session }>(
    "message/offline/broadcast",
    async ({ origin }) => {
      const username = origin.username;
      if (username === undefined) return undefined;
      const found = await archive.find(username);
      const delivered: string[] = [];
      for (const item of found.items) {
        const stored = item.value;
        if (!(stored instanceof Element)) continue;
        const stanza = clone(stored);
        stanza.c("delay", {
          xmlns: NS.delay,
          from: module.host,
          stamp: new Date(item.when * 1000).toISOString(),
        });
        origin.send(stanza);
        delivered.push(item.key);
      }
      if (delivered.length > 0) await archive.delete(username, { ids: delivered });
      return true;
    },
    -1,
  );
}
