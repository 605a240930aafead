export { type PackedInstall, type PackOptions, packAndInstall } from "./pack.js";
