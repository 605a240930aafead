import { Element } from "ltx";
import { describe, expect, it } from "vitest";
import { errorReply, message } from "./builders.js";
import {
  isStanzaErrorCondition,
  isStreamErrorCondition,
  NS_STREAMS,
  NS_XMPP_STREAMS,
  STANZA_ERROR_CONDITIONS,
  STREAM_ERROR_CONDITIONS,
} from "./conditions.js";
import { StanzaError, StreamError, streamError } from "./errors.js";

// Cases follow Prosody's spec/util_error_spec.lua.

describe("StanzaError", () => {
  it("defaults to cancel / undefined-condition, like util.error", () => {
    const e = new StanzaError();
    expect(e.type).toBe("cancel");
    expect(e.condition).toBe("undefined-condition");
    expect(e.code).toBe("undefined-condition");
    expect(e).toBeInstanceOf(Error);
    expect(e.context).toEqual({});
  });

  it("takes the RFC 6120 type of a condition when no type is given", () => {
    expect(new StanzaError("bad-request").type).toBe("modify");
    expect(new StanzaError({ condition: "item-not-found" }).type).toBe("cancel");
    expect(new StanzaError({ condition: "item-not-found", type: "wait" }).type).toBe("wait");
  });

  it("keeps code, text, extra and context", () => {
    const e = new StanzaError({
      type: "wait",
      condition: "internal-server-error",
      code: "storage-down",
      text: "later",
      extra: { uri: "file:///dev/null" },
      context: { traceback: "in some file, somewhere" },
    });
    expect(e.code).toBe("storage-down");
    expect(e.text).toBe("later");
    expect(e.message).toBe("later");
    expect(e.extra?.uri).toBe("file:///dev/null");
    expect(e.context).toEqual({ traceback: "in some file, somewhere" });
  });

  it("prints as error<type:condition:text>", () => {
    expect(String(new StanzaError())).toBe("error<cancel:undefined-condition>");
    expect(String(new StanzaError({ condition: "gone", text: "all gone" }))).toBe(
      "error<cancel:gone:all gone>",
    );
  });

  it("fromStanza() reads type, condition, by and the stanza", () => {
    const e = errorReply(message({ type: "chat" }), "modify", "bad-request", undefined, "error.example");
    const err = StanzaError.fromStanza(e);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err.type).toBe("modify");
    expect(err.condition).toBe("bad-request");
    expect(err.by).toBe("error.example");
    expect(err.context.stanza).toBe(e);
    expect(err.context.by).toBe("error.example");
  });

  it("fromStanza() falls back to the stanza's from for by, and keeps extra.tag", () => {
    const e = errorReply(message({ to: "me@example.com", type: "chat" }), "cancel", "not-acceptable");
    e.getChild("error")!.c("custom", { xmlns: "urn:example" });
    const err = StanzaError.fromStanza(e);
    expect(err.by).toBe("me@example.com");
    expect(err.extra?.tag?.is("custom", "urn:example")).toBe(true);
  });

  it("toStanza() is an error reply carrying it, and round-trips through fromStanza()", () => {
    const original = message({ from: "a@example.com/r", to: "b@example.com", id: "x1", type: "chat" });
    const err = new StanzaError({ condition: "gone", text: "moved", extra: { uri: "xmpp:c@example.com" } });
    const back = StanzaError.fromStanza(err.toStanza(original));
    expect([back.type, back.condition, back.text, back.extra?.uri]).toEqual([
      "cancel",
      "gone",
      "moved",
      "xmpp:c@example.com",
    ]);
  });
});

describe("conditions", () => {
  it("lists RFC 6120's 22 stanza conditions with types and 25 stream conditions", () => {
    expect(Object.keys(STANZA_ERROR_CONDITIONS)).toHaveLength(22);
    expect(STREAM_ERROR_CONDITIONS).toHaveLength(25);
    expect(isStanzaErrorCondition("item-not-found")).toBe(true);
    expect(isStanzaErrorCondition("toString")).toBe(false);
    expect(isStreamErrorCondition("restricted-xml")).toBe(true);
    expect(isStreamErrorCondition("item-not-found")).toBe(false);
  });
});

describe("stream errors", () => {
  it("streamError() builds RFC 6120 §4.9.2's element", () => {
    const el = streamError("host-unknown", "No such host");
    expect(el.is("error", NS_STREAMS)).toBe(true);
    expect(el.toString()).toBe(
      `<stream:error xmlns:stream="${NS_STREAMS}"><host-unknown xmlns="${NS_XMPP_STREAMS}"/>` +
        `<text xmlns="${NS_XMPP_STREAMS}">No such host</text></stream:error>`,
    );
  });

  it("streamError() can carry an application-specific element", () => {
    const el = streamError(
      "undefined-condition",
      undefined,
      new Element("escape-your-data", { xmlns: "urn:ex" }),
    );
    expect(el.getChild("escape-your-data", "urn:ex")).toBeDefined();
  });

  it("StreamError has condition, code and text, and renders as <stream:error>", () => {
    const e = new StreamError("policy-violation", "too big");
    expect([e.condition, e.code, e.text, e.message]).toEqual([
      "policy-violation",
      "policy-violation",
      "too big",
      "policy-violation: too big",
    ]);
    expect(e.toElement().getChild("policy-violation", NS_XMPP_STREAMS)).toBeDefined();
  });
});
