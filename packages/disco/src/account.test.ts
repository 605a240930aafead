import { type Element, parse } from "ltx";
import { describe, expect, it, vi } from "vitest";
import { accountInfo, accountItems, bareJid } from "./account.js";
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from "./namespaces.js";

function iq(xmlns: string, attrs: { from?: string; to?: string; node?: string }): Element {
  const from = attrs.from === undefined ? "" : ` from="${attrs.from}"`;
  const to = attrs.to === undefined ? "" : ` to="${attrs.to}"`;
  const node = attrs.node === undefined ? "" : ` node="${attrs.node}"`;
  return parse(`<iq type="get" id="a1"${from}${to}><query xmlns="${xmlns}"${node}/></iq>`);
}
const info = (attrs: { from?: string; to?: string; node?: string }) => iq(NS_DISCO_INFO, attrs);

const identity = (reply: Element | undefined) => reply?.getChild("query")?.getChild("identity")?.attrs;

const roster: Record<string, string[]> = { "juliet@example.com": ["romeo@example.net"] };
const subscribed = (account: string, contact: string) => roster[account]?.includes(contact) ?? false;
const admins = new Set(["admin@example.com"]);
const isAdmin = (account: string) => admins.has(account);

describe("accountInfo visibility", () => {
  it("answers the account itself when the query has no to, addressed from the account", async () => {
    const reply = await accountInfo(info({ from: "juliet@example.com/balcony" }));
    expect(reply?.attrs).toEqual({
      type: "result",
      id: "a1",
      from: "juliet@example.com",
      to: "juliet@example.com/balcony",
    });
    expect(identity(reply)).toEqual({ category: "account", type: "registered" });
    expect(
      reply
        ?.getChild("query")
        ?.getChildren("feature")
        .map((f) => f.attrs.var),
    ).toEqual([NS_DISCO_INFO, NS_DISCO_ITEMS]);
  });

  it("answers the account itself when to is its own bare JID", async () => {
    const reply = await accountInfo(info({ from: "juliet@example.com/balcony", to: "juliet@example.com" }));
    expect(reply?.attrs.from).toBe("juliet@example.com");
    expect(identity(reply)?.type).toBe("registered");
  });

  it("answers a contact subscribed to the account's presence", async () => {
    const check = vi.fn(subscribed);
    const reply = await accountInfo(info({ from: "romeo@example.net/orchard", to: "juliet@example.com" }), {
      isContactSubscribed: check,
    });
    expect(identity(reply)?.type).toBe("registered");
    expect(check).toHaveBeenCalledWith("juliet@example.com", "romeo@example.net");
  });

  it("answers nothing to anyone else, so the query falls through to service-unavailable", async () => {
    const opts = { isContactSubscribed: subscribed, isAdmin };
    expect(
      await accountInfo(info({ from: "tybalt@example.net/x", to: "juliet@example.com" }), opts),
    ).toBeUndefined();
    // without a subscription check nobody but the account itself sees it
    expect(
      await accountInfo(info({ from: "romeo@example.net/orchard", to: "juliet@example.com" })),
    ).toBeUndefined();
    // a subscription the other way round does not count
    expect(
      await accountInfo(info({ from: "juliet@example.com/b", to: "romeo@example.net" }), opts),
    ).toBeUndefined();
    // no requester at all
    expect(await accountInfo(info({}), opts)).toBeUndefined();
  });

  it("hides an admin from strangers unless admins are exposed", async () => {
    const query = info({ from: "tybalt@example.net/x", to: "admin@example.com" });
    expect(await accountInfo(query, { isAdmin, isContactSubscribed: subscribed })).toBeUndefined();
    const exposed = await accountInfo(query, { isAdmin, exposeAdmins: true });
    expect(identity(exposed)).toEqual({ category: "account", type: "admin" });
  });

  it("exposing admins does not expose other accounts", async () => {
    const query = info({ from: "tybalt@example.net/x", to: "juliet@example.com" });
    expect(await accountInfo(query, { isAdmin, exposeAdmins: true })).toBeUndefined();
  });

  it("shows account/admin to the admin itself and to its contacts even without exposure", async () => {
    expect(identity(await accountInfo(info({ from: "admin@example.com/desk" }), { isAdmin }))?.type).toBe(
      "admin",
    );
    const contact = await accountInfo(info({ from: "juliet@example.com/b", to: "admin@example.com" }), {
      isAdmin,
      isContactSubscribed: (account, contact) =>
        account === "admin@example.com" && contact === "juliet@example.com",
    });
    expect(identity(contact)?.type).toBe("admin");
  });

  it("says account/anonymous on anonymous hosts, admin still winning", async () => {
    const anon = await accountInfo(info({ from: "a1b2@anon.example/x" }), { anonymous: true });
    expect(identity(anon)?.type).toBe("anonymous");
    const admin = await accountInfo(info({ from: "admin@example.com/x" }), { anonymous: true, isAdmin });
    expect(identity(admin)?.type).toBe("admin");
  });

  it("takes the requester from origin when given, and waits for async checks", async () => {
    const reply = await accountInfo(info({ to: "juliet@example.com" }), {
      origin: "romeo@example.net/orchard",
      isContactSubscribed: async (a, c) => subscribed(a, c),
      isAdmin: async () => false,
    });
    expect(reply?.attrs.from).toBe("juliet@example.com");
    expect(identity(reply)?.type).toBe("registered");
  });
});

