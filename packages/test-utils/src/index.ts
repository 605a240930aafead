export { type PackedInstall, packAndInstall } from "./pack.js";
