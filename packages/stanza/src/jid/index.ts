export { JidError, type JidPart } from "./error.js";
export { bareOf, domainOf, nodeOf, resourceOf } from "./fast.js";
export {
  bare,
  compareJids,
  type JidParts,
  jidEquals,
  join,
  MAX_PART_BYTES,
  type PrepOptions,
  parseJid,
  prepJid,
  splitJid,
} from "./jid.js";
export { defaultStringPrep, type StringPrep } from "./stringprep.js";
