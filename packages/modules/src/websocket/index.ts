import type { ModuleSetup } from "canto";
import websocket from "./websocket.js";

export type { WebSocketApi } from "./websocket.js";

/** The WebSocket modules, by name. */
export const websocketModules: Record<string, ModuleSetup> = {
  websocket,
};
