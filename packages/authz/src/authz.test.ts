import { recordingLogger } from "@canto/test-utils";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { configFromObject, createAuthz } from "./authz.js";
import { ADMIN, GUEST, MEMBER, OPERATOR, REGISTERED } from "./builtin-roles.js";
import { expandAction } from "./checks.js";
import {
  type ActorContext,
  type Decision,
  type HostAuthz,
  NoActorError,
  RoleNotLoadedError,
} from "./index.js";
import { Role } from "./role.js";

const host = "example.com";

function setup(options: Record<string, unknown> = {}, roles: Record<string, string> = {}) {
  const logger = recordingLogger();
  const authz = createAuthz({
    config: configFromObject({
      admins: ["op@example.com"],
      hosts: { [host]: { admins: ["boss@example.com"] } },
      ...options,
    }),
    roleStore: (username) => roles[username],
    logger,
  });
  return { authz, logger, site: authz.host(host) };
}

describe("createAuthz", () => {
  it("works standalone with no options at all", () => {
    const site = createAuthz().host("app.local");
    site.defaultPermission(REGISTERED, "comment");
    expect(site.may("comment", "anyone@app.local")).toBe(true);
    expect(site.may("comment", "someone@elsewhere.org")).toBe(false);
  });

  it("creates each host once and lists them", () => {
    const { authz, site } = setup();
    expect(authz.host(host)).toBe(site);
    authz.host("b.example");
    expect(authz.hosts()).toEqual([host, "b.example"]);
  });

  it("gives each host its own roles", () => {
    const { authz, site } = setup();
    site.defaultPermission(GUEST, "x");
    expect(authz.host("b.example").getRole(GUEST)!.may("x")).toBeUndefined();
  });

  it("applies global default permissions to existing hosts and to hosts created later", () => {
    const { authz, site } = setup({ hosts: { "late.example": { remove_permissions: { [MEMBER]: ["x"] } } } });
    const { defaultPermissions } = authz; // usable detached
    defaultPermissions(MEMBER, ["x", "y"]);
    expect(site.getRole(MEMBER)!.may("x")).toBe(true);
    const late = authz.host("late.example");
    expect(late.getRole(MEMBER)!.may("y")).toBe(true);
    expect(late.getRole(MEMBER)!.may("x")).toBe(false); // configuration still wins
  });

  it("reads custom roles and permissions from configuration", () => {
    const { site } = setup({
      custom_roles: [{ name: "moderator", inherits: [MEMBER], allow: ["kick"] }],
      add_permissions: { moderator: ["mute"] },
    });
    expect(site.getRole("moderator")?.may("mute")).toBe(true);
    expect(site.roles().has("moderator")).toBe(true);
    site.registerRole(new Role({ name: "bot" }));
    expect(site.getRole("bot")).toBeDefined();
  });

  it("reports the host's kind and default role", () => {
    const authz = createAuthz({
      hostType: (h) => (h === "muc.example.com" ? "component" : "local"),
      config: configFromObject({ components: { "muc.example.com": { authentication: "anonymous" } } }),
    });
    expect(authz.host("muc.example.com").isComponent).toBe(true);
    expect(authz.host("muc.example.com").defaultUserRole).toBe(GUEST);
    expect(authz.host(host).isComponent).toBe(false);
    expect(authz.host(host).defaultUserRole).toBe(REGISTERED);
  });

  it("uses an injected parseJid", () => {
    const parseJid = vi.fn((jid: string) => ({ node: jid.split("@")[0], domain: host }));
    const site = createAuthz({ parseJid }).host(host);
    site.defaultPermission(REGISTERED, "x");
    expect(site.may("x", "whatever")).toBe(true);
    expect(parseJid).toHaveBeenCalledWith("whatever");
  });

  it("uses the injected parentHost for components without parent_host", () => {
    const authz = createAuthz({
      hostType: (h) => (h === "rooms" ? "component" : h === "chat.example" ? "local" : undefined),
      parentHost: () => "chat.example",
      config: configFromObject({ hosts: { rooms: { host_user_role: MEMBER } } }),
    });
    expect(authz.host("rooms").getJidRole("a@chat.example")?.name).toBe(MEMBER);
    expect(authz.host("rooms").getJidRole("not a jid@")).toBeUndefined();
  });
});

