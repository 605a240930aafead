import * as ltx from "ltx";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { JidParts, StanzaErrorCondition, StanzaErrorInfo, StreamErrorCondition } from "./index.js";
import * as api from "./index.js";

describe("package entry", () => {
  it("re-exports ltx's own Element class, so instanceof works across packages", () => {
    expect(api.Element).toBe(ltx.Element);
    expect(api.message()).toBeInstanceOf(ltx.Element);
  });

  it("exports the documented API", () => {
    for (const name of [
      "message",
      "presence",
      "iq",
      "reply",
      "errorReply",
      "getError",
      "StanzaError",
      "StreamError",
      "streamError",
      "splitJid",
      "parseJid",
      "prepJid",
      "bare",
      "join",
      "compareJids",
      "jidEquals",
      "JidError",
      "defaultStringPrep",
      "StreamParser",
      "STANZA_ERROR_CONDITIONS",
      "STREAM_ERROR_CONDITIONS",
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it("types the API", () => {
    expectTypeOf(api.iq).parameter(0).toHaveProperty("id").toEqualTypeOf<string>();
    expectTypeOf(api.getError).returns.toEqualTypeOf<StanzaErrorInfo | undefined>();
    expectTypeOf(api.parseJid).returns.toEqualTypeOf<JidParts>();
    expectTypeOf(api.splitJid).returns.toEqualTypeOf<JidParts | undefined>();
    expectTypeOf<"item-not-found">().toMatchTypeOf<StanzaErrorCondition>();
    expectTypeOf<"restricted-xml">().toMatchTypeOf<StreamErrorCondition>();
    expectTypeOf(new api.StreamError("reset").condition).toEqualTypeOf<StreamErrorCondition>();
    expectTypeOf(new api.JidError("x", "node", "why").code).toEqualTypeOf<"jid-malformed">();
    // @ts-expect-error an IQ needs an id
    expect(() => api.iq({ type: "get" })).toThrow();
  });
});
