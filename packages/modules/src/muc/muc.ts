import { bareOf, disco, type Element, errorReply, type Module, reply, resourceOf, type Session } from "canto";
import { handleAdmin, NS_MUC_ADMIN } from "./admin.js";
import { readServiceOptions } from "./config.js";
import { roomInfo, roomItems, serviceInfo, serviceItems } from "./disco.js";
import { MucError } from "./errors.js";
import { handlePresence } from "./join.js";
import { handlePrivateMessage, handleRoomMessage } from "./messages.js";
import { handleOwner, NS_MUC_OWNER } from "./owner.js";
import { NS_MUC } from "./presence.js";
import type { Room } from "./room.js";
import { MucService } from "./service.js";

interface RoutingEvent {
  origin: Session;
  stanza: Element;
}

/** What `module.depends("muc")` gives: the service, to find rooms and act on them. */
export interface MucApi {
  service: MucService;
  /** The room `jid`, loaded from storage when it is persistent and not in memory. */
  getRoom(jid: string): Promise<Room | undefined>;
}

const NS_PING = "urn:xmpp:ping";

/**
 * XEP-0045 multi-user chat on a component (`Component "conference.example.org" "muc"`): rooms
 * are created by joining them, configured by their owners, persisted in store `muc_rooms` when
 * persistent, and extended by other modules through the `muc-*` events (see events.ts).
 */
export default async function muc(module: Module): Promise<MucApi> {
  if (module.getHostType() !== "component") {
    // On a VirtualHost it would take every presence and message addressed to the host's users.
    throw new MucError(
      "not-a-component",
      `muc serves a component (Component "conference.${module.host}" "muc"), not ${module.host}`,
    );
  }
  const service = new MucService(
    module,
    readServiceOptions((name) => module.getOption(name)),
  );
  await service.open();
  module.addIdentity("conference", "text", module.getOptionString("name", "Chatrooms"));
  module.addFeature(NS_MUC);

  const withRoom = async (event: RoutingEvent, then: (room: Room) => unknown): Promise<unknown> => {
    const room = await service.getRoom(bareOf(event.stanza.attrs.to as string));
    if (room === undefined) {
      if (event.stanza.attrs.type === "error" || event.stanza.attrs.type === "result") return true;
      return service.refuse(event.origin, event.stanza, {
        type: "cancel",
        condition: "item-not-found",
        text: "No such room",
      });
    }
    return then(room);
  };

  module.hook(
    "presence/full",
    (event: RoutingEvent) => handlePresence(service, event.origin, event.stanza),
    1,
  );
  module.hook(
    "presence/bare",
    (event: RoutingEvent) => handlePresence(service, event.origin, event.stanza),
    1,
  );
  module.hook(
    "message/bare",
    (event: RoutingEvent) =>
      withRoom(event, (room) => handleRoomMessage(service, room, event.origin, event.stanza)),
    1,
  );
  module.hook(
    "message/full",
    (event: RoutingEvent) =>
      withRoom(event, (room) => handlePrivateMessage(service, room, event.origin, event.stanza)),
    1,
  );

  module.hook(`iq-get/host/${disco.NS_DISCO_INFO}:query`, (event: RoutingEvent) => {
    event.origin.send(serviceInfo(service, event.stanza));
    return true;
  });
  module.hook(`iq-get/host/${disco.NS_DISCO_ITEMS}:query`, async (event: RoutingEvent) => {
    event.origin.send(await serviceItems(service, event.stanza));
    return true;
  });
  module.hook(`iq-get/bare/${disco.NS_DISCO_INFO}:query`, (event: RoutingEvent) =>
    withRoom(event, async (room) => {
      event.origin.send(await roomInfo(service, room, event.stanza));
      return true;
    }),
  );
  module.hook(`iq-get/bare/${disco.NS_DISCO_ITEMS}:query`, (event: RoutingEvent) =>
    withRoom(event, (room) => {
      void room;
      event.origin.send(roomItems(event.stanza));
      return true;
    }),
  );
  module.hook(`iq/bare/${NS_MUC_ADMIN}:query`, (event: RoutingEvent) =>
    withRoom(event, (room) => handleAdmin(service, room, event.origin, event.stanza)),
  );
  module.hook(`iq/bare/${NS_MUC_OWNER}:query`, (event: RoutingEvent) =>
    withRoom(event, (room) => handleOwner(service, room, event.origin, event.stanza)),
  );

  // XEP-0410 self-ping: is my session still in the room under this nick?
  module.hook(
    "iq/full",
    (event: RoutingEvent) =>
      withRoom(event, (room) => {
        const { origin, stanza } = event;
        const type = stanza.attrs.type;
        if (type === "result" || type === "error") return true;
        const occupant = room.occupantByJid(stanza.attrs.from as string);
        if (occupant === undefined) {
          return service.refuse(origin, stanza, {
            type: "cancel",
            condition: "not-acceptable",
            text: "You are not in this room",
          });
        }
        if (
          stanza.getChild("ping", NS_PING) !== undefined &&
          occupant.nick === resourceOf(stanza.attrs.to as string)
        ) {
          origin.send(reply(stanza));
          return true;
        }
        origin.send(errorReply(stanza, "cancel", "service-unavailable", undefined, module.host));
        return true;
      }),
    1,
  );

  return {
    service,
    getRoom: async (jid) => service.getRoom(jid),
  };
}
