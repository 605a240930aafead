import type { disco, Element, Session } from "canto";
import type { Occupant, Room } from "./room.js";

// The `muc-*` events the service fires on its component host, with Prosody's names, so other
// modules extend rooms: `module.hook<MucOccupantPreJoinEvent>("muc-occupant-pre-join", ...)`.
// A handler returning a value halts the event; for the pre-events that refuses the action (the
// handler has answered the stanza itself).

/** `muc-room-created`: a room was just created (not restored from storage). */
export interface MucRoomEvent {
  room: Room;
  /** The stanza that created it. */
  stanza?: Element;
  origin?: Session;
}

/** `muc-occupant-pre-join`: an occupant is about to enter; halting refuses it. */
export interface MucOccupantPreJoinEvent {
  room: Room;
  occupant: Occupant;
  stanza: Element;
  origin: Session;
}

/** `muc-occupant-joined` and `muc-occupant-left`. */
export interface MucOccupantEvent {
  room: Room;
  occupant: Occupant;
  nick: string;
  stanza?: Element;
}

/** `muc-occupant-groupchat` (halting drops the message) and `muc-broadcast-message`. */
export interface MucMessageEvent {
  room: Room;
  occupant?: Occupant;
  /** The message as the room broadcasts it (from the occupant JID); handlers may add to it. */
  stanza: Element;
  origin?: Session;
}

/** `muc-config-form`: the owner asked for the form; handlers may push fields onto `fields`. */
export interface MucConfigFormEvent {
  room: Room;
  actor: string;
  form: Element;
}

/** `muc-config-submitted`: a form was accepted; `fields` is what was submitted, `changed` the names that changed. */
export interface MucConfigSubmittedEvent {
  room: Room;
  actor: string;
  fields: disco.Form;
  changed: string[];
  /** Status codes for the configuration change message (104 is added when anything changed). */
  statusCodes: number[];
}

/** `muc-disco#info`: a room's disco#info answer, before it is sent; add features or form fields. */
export interface MucDiscoInfoEvent {
  room: Room;
  reply: Element;
  /** The muc#roominfo form's fields. */
  formFields: disco.FieldInput[];
  features: Set<string>;
}

/** `muc-room-destroyed`. */
export interface MucRoomDestroyedEvent {
  room: Room;
  reason?: string;
  alternate?: string;
}

/** Every `muc-*` event by name, with its payload. */
export interface MucEvents {
  "muc-room-created": MucRoomEvent;
  "muc-room-destroyed": MucRoomDestroyedEvent;
  "muc-occupant-pre-join": MucOccupantPreJoinEvent;
  "muc-occupant-joined": MucOccupantEvent;
  "muc-occupant-left": MucOccupantEvent;
  "muc-occupant-groupchat": MucMessageEvent;
  "muc-broadcast-message": MucMessageEvent;
  "muc-config-form": MucConfigFormEvent;
  "muc-config-submitted": MucConfigSubmittedEvent;
  "muc-disco#info": MucDiscoInfoEvent;
}
