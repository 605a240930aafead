import { randomUUID } from "node:crypto";
import { clone, type Element, errorReply, type Module, reply, type Session, StanzaError } from "canto";
import { reloadableOptions } from "../shared/options.js";
import { addSendLayer, type SendLayerHandle } from "../shared/send-layers.js";
import { identifierOf, NS_DATA, NS_PUSH, type PushService, publishIq } from "./push-summary.js";

interface IqEvent {
  origin: Session;
  stanza: Element;
}

type Registrations = Record<string, PushService>;

/** What a session that enabled push keeps: its registration, and the layer watching its sends. */
interface Enabled {
  identifier: string;
  layer: SendLayerHandle;
}

/**
 * Push notifications (XEP-0357) with the options of Prosody's community mod_cloud_notify: a client
 * registers an app server (`<enable jid node>`, optional publish-options form) and removes it
 * (`<disable jid [node]>`); registrations are kept per account (the newest `push_max_devices`).
 * A message for an account that has no session left (`message/offline/handle`) publishes to every
 * registration; one for a session whose connection dropped and that stream management keeps
 * (hibernating) publishes to that session's registration. An app server's error reply (other than
 * `wait`) counts against its registration, which goes after `push_max_errors`; a success resets it.
 */
export default async function cloudNotify(module: Module): Promise<void> {
  if (module.getHostType() !== "local") return;
  const store = await module.openStore("cloud_notify", "keyval");
  const options = reloadableOptions(module, () => ({
    withBody: module.getOptionBoolean("push_notification_with_body", false),
    withSender: module.getOptionBoolean("push_notification_with_sender", false),
    importantBody: module.getOptionString("push_notification_important_body", "New Message!"),
    maxErrors: module.getOptionInteger("push_max_errors", 16, 1),
    maxDevices: module.getOptionInteger("push_max_devices", 5, 1),
  }));
  const clock = module.server.scheduler.clock;
  const errors = new Map<string, number>();
  const enabled = new Map<Session, Enabled>();
  /** Stanzas already pushed for, per registration: one routed stanza is pushed once. */
  const pushed = new WeakMap<Element, Set<string>>();

  const load = async (username: string): Promise<Registrations> =>
    ((await store.get(username)) as unknown as Registrations | undefined) ?? {};
  const save = async (username: string, all: Registrations) => {
    const newest = Object.entries(all)
      .sort(([, a], [, b]) => b.timestamp - a.timestamp)
      .slice(0, options().maxDevices);
    await store.set(username, newest.length === 0 ? undefined : (Object.fromEntries(newest) as never));
  };

  const drop = async (username: string, identifier: string) => {
    const all = await load(username);
    delete all[identifier];
    await save(username, all);
    errors.delete(`${username}\n${identifier}`);
    for (const [session, state] of enabled) {
      if (session.username === username && state.identifier === identifier) forget(session);
    }
  };

  const push = (username: string, identifier: string, service: PushService, stanza: Element | undefined) => {
    if (stanza !== undefined) {
      const done = pushed.get(stanza) ?? new Set<string>();
      if (done.has(identifier)) return;
      done.add(identifier);
      pushed.set(stanza, done);
    }
    const iq = publishIq(module.host, randomUUID(), service, stanza, options());
    module.log("debug", "push for %s@%s to %s (%s)", username, module.host, service.jid, service.node);
    const key = `${username}\n${identifier}`;
    module.sendIq(iq).then(
      () => errors.delete(key),
      async (error: unknown) => {
        // Only the app server's own refusals count; a timeout or a `wait` error may pass.
        if (!(error instanceof StanzaError) || error.type === "wait") return;
        const count = (errors.get(key) ?? 0) + 1;
        errors.set(key, count);
        module.log("info", "push to %s failed (%s), %d error(s)", service.jid, error.condition, count);
        if (count < options().maxErrors) return;
        module.log("warn", "disabling push notifications of %s for %s", username, identifier);
        try {
          await drop(username, identifier);
        } catch (failure) {
          module.log("error", "cannot disable push for %s: %s", username, failure);
        }
      },
    );
  };

  const forget = (session: Session) => {
    const state = enabled.get(session);
    if (state === undefined) return;
    enabled.delete(session);
    state.layer.remove();
  };

  /** Watches a session's sends: while it hibernates, a message for it publishes a push. */
  const watch = (session: Session, identifier: string) => {
    forget(session);
    const layer = addSendLayer(session, (element, next) => {
      const state = enabled.get(session);
      const username = session.username;
      if (
        state !== undefined &&
        username !== undefined &&
        element.name === "message" &&
        (session as { hibernating?: boolean }).hibernating === true
      ) {
        load(username).then(
          (all) => {
            const service = all[state.identifier];
            if (service !== undefined) push(username, state.identifier, service, element);
          },
          (error: unknown) =>
            module.log("error", "cannot read push registrations of %s: %s", username, error),
        );
      }
      return next(element);
    });
    enabled.set(session, { identifier, layer });
  };

  module.hook("account-disco-info", ({ query }: { query: Element }) => {
    query.c("feature", { var: NS_PUSH });
    return undefined;
  });

  module.hook(`iq-set/self/${NS_PUSH}:enable`, async ({ origin, stanza }: IqEvent) => {
    const request = stanza.getChild("enable", NS_PUSH)!;
    const jid = request.attrs.jid as string | undefined;
    if (jid === undefined || jid === "" || origin.username === undefined) {
      origin.send(errorReply(stanza, "modify", "bad-request", "Missing jid"));
      return true;
    }
    const node = request.attrs.node as string | undefined;
    const form = request.getChild("x", NS_DATA);
    const identifier = identifierOf(jid, node);
    const service: PushService = {
      jid,
      node,
      options: form === undefined ? undefined : clone(form),
      timestamp: clock.now(),
    };
    try {
      const all = await load(origin.username);
      all[identifier] = service;
      await save(origin.username, all);
    } catch (error) {
      module.log("error", "cannot store push registration of %s: %s", origin.username, error);
      origin.send(errorReply(stanza, "wait", "internal-server-error"));
      return true;
    }
    errors.delete(`${origin.username}\n${identifier}`);
    watch(origin, identifier);
    module.log("info", "push notifications enabled for %s (%s)", origin.fullJid, identifier);
    origin.send(reply(stanza));
    return true;
  });

  module.hook(`iq-set/self/${NS_PUSH}:disable`, async ({ origin, stanza }: IqEvent) => {
    const request = stanza.getChild("disable", NS_PUSH)!;
    const jid = request.attrs.jid as string | undefined;
    if (jid === undefined || jid === "" || origin.username === undefined) {
      origin.send(errorReply(stanza, "modify", "bad-request", "Missing jid"));
      return true;
    }
    const node = request.attrs.node as string | undefined;
    const username = origin.username;
    try {
      const all = await load(username);
      for (const [identifier, service] of Object.entries(all)) {
        if (service.jid !== jid || (node !== undefined && service.node !== node)) continue;
        delete all[identifier];
        errors.delete(`${username}\n${identifier}`);
        for (const [session, state] of enabled) {
          if (session.username === username && state.identifier === identifier) forget(session);
        }
      }
      await save(username, all);
    } catch (error) {
      module.log("error", "cannot remove push registration of %s: %s", username, error);
      origin.send(errorReply(stanza, "wait", "internal-server-error"));
      return true;
    }
    origin.send(reply(stanza));
    return true;
  });

  // Ahead of the offline store (-1): the message is kept there, and every device hears of it.
  module.hook(
    "message/offline/handle",
    async ({ stanza, username }: { stanza: Element; username: string }) => {
      if (stanza.name !== "message") return undefined;
      const all = await load(username);
      for (const [identifier, service] of Object.entries(all)) push(username, identifier, service, stanza);
      return undefined;
    },
    1,
  );

  module.hook("resource-unbind", ({ session }: { session: Session }) => forget(session));

  module.hook("user-deleted", async ({ username }: { username: string }) => {
    for (const key of [...errors.keys()]) if (key.startsWith(`${username}\n`)) errors.delete(key);
    await store.set(username, undefined);
  });

  module.unload = () => {
    for (const session of [...enabled.keys()]) forget(session);
  };
}
