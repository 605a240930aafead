export * from "./config.js";
export * from "./errors.js";
export * from "./items.js";
export * from "./protocol.js";
export * from "./service.js";
