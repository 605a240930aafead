export { format, formatArgs } from "./format.js";
