import { nameprep, nodeprep, resourceprep } from "stanza/lib/stringprep/index.js";

/**
 * The three RFC 3920 stringprep profiles a JID needs. Each returns the prepared string or throws
 * when the input holds a prohibited code point or breaks the bidi rules; with `strict`, unassigned
 * code points are refused too (Prosody's `strict` flag). This is an interface so that another
 * implementation (libidn bindings, PRECIS) can be passed to `prepJid` without touching callers.
 */
export interface StringPrep {
  nodeprep(input: string, strict: boolean): string;
  nameprep(input: string, strict: boolean): string;
  resourceprep(input: string, strict: boolean): string;
}

/** The pure-TypeScript profiles of the `stanza` package (the tables of RFC 3454, Unicode 3.2). */
export const defaultStringPrep: StringPrep = {
  nodeprep: (input, strict) => nodeprep(input, !strict),
  nameprep: (input, strict) => nameprep(input, !strict),
  resourceprep: (input, strict) => resourceprep(input, !strict),
};
