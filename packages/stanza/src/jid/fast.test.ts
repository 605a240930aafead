import { describe, expect, it } from "vitest";
import { bareOf, domainOf, nodeOf, resourceOf } from "./fast.js";
import { splitJid } from "./jid.js";

const cases = ["node@server", "node@server/resource", "server", "server/resource", "a@b/c@d/e", "s/r@x"];

describe("JID fast paths", () => {
  it("agree with splitJid on valid JIDs, '@' and '/' in the resource included", () => {
    for (const jid of cases) {
      const p = splitJid(jid)!;
      expect(nodeOf(jid), jid).toBe(p.node);
      expect(domainOf(jid), jid).toBe(p.domain);
      expect(resourceOf(jid), jid).toBe(p.resource);
      expect(bareOf(jid), jid).toBe(p.node === undefined ? p.domain : `${p.node}@${p.domain}`);
    }
  });

  it("slice what they are given without checking it", () => {
    expect(nodeOf("@server")).toBeUndefined();
    expect(domainOf("Node@Server")).toBe("Server");
    expect(resourceOf("server/")).toBe("");
  });
});