describe("may and could", () => {
  it("allow what the actor's role grants and deny the rest", () => {
    const { site } = setup();
    site.defaultPermission(ADMIN, "purge");
    expect(site.may("purge", "boss@example.com")).toBe(true);
    expect(site.may("purge", "alice@example.com")).toBe(false);
    expect(site.could("purge", "op@example.com")).toBe(true);
  });

  it("log a may denial at warn and a could denial at debug, naming actor, action and role", () => {
    const { site, logger } = setup();
    site.may("purge", "alice@example.com/phone");
    site.could("purge", "alice@example.com");
    site.may("purge", "eve@remote.net");
    expect(logger.at("warn")).toEqual([
      `Access denied: alice@example.com/phone may not purge (not permitted by role ${REGISTERED})`,
      "Access denied: eve@remote.net may not purge (no role)",
    ]);
    expect(logger.at("debug")).toEqual([
      `Access denied: alice@example.com may not purge (not permitted by role ${REGISTERED})`,
    ]);
  });

  it("log nothing when access is granted", () => {
    const { site, logger } = setup();
    site.defaultPermission(GUEST, "read");
    site.may("read", "alice@example.com");
    site.could("read", "alice@example.com");
    expect(logger.entries).toEqual([]);
  });

  it("throw no-actor for a context without an actor rather than decide", () => {
    const { site } = setup();
    site.defaultPermission(GUEST, "read");
    expect(() => site.may("read", {} as ActorContext)).toThrow(NoActorError);
    expect(() => site.could("read", { origin: { type: "s2sin" } })).toThrow(NoActorError);
    return expect(site.mayAsync("read", { session: null } as never)).rejects.toMatchObject({
      code: "no-actor",
    });
  });

  it("deny sessions without a role", () => {
    const { site } = setup();
    site.defaultPermission(GUEST, "read");
    expect(site.may("read", { session: { type: "c2s", host, username: "alice" } })).toBe(false);
    expect(site.may("read", { session: { type: "c2s", host, role: "no-such-role" } })).toBe(false);
    expect(site.may("read", { session: { type: "c2s", host, role: GUEST } })).toBe(true);
  });

  it("expand a leading colon only through a module scope", () => {
    const { site } = setup();
    const mod = site.forModule("muc");
    expect(mod.defaultPermission(MEMBER, ":create-room")).toBe(true);
    expect(mod.defaultPermissions(ADMIN, [":destroy-room", "global:thing"])).toBe(true);
    expect(site.getRole(MEMBER)!.may("muc:create-room")).toBe(true);
    expect(site.getRole(ADMIN)!.may("global:thing")).toBe(true);
    expect(mod.may(":destroy-room", "boss@example.com")).toBe(true);
    expect(mod.could(":create-room", "alice@example.com")).toBe(false);
    expect(site.may(":destroy-room", "boss@example.com")).toBe(false);
    expect(mod.name).toBe("muc");
    expect(mod.host).toBe(host);
  });

  it("need the async variants when a stored role must be awaited", async () => {
    const authz = createAuthz({ roleStore: { get: async (u) => (u === "mia" ? MEMBER : undefined) } });
    const site = authz.host(host);
    site.defaultPermission(MEMBER, "post");
    expect(() => site.may("post", "mia@example.com")).toThrow(RoleNotLoadedError);
    expect(await site.mayAsync("post", "mia@example.com")).toBe(true);
    expect(site.may("post", "mia@example.com")).toBe(true); // cached now
    expect(await site.couldAsync("post", "bob@example.com")).toBe(false);
    expect(await site.forModule("m").mayAsync("post", { actor_jid: "mia@example.com" })).toBe(true);
    expect(await site.forModule("m").couldAsync("post", "x@remote.net")).toBe(false);
    expect((await site.loadUserRole("bob"))?.name).toBe(REGISTERED);
    expect(site.getUserRole("bob")?.name).toBe(REGISTERED);
    expect((await site.roleOfAsync("mia@example.com"))?.name).toBe(MEMBER);
    expect(site.roleOf({ session: { type: "c2s", host, role: ADMIN } })?.name).toBe(ADMIN);
  });

  it("deny, with an error logged, when the role lookup fails", async () => {
    const logger = recordingLogger();
    const site = createAuthz({
      logger,
      roleStore: (u) => {
        if (u === "sync") throw new Error("store down");
        return Promise.reject(new Error("store down"));
      },
    }).host(host);
    site.defaultPermission(GUEST, "read");
    const decisions: Decision[] = [];
    site.onDecision((d) => decisions.push(d));
    expect(await site.mayAsync("read", "alice@example.com")).toBe(false);
    expect(site.may("read", "sync@example.com")).toBe(false);
    expect(decisions.map((d) => d.reason)).toEqual(["lookup-failed", "lookup-failed"]);
    expect(logger.at("error")).toHaveLength(2);
    expect(logger.at("error")[0]).toContain("store down");
  });

  it("setUserRole and forgetUser go through the host", async () => {
    const data = new Map<string, string | undefined>();
    const site = createAuthz({
      roleStore: { get: (u) => data.get(u), set: (u, _h, r) => void data.set(u, r) },
    }).host(host);
    await site.setUserRole("alice", OPERATOR);
    expect(site.getUserRole("alice")?.name).toBe(OPERATOR);
    data.set("alice", GUEST);
    site.forgetUser("alice");
    expect(site.getUserRole("alice")?.name).toBe(GUEST);
  });
});