describe("accountInfo contents and nodes", () => {
  it("lets onInfo add to the answer (account-disco-info)", async () => {
    const reply = await accountInfo(info({ from: "juliet@example.com/b" }), {
      onInfo: async ({ query, account }) => {
        expect(account).toBe("juliet@example.com");
        query.c("identity", { category: "pubsub", type: "pep" });
        query.c("feature", { var: "http://jabber.org/protocol/pubsub#publish" });
      },
    });
    const q = reply!.getChild("query")!;
    expect(q.getChildren("identity").map((i) => i.attrs.type)).toEqual(["registered", "pep"]);
    expect(q.getChildren("feature")).toHaveLength(3);
  });

  it("answers nodes through onNode, item-not-found otherwise, with from filled", async () => {
    const missing = await accountInfo(info({ from: "juliet@example.com/b", node: "urn:x" }));
    expect(missing?.attrs.type).toBe("error");
    expect(missing?.getChild("error")?.getChild("item-not-found")).toBeDefined();

    const found = await accountInfo(info({ from: "juliet@example.com/b", node: "urn:x" }), {
      onNode: ({ node, query }) => {
        query.c("feature", { var: `${node}#yes` });
        return { exists: true };
      },
    });
    expect(found?.attrs.from).toBe("juliet@example.com");
    expect(found?.getChild("query")?.attrs.node).toBe("urn:x");
    expect(found?.getChild("query")?.getChild("feature")?.attrs.var).toBe("urn:x#yes");
  });

  it("applies the visibility rules to nodes too", async () => {
    const onNode = vi.fn(() => ({ exists: true }));
    const hidden = await accountInfo(
      info({ from: "tybalt@example.net/x", to: "juliet@example.com", node: "n" }),
      {
        onNode,
      },
    );
    expect(hidden).toBeUndefined();
    expect(onNode).not.toHaveBeenCalled();
  });
});

describe("accountItems", () => {
  const items = (attrs: { from?: string; to?: string; node?: string }) => iq(NS_DISCO_ITEMS, attrs);

  it("answers the account itself with what onItems adds", async () => {
    const reply = await accountItems(items({ from: "juliet@example.com/b" }), {
      onItems: ({ query, account }) => {
        query.c("item", { jid: account, node: "urn:xmpp:avatar:data" });
      },
    });
    expect(reply?.attrs).toEqual({
      type: "result",
      id: "a1",
      from: "juliet@example.com",
      to: "juliet@example.com/b",
    });
    expect(reply?.children.map(String)).toEqual([
      `<query xmlns="${NS_DISCO_ITEMS}"><item jid="juliet@example.com" node="urn:xmpp:avatar:data"/></query>`,
    ]);
  });

  it("follows the same visibility rules", async () => {
    const q = items({ from: "romeo@example.net/o", to: "juliet@example.com" });
    expect(await accountItems(q)).toBeUndefined();
    expect((await accountItems(q, { isContactSubscribed: subscribed }))?.attrs.type).toBe("result");
    const admin = items({ from: "tybalt@example.net/x", to: "admin@example.com" });
    expect(await accountItems(admin, { isAdmin })).toBeUndefined();
    expect((await accountItems(admin, { isAdmin, exposeAdmins: true }))?.attrs.type).toBe("result");
  });

  it("answers nodes through onNode", async () => {
    const missing = await accountItems(items({ from: "juliet@example.com/b", node: "n" }));
    expect(missing?.attrs.type).toBe("error");
    const found = await accountItems(items({ from: "juliet@example.com/b", node: "n" }), {
      onNode: () => ({ exists: true }),
    });
    expect(found?.getChild("query")?.attrs).toEqual({ xmlns: NS_DISCO_ITEMS, node: "n" });
  });
});

describe("bareJid", () => {
  it("drops the resource", () => {
    expect(bareJid("a@b/c/d")).toBe("a@b");
    expect(bareJid("a@b")).toBe("a@b");
  });
});

describe("ported from Prosody's disco_self.scs", () => {
  it("an account's own disco#info has account/registered and both disco features", async () => {
    const reply = await accountInfo(
      parse(`<iq type="get" id="self" from="romeo@localhost/res"><query xmlns="${NS_DISCO_INFO}"/></iq>`),
    );
    expect(reply?.attrs).toEqual({
      type: "result",
      id: "self",
      from: "romeo@localhost",
      to: "romeo@localhost/res",
    });
    expect(reply?.children.map(String)).toEqual([
      `<query xmlns="${NS_DISCO_INFO}"><identity category="account" type="registered"/>` +
        `<feature var="${NS_DISCO_INFO}"/><feature var="${NS_DISCO_ITEMS}"/></query>`,
    ]);
  });
});
