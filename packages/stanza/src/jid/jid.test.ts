import { describe, expect, it } from "vitest";
import { JidError } from "./error.js";
import { bare, compareJids, jidEquals, join, parseJid, prepJid, splitJid } from "./jid.js";
import type { StringPrep } from "./stringprep.js";

// Cases follow Prosody's spec/util_jid_spec.lua.

const parts = (node: string | undefined, domain: string, resource: string | undefined) => ({
  node,
  domain,
  resource,
});

describe("join()", () => {
  it("builds JIDs from parts", () => {
    expect(join("a", "b", "c")).toBe("a@b/c");
    expect(join("a", "b", undefined)).toBe("a@b");
    expect(join(undefined, "b", "c")).toBe("b/c");
    expect(join(undefined, "b", undefined)).toBe("b");
  });

  it("gives undefined without a domain", () => {
    expect(join(undefined, undefined, undefined)).toBeUndefined();
    expect(join("a", undefined, undefined)).toBeUndefined();
    expect(join(undefined, undefined, "c")).toBeUndefined();
    expect(join("a", undefined, "c")).toBeUndefined();
  });

  it("refuses arguments that are not strings", () => {
    expect(() => join(false as never, "bork", undefined)).toThrow(TypeError);
    expect(() => join(undefined, "bork", false as never)).toThrow(TypeError);
    expect(() => join(false as never, false as never, false as never)).toThrow(TypeError);
  });
});

describe("splitJid()", () => {
  const valid: [string, string | undefined, string, string | undefined][] = [
    ["node@server", "node", "server", undefined],
    ["node@server/resource", "node", "server", "resource"],
    ["server", undefined, "server", undefined],
    ["server/resource", undefined, "server", "resource"],
    ["server/resource@foo", undefined, "server", "resource@foo"],
    ["server/resource@foo/bar", undefined, "server", "resource@foo/bar"],
    ["foo@example/@resource", "foo", "example", "@resource"],
  ];
  for (const [jid, node, domain, resource] of valid) {
    it(`splits ${jid}`, () => expect(splitJid(jid)).toEqual(parts(node, domain, resource)));
  }

  for (const jid of [
    "node@/server",
    "@server",
    "@server/resource",
    "@/resource",
    "",
    "@",
    "/",
    "user@",
    "user@@host",
    "foo@example@resource",
    "server/",
    "/resource",
  ]) {
    it(`gives undefined for ${JSON.stringify(jid)}`, () => expect(splitJid(jid)).toBeUndefined());
  }

  it("refuses a non-string", () => {
    expect(() => splitJid(false as never)).toThrow(TypeError);
  });
});

describe("parseJid() (prepped split)", () => {
  it("splits and prepares valid JIDs", () => {
    expect(parseJid("node@server")).toEqual(parts("node", "server", undefined));
    expect(parseJid("node@server/resource")).toEqual(parts("node", "server", "resource"));
    expect(parseJid("server/resource@foo/bar")).toEqual(parts(undefined, "server", "resource@foo/bar"));
  });

  it("strips the empty root label", () => {
    expect(parseJid("node@server.")).toEqual(parts("node", "server", undefined));
  });

  for (const jid of [
    "node@/server",
    "@server",
    "@server/resource",
    "@/resource",
    "@server/",
    "server/",
    "/resource",
    ".",
  ]) {
    it(`refuses ${JSON.stringify(jid)} with a JidError`, () => {
      expect(() => parseJid(jid)).toThrow(JidError);
    });
  }

  it("refuses JIDs that fail stringprep, naming the part", () => {
    const fails: [string, string][] = [
      ["node@invalid-\u0080-server", "domain"],
      ["<invalid node>@server", "node"],
      ["node@server/invalid-\u0000-resource", "resource"],
      ["node@exa mple.com", "domain"],
      ["node@exa<mple.com", "domain"],
      ["\u05d0a@example.com", "node"],
    ];
    for (const [jid, part] of fails) {
      const error = (() => {
        try {
          parseJid(jid);
        } catch (e) {
          return e as JidError;
        }
        return undefined;
      })();
      expect(error, jid).toBeInstanceOf(JidError);
      expect(error!.code).toBe("jid-malformed");
      expect(error!.part).toBe(part);
      expect(error!.message).toContain(`${part} part`);
    }
  });

  it("says why the syntax is wrong", () => {
    expect(() => parseJid("@server")).toThrow('invalid JID "@server": node part is empty');
    expect(() => parseJid("user@@host")).toThrow("domain part contains '@'");
    expect(() => parseJid("host/")).toThrow("resource part is empty");
    expect(() => parseJid("a@b..c")).toThrow("domain part has an empty label");
  });

  it("enforces the 1023-byte limit per part, in bytes", () => {
    expect(parseJid(`${"a".repeat(1023)}@example.com`).node).toHaveLength(1023);
    expect(() => parseJid(`${"a".repeat(1024)}@example.com`)).toThrow(/node part is longer than 1023 bytes/);
    // 512 two-byte characters: 1024 bytes.
    expect(() => parseJid(`${"é".repeat(512)}@example.com`)).toThrow(/node part is longer than 1023 bytes/);
    expect(() => parseJid(`example.com/${"r".repeat(1024)}`)).toThrow(/resource part is longer/);
    const longDomain = Array.from({ length: 20 }, () => "d".repeat(60)).join(".");
    expect(() => parseJid(longDomain)).toThrow(/domain part is longer/);
  });

  it("limits domain labels to 63 bytes", () => {
    expect(parseJid(`${"a".repeat(63)}.com`).domain).toHaveLength(67);
    expect(() => parseJid(`${"a".repeat(64)}.com`)).toThrow(/label longer than 63/);
  });

  it("accepts IP literals", () => {
    expect(parseJid("user@192.0.2.1").domain).toBe("192.0.2.1");
    expect(parseJid("user@[2001:DB8::1]/r").domain).toBe("[2001:db8::1]");
    expect(() => parseJid("user@[not-an-ip]")).toThrow(/IPv6 address literal/);
  });

  it("refuses unassigned code points only when strict", () => {
    expect(parseJid("\u0221@example.com").node).toBe("\u0221");
    expect(() => parseJid("\u0221@example.com", { strict: true })).toThrow(/node part fails nodeprep/);
  });
});