describe("decisions", () => {
  it("can be observed with actor, action, role and result, and the observer removed", () => {
    const { authz, site } = setup();
    site.defaultPermission(MEMBER, "post");
    const all: Decision[] = [];
    const stop = authz.onDecision((d) => all.push(d));
    site.may("post", "boss@example.com");
    site.could("post", { session: { type: "c2s", host, full_jid: "g@example.com/r", role: GUEST } });
    site.may("post", { origin: { type: "s2sin", host }, stanza: { attrs: { from: "eve@remote.net" } } });
    expect(all).toEqual([
      {
        host,
        check: "may",
        action: "post",
        actor: "boss@example.com",
        role: ADMIN,
        allowed: true,
        reason: "granted",
      },
      {
        host,
        check: "could",
        action: "post",
        actor: "g@example.com/r",
        role: GUEST,
        allowed: false,
        reason: "no-policy",
      },
      {
        host,
        check: "may",
        action: "post",
        actor: "eve@remote.net",
        role: undefined,
        allowed: false,
        reason: "no-role",
      },
    ]);
    stop();
    site.may("post", "boss@example.com");
    expect(all).toHaveLength(3);
  });

  it("reports an explicit denial as denied", () => {
    const { site } = setup({ remove_permissions: { [ADMIN]: ["post"] } });
    site.defaultPermission(MEMBER, "post");
    const reasons: string[] = [];
    site.onDecision((d) => reasons.push(d.reason));
    site.may("post", "op@example.com");
    expect(reasons).toEqual(["denied"]);
  });

  it("are filtered by host for host observers", () => {
    const { authz, site } = setup();
    const seen: string[] = [];
    site.onDecision((d) => seen.push(d.host));
    authz.host("b.example").could("x", "a@b.example");
    site.could("x", "a@example.com");
    expect(seen).toEqual([host]);
  });

  it("keep going when an observer throws", () => {
    const { authz, site, logger } = setup();
    site.defaultPermission(GUEST, "read");
    const second = vi.fn();
    authz.onDecision(() => {
      throw new Error("boom");
    });
    authz.onDecision(second);
    expect(site.may("read", "alice@example.com")).toBe(true);
    expect(second).toHaveBeenCalledTimes(1);
    expect(logger.at("error")[0]).toContain("boom");
  });

  it("give independent subscriptions for the same listener added twice", () => {
    const { authz, site } = setup();
    const listener = vi.fn();
    const stopFirst = authz.onDecision(listener);
    authz.onDecision(listener);
    stopFirst();
    site.could("x", "a@example.com");
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe("expandAction", () => {
  it("prefixes the owner to an action starting with a colon", () => {
    expect(expandAction("muc", ":create")).toBe("muc:create");
    expect(expandAction("muc", "other:create")).toBe("other:create");
    expect(expandAction("muc", "")).toBe("");
  });
});

describe("configFromObject", () => {
  it("falls back from a host or component to the global options", () => {
    const config = configFromObject({
      a: 1,
      hosts: { h: { a: 2, b: undefined } },
      components: { c: { a: 3 } },
    });
    expect(config.get("h", "a")).toBe(2);
    expect(config.get("h", "b")).toBeUndefined();
    expect(config.get("c", "a")).toBe(3);
    expect(config.get("x", "a")).toBe(1);
    expect(config.get("*", "a")).toBe(1);
    expect(config.get("*", "hosts")).toBeUndefined();
  });
});

describe("types", () => {
  it("keeps may synchronous and offers promises only on the async path", () => {
    expectTypeOf<HostAuthz["may"]>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<HostAuthz["mayAsync"]>().returns.toEqualTypeOf<Promise<boolean>>();
    expectTypeOf<HostAuthz["onDecision"]>().returns.toEqualTypeOf<() => void>();
    expectTypeOf<Decision["role"]>().toEqualTypeOf<string | undefined>();
  });

  it("accepts the four context forms and rejects others", () => {
    expectTypeOf<"a@b">().toMatchTypeOf<ActorContext>();
    expectTypeOf<{ actor_jid: string }>().toMatchTypeOf<ActorContext>();
    expectTypeOf<{
      origin: { type: "c2s" };
      stanza: { attrs: { from: string } };
    }>().toMatchTypeOf<ActorContext>();
    expectTypeOf<{ session: { role: string } }>().toMatchTypeOf<ActorContext>();
    expectTypeOf<number>().not.toMatchTypeOf<ActorContext>();
  });
});
