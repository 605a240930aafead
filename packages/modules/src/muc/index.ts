import type { ModuleSetup } from "canto";
import muc from "./muc.js";

export type { RoomConfig, ServiceOptions } from "./config.js";
export { MucError, type MucErrorCode } from "./errors.js";
export type * from "./events.js";
export type { MucApi } from "./muc.js";
export type { Affiliation, Role } from "./roles.js";
export type { Occupant, Room, StoredRoom } from "./room.js";

/** The multi-user chat modules, by the name `modules_enabled` (or a Component line) uses. */
export const mucModules: Readonly<Record<string, ModuleSetup>> = Object.freeze({ muc });