describe("prepJid()", () => {
  it("lowercases node and domain and keeps the resource's case", () => {
    expect(prepJid("Juliet@Example.COM/Balcony")).toBe("juliet@example.com/Balcony");
  });

  it("applies the stringprep profiles to non-ASCII input", () => {
    expect(prepJid("ÄLICE@BÜCHER.example")).toBe("älice@bücher.example");
    expect(prepJid("ＡＢＣ@example.com")).toBe("abc@example.com");
    expect(prepJid("a@例え\u3002テスト")).toBe("a@例え.テスト");
    // Mapped to nothing by resourceprep (B.1): the soft hyphen.
    expect(prepJid("a@b/x\u00ADy")).toBe("a@b/xy");
  });

  it("gives the same result on the fast path as stringprep itself", () => {
    const calls: string[] = [];
    const spy: StringPrep = {
      nodeprep: (s) => {
        calls.push(`node ${s}`);
        return s.toLowerCase();
      },
      nameprep: (s) => {
        calls.push(`name ${s}`);
        return s.toLowerCase();
      },
      resourceprep: (s) => {
        calls.push(`resource ${s}`);
        return s;
      },
    };
    expect(prepJid("Romeo@Example.net/Orchard Side", { stringprep: spy })).toBe(
      "romeo@example.net/Orchard Side",
    );
    expect(calls).toEqual([]);
    expect(prepJid("Römeo@example.net", { stringprep: spy })).toBe("römeo@example.net");
    expect(calls).toEqual(["node Römeo"]);
  });

  it("fails on a node that maps to nothing", () => {
    expect(() => prepJid("\u00AD@example.com")).toThrow(/node part is empty after stringprep/);
  });
});

describe("bare()", () => {
  it("drops the resource", () => {
    expect(bare("user@host")).toBe("user@host");
    expect(bare("host")).toBe("host");
    expect(bare("host/resource")).toBe("host");
    expect(bare("user@host/resource")).toBe("user@host");
  });

  for (const jid of [
    "user@/resource",
    "@/resource",
    "@/",
    "/",
    "",
    "@",
    "user@",
    "user@@",
    "user@@host",
    "user@@host/resource",
    "user@host/",
  ]) {
    it(`gives undefined for ${JSON.stringify(jid)}`, () => expect(bare(jid)).toBeUndefined());
  }

  it("refuses a non-string", () => {
    expect(() => bare(false as never)).toThrow(TypeError);
  });
});

describe("compareJids()", () => {
  it("matches a JID against a pattern", () => {
    expect(compareJids("host", "host")).toBe(true);
    expect(compareJids("host", "other-host")).toBe(false);
    expect(compareJids("other-user@host/resource", "host")).toBe(true);
    expect(compareJids("other-user@host", "user@host")).toBe(false);
    expect(compareJids("user@host", "host")).toBe(true);
    expect(compareJids("user@host/resource", "host")).toBe(true);
    expect(compareJids("user@host/resource", "user@host")).toBe(true);
    expect(compareJids("user@other-host", "host")).toBe(false);
    expect(compareJids("user@other-host", "user@host")).toBe(false);
    expect(compareJids("user@host/a", "user@host/b")).toBe(false);
    expect(compareJids("user@host/a", "host/a")).toBe(true);
  });

  it("matches nothing with an invalid pattern or JID (Prosody matches everything)", () => {
    expect(compareJids("user@host", "@@")).toBe(false);
    expect(compareJids("@@", "host")).toBe(false);
  });
});

describe("jidEquals()", () => {
  it("compares prepared forms", () => {
    expect(jidEquals("Juliet@Example.com/r", "juliet@example.COM./r")).toBe(true);
    expect(jidEquals("juliet@example.com/R", "juliet@example.com/r")).toBe(false);
    expect(jidEquals("@x", "@x")).toBe(false);
    expect(jidEquals("<a>@b", "<a>@b")).toBe(false);
    expect(jidEquals("a@b", "<a>@b")).toBe(false);
  });
});
