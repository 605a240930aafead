import { Element } from "canto";
import { afterEach, describe, expect, it } from "vitest";
import { ask, outcome, request, serverWith, stopServers } from "./extensions.test-helper.js";

afterEach(stopServers);

const NS = "jabber:iq:private";

function bookmarks(name = "Coven"): Element {
  const storage = new Element("storage", { xmlns: "storage:bookmarks" });
  storage.c("conference", { jid: "coven@chat.example", name });
  return storage;
}

describe("private", () => {
  it("stores a fragment and gives it back to the same account only", async () => {
    const t = await serverWith(["private"]);
    const alice = t.connect("alice@localhost/phone");
    const set = request("set", undefined, "query", NS);
    set.payload.cnode(bookmarks());
    expect(outcome(await ask(alice, set.stanza))).toBe("result");

    const get = request("get", undefined, "query", NS);
    get.payload.c("storage", { xmlns: "storage:bookmarks" });
    const answer = await ask(t.connect("alice@localhost/laptop"), get.stanza);
    const stored = answer.getChild("query", NS)!.getChild("storage", "storage:bookmarks")!;
    expect(stored.getChild("conference")!.attrs.name).toBe("Coven");

    const bob = t.connect("bob@localhost/desk");
    const bobGet = request("get", undefined, "query", NS);
    bobGet.payload.c("storage", { xmlns: "storage:bookmarks" });
    const bobAnswer = await ask(bob, bobGet.stanza);
    expect(bobAnswer.getChild("query", NS)!.getChild("storage")!.children).toHaveLength(0);
  });

  it("answers the empty element for a fragment never stored, and deletes with an empty set", async () => {
    const t = await serverWith(["private"]);
    const alice = t.connect("alice@localhost/phone");
    const set = request("set", "alice@localhost", "query", NS);
    set.payload.cnode(bookmarks());
    set.payload.c("prefs", { xmlns: "urn:example:prefs" }).c("color").t("green");
    expect(outcome(await ask(alice, set.stanza))).toBe("result");
    const clear = request("set", undefined, "query", NS);
    clear.payload.c("storage", { xmlns: "storage:bookmarks" });
    expect(outcome(await ask(alice, clear.stanza))).toBe("result");
    const get = request("get", undefined, "query", NS);
    get.payload.c("storage", { xmlns: "storage:bookmarks" });
    expect((await ask(alice, get.stanza)).getChild("query", NS)!.getChild("storage")!.children).toHaveLength(
      0,
    );
    const prefs = request("get", undefined, "query", NS);
    prefs.payload.c("prefs", { xmlns: "urn:example:prefs" });
    const answer = await ask(alice, prefs.stanza);
    expect(answer.getChild("query", NS)!.getChild("prefs")!.getChildText("color")).toBe("green");
  });

  it("forbids touching another account's storage", async () => {
    const t = await serverWith(["private"]);
    const alice = t.connect("alice@localhost/phone");
    const get = request("get", "bob@localhost", "query", NS);
    get.payload.c("storage", { xmlns: "storage:bookmarks" });
    expect(outcome(await ask(alice, get.stanza))).toBe("cancel/forbidden");
  });

  it("refuses reserved namespaces with not-acceptable and malformed requests with bad-request", async () => {
    const t = await serverWith(["private"]);
    const alice = t.connect("alice@localhost/phone");
    const reserved = request("set", undefined, "query", NS);
    reserved.payload.c("message", { xmlns: "jabber:client" }).c("body").t("x");
    expect(outcome(await ask(alice, reserved.stanza))).toBe("modify/not-acceptable");
    const unqualified = request("get", undefined, "query", NS);
    unqualified.payload.c("foo");
    expect(outcome(await ask(alice, unqualified.stanza))).toBe("modify/not-acceptable");
    const empty = request("set", undefined, "query", NS);
    expect(outcome(await ask(alice, empty.stanza))).toBe("modify/bad-request");
    const two = request("get", undefined, "query", NS);
    two.payload.c("a", { xmlns: "urn:a" });
    two.payload.c("b", { xmlns: "urn:b" });
    expect(outcome(await ask(alice, two.stanza))).toBe("modify/bad-request");
  });
});

describe("private: storage failures", () => {
  it("answers internal-server-error when the store fails, rather than leaving the client waiting", async () => {
    const t = await serverWith(["private"]);
    const store = await t.server.storage.open("localhost", "private", "map");
    store.get = () => Promise.reject(new Error("disk on fire"));
    const alice = t.connect("alice@localhost/phone");
    const get = request("get", undefined, "query", NS);
    get.payload.c("storage", { xmlns: "storage:bookmarks" });
    expect(outcome(await ask(alice, get.stanza))).toBe("wait/internal-server-error");
  });
});
