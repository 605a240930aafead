import { Element } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

const NS = "vcard-temp";

describe("vcard", () => {
  it("lets an account set its vCard and anyone read it", async () => {
    const t = await serverWith(["vcard"]);
    const alice = t.connect("alice@localhost/phone");
    const set = request("set", undefined, "vCard", NS);
    set.payload.c("FN").t("Alice Liddell");
    expect(outcome(await ask(alice, set.stanza))).toBe("result");

    const own = await ask(alice, request("get", undefined, "vCard", NS).stanza);
    expect(own.getChild("vCard", NS)!.getChildText("FN")).toBe("Alice Liddell");
    expect(own.attrs.from).toBe("alice@localhost");

    const bob = t.connect("bob@localhost/desk");
    const other = await ask(bob, request("get", "alice@localhost", "vCard", NS).stanza);
    expect(outcome(other)).toBe("result");
    expect(other.attrs.from).toBe("alice@localhost");
    expect(other.getChild("vCard", NS)!.getChildText("FN")).toBe("Alice Liddell");
  });

  it("answers item-not-found for an account without a vCard, and for the host's", async () => {
    const t = await serverWith(["vcard"]);
    const bob = t.connect("bob@localhost/desk");
    expect(outcome(await ask(bob, request("get", "carol@localhost", "vCard", NS).stanza))).toBe(
      "cancel/item-not-found",
    );
    expect(outcome(await ask(bob, request("get", "localhost", "vCard", NS).stanza))).toBe(
      "cancel/item-not-found",
    );
  });

  it("serves a host vCard put in the store, and refuses to set it over XMPP", async () => {
    const t = await serverWith(["vcard"]);
    const card = new Element("vCard", { xmlns: NS });
    card.c("FN").t("Example Server");
    await (await t.server.storage.open("localhost", "vcard", "keyval")).set(undefined, card);
    const bob = t.connect("bob@localhost/desk");
    const answer = await ask(bob, request("get", "localhost", "vCard", NS).stanza);
    expect(answer.getChild("vCard", NS)!.getChildText("FN")).toBe("Example Server");
    expect(outcome(await ask(bob, request("set", "localhost", "vCard", NS).stanza))).toBe("auth/forbidden");
  });

  it("forbids setting another account's vCard", async () => {
    const t = await serverWith(["vcard"]);
    const bob = t.connect("bob@localhost/desk");
    const set = request("set", "alice@localhost", "vCard", NS);
    set.payload.c("FN").t("Not Alice");
    expect(outcome(await ask(bob, set.stanza))).toBe("auth/forbidden");
    expect(outcome(await ask(bob, request("get", "alice@localhost", "vCard", NS).stanza))).toBe(
      "cancel/item-not-found",
    );
  });

  it("refuses a vCard over vcard_max_size, and clears the vCard with an empty one", async () => {
    const t = await serverWith(["vcard"], { vcard_max_size: 200, hosts: { localhost: {} } });
    const alice = t.connect("alice@localhost/phone");
    const big = request("set", undefined, "vCard", NS);
    big.payload.c("PHOTO").c("BINVAL").t("A".repeat(500));
    const refused = await ask(alice, big.stanza);
    expect(outcome(refused)).toBe("modify/not-acceptable");
    expect(refused.getChild("error")!.getChildText("text", "urn:ietf:params:xml:ns:xmpp-stanzas")).toContain(
      "200",
    );

    const small = request("set", undefined, "vCard", NS);
    small.payload.c("FN").t("A");
    expect(outcome(await ask(alice, small.stanza))).toBe("result");
    expect(outcome(await ask(alice, request("set", undefined, "vCard", NS).stanza))).toBe("result");
    expect(outcome(await ask(alice, request("get", undefined, "vCard", NS).stanza))).toBe(
      "cancel/item-not-found",
    );
  });
});
