import luaparse from "luaparse";
import { ConfigParseError } from "../errors.js";

export type { Chunk } from "luaparse";

/**
 * Parses Lua source that was read as latin1 (one char per byte). luaparse only returns string
 * values in its "pseudo-latin1" mode; `decodeLuaString` turns them back into UTF-8 text.
 */
export function parseLua(latin1Source: string, file: string): luaparse.Chunk {
  try {
    return luaparse.parse(latin1Source, {
      locations: true,
      comments: false,
      scope: false,
      luaVersion: "5.3",
      encodingMode: "pseudo-latin1",
    });
  } catch (error) {
    const failure = error as { line?: number; message?: string };
    const line = typeof failure.line === "number" ? failure.line : undefined;
    // luaparse prefixes its messages with "[line:column] "; we put the file and line first instead.
    const message = String(failure.message ?? error).replace(/^\[\d+:\d+\]\s*/, "");
    throw new ConfigParseError(`syntax error: ${decodeLuaString(message)}`, { file, line, cause: error });
  }
}

/** Bytes held as latin1 chars → the UTF-8 text they encode. */
export function decodeLuaString(latin1: string): string {
  // Pure ASCII needs no work.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for bytes above 0x7f
  if (/^[\u0000-\u007f]*$/.test(latin1)) return latin1;
  return Buffer.from(latin1, "latin1").toString("utf8");
}
