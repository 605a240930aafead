import { recordingLogger } from "@canto/test-utils";
import { describe, expect, it, vi } from "vitest";
import { type ConfigSource, type HostType, RoleAssignment, type RoleStore } from "./assignment.js";
import { ADMIN, GUEST, MEMBER, OPERATOR, REGISTERED } from "./builtin-roles.js";
import { RoleNotLoadedError, UnknownRoleError } from "./errors.js";
import { splitJid } from "./jid.js";
import { RoleRegistry } from "./policy.js";

type Options = Record<string, Record<string, unknown>>;

function setup(
  host: string,
  options: Options,
  extra: { store?: RoleStore; hostType?: (h: string) => HostType; cacheSize?: number } = {},
) {
  const config: ConfigSource = { get: (h, name) => options[h]?.[name] ?? options["*"]?.[name] };
  const log = recordingLogger();
  const registry = new RoleRegistry(log);
  const assignment = new RoleAssignment({
    host,
    config,
    registry,
    store: extra.store,
    hostType: extra.hostType ?? ((h) => (["example.com", "other.example"].includes(h) ? "local" : undefined)),
    parentHost: undefined,
    parseJid: splitJid,
    log,
    cacheSize: extra.cacheSize ?? 100,
  });
  const jidRole = (jid: string) => assignment.jidRole(splitJid(jid)!)?.name;
  return { assignment, registry, log, jidRole };
}

describe("RoleAssignment", () => {
  const admins: Options = {
    "*": { admins: ["Op@Example.com"] },
    "example.com": { admins: ["boss@example.com", "helper@remote.net"] },
  };

  it("makes global admins operators and host admins admins", () => {
    const { assignment, jidRole } = setup("example.com", admins);
    expect(assignment.userRoleSync("op")?.name).toBe(OPERATOR);
    expect(assignment.userRoleSync("boss")?.name).toBe(ADMIN);
    expect(jidRole("op@example.com/phone")).toBe(OPERATOR);
    expect(jidRole("helper@remote.net")).toBe(ADMIN);
    expect(assignment.isAdmin("boss@example.com")).toBe(true);
  });

  it("makes global admins operators on every host", () => {
    const { assignment } = setup("other.example", admins);
    expect(assignment.jidRole(splitJid("op@example.com")!)?.name).toBe(OPERATOR);
    expect(assignment.jidRole(splitJid("boss@example.com")!)).toBeUndefined();
  });

  it("gives users without a stored role default_user_role, registered by default", () => {
    expect(setup("example.com", {}).assignment.userRoleSync("alice")?.name).toBe(REGISTERED);
    const custom = setup("example.com", { "example.com": { default_user_role: "prosody:member" } });
    expect(custom.assignment.userRoleSync("alice")?.name).toBe(MEMBER);
  });

  it("gives guests on anonymous hosts", () => {
    const { assignment } = setup("anon.example.com", { "anon.example.com": { authentication: "anonymous" } });
    expect(assignment.defaultUserRole).toBe(GUEST);
    expect(assignment.userRoleSync("x")?.name).toBe(GUEST);
  });

  it("uses a stored role, synchronously when the store answers synchronously", () => {
    const get = vi.fn((user: string) => (user === "mia" ? MEMBER : undefined));
    const { assignment } = setup("example.com", {}, { store: { get } });
    expect(assignment.userRoleSync("mia")?.name).toBe(MEMBER);
    expect(assignment.userRoleSync("mia")?.name).toBe(MEMBER);
    expect(assignment.userRoleSync("bob")?.name).toBe(REGISTERED);
    expect(get).toHaveBeenCalledTimes(2); // cached
    expect(get).toHaveBeenCalledWith("mia", "example.com");
  });

  it("never consults the store for configured admins", () => {
    const get = vi.fn(() => GUEST);
    const { assignment } = setup("example.com", admins, { store: { get } });
    expect(assignment.userRoleSync("boss")?.name).toBe(ADMIN);
    expect(get).not.toHaveBeenCalled();
  });

  it("gives no role for a stored role that is not registered, with a warning", () => {
    const { assignment, log } = setup("example.com", {}, { store: { get: () => "gone" } });
    expect(assignment.userRoleSync("x")).toBeUndefined();
    expect(log.at("warn")[0]).toContain("gone");
  });

  it("throws role-not-loaded for an async lookup that is not cached yet, and fills the cache", async () => {
    const get = vi.fn(async () => MEMBER);
    const { assignment } = setup("example.com", {}, { store: { get } });
    let thrown: unknown;
    try {
      assignment.userRoleSync("mia");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RoleNotLoadedError);
    expect((thrown as RoleNotLoadedError).code).toBe("role-not-loaded");
    expect((await assignment.loadUserRole("mia"))?.name).toBe(MEMBER);
    expect(assignment.userRoleSync("mia")?.name).toBe(MEMBER);
    expect(get).toHaveBeenCalledTimes(1); // the concurrent lookups shared one store call
  });

  it("lets a failed async lookup reject without caching it", async () => {
    let fail = true;
    const store = {
      get: async () => {
        if (fail) throw new Error("disk on fire");
        return MEMBER;
      },
    };
    const { assignment } = setup("example.com", {}, { store });
    await expect(assignment.loadUserRole("x")).rejects.toThrow("disk on fire");
    fail = false;
    expect((await assignment.loadUserRole("x"))?.name).toBe(MEMBER);
  });

  it("stores roles with setUserRole and updates the cache", async () => {
    const data = new Map<string, string | undefined>();
    const store: RoleStore = {
      get: async (user) => data.get(user),
      set: async (user, _host, role) => {
        data.set(user, role);
      },
    };
    const { assignment } = setup("example.com", {}, { store });
    expect((await assignment.loadUserRole("x"))?.name).toBe(REGISTERED);
    await assignment.setUserRole("x", ADMIN);
    expect(assignment.userRoleSync("x")?.name).toBe(ADMIN);
    await assignment.setUserRole("x", undefined);
    expect(assignment.userRoleSync("x")?.name).toBe(REGISTERED);
    await expect(assignment.setUserRole("x", "nope")).rejects.toBeInstanceOf(UnknownRoleError);
    await expect(setup("example.com", {}).assignment.setUserRole("x", ADMIN)).rejects.toThrow(TypeError);
  });

  it("does not let an older in-flight answer overwrite a newer setUserRole", async () => {
    let release: (role: string) => void = () => {};
    const store: RoleStore = {
      get: () =>
        new Promise<string>((resolve) => {
          release = resolve;
        }),
      set: () => {},
    };
    const { assignment } = setup("example.com", {}, { store });
    const pending = assignment.loadUserRole("x");
    await assignment.setUserRole("x", ADMIN);
    release(GUEST);
    expect((await pending)?.name).toBe(GUEST);
    expect(assignment.userRoleSync("x")?.name).toBe(ADMIN);
  });

  it("forgets cached roles and bounds the cache", () => {
    let role = MEMBER;
    const get = vi.fn(() => role);
    const { assignment } = setup("example.com", {}, { store: { get }, cacheSize: 2 });
    assignment.userRoleSync("a");
    role = ADMIN;
    expect(assignment.userRoleSync("a")?.name).toBe(MEMBER);
    assignment.forgetUser("a");
    expect(assignment.userRoleSync("a")?.name).toBe(ADMIN);
    assignment.userRoleSync("b");
    assignment.userRoleSync("c"); // evicts a
    get.mockClear();
    assignment.userRoleSync("a");
    expect(get).toHaveBeenCalledTimes(1);
    assignment.forgetUser();
    assignment.userRoleSync("c");
    expect(get).toHaveBeenCalledTimes(2);
  });

  it("gives remote users no role on a VirtualHost", () => {
    const { jidRole } = setup("example.com", admins);
    expect(jidRole("someone@remote.net")).toBeUndefined();
    expect(jidRole("remote.net")).toBeUndefined();
    expect(jidRole("user@other.example")).toBeUndefined();
  });

  describe("on a component", () => {
    const hostType = (h: string): HostType =>
      h === "muc.example.com"
        ? "component"
        : ["example.com", "other.example"].includes(h)
          ? "local"
          : undefined;

    it("gives parent host users host_user_role, local users server_user_role, others public_user_role", () => {
      const { jidRole, assignment } = setup("muc.example.com", admins, { hostType });
      expect(assignment.isComponent).toBe(true);
      expect(assignment.parentHost).toBe("example.com");
      expect(jidRole("alice@example.com")).toBe(REGISTERED);
      expect(jidRole("bob@other.example")).toBe(GUEST);
      expect(jidRole("eve@remote.net")).toBe(GUEST);
      expect(jidRole("op@example.com")).toBe(OPERATOR);
      expect(jidRole("helper@remote.net")).toBe(GUEST); // an admin of example.com only
    });

    it("reads the three roles and parent_host from configuration", () => {
      const { jidRole } = setup(
        "muc.example.com",
        {
          "muc.example.com": {
            parent_host: "other.example",
            host_user_role: MEMBER,
            server_user_role: REGISTERED,
            public_user_role: "prosody:guest",
          },
        },
        { hostType },
      );
      expect(jidRole("alice@other.example")).toBe(MEMBER);
      expect(jidRole("alice@example.com")).toBe(REGISTERED);
      expect(jidRole("eve@remote.net")).toBe(GUEST);
    });

    it("gives no role when a configured role is not registered, with a warning", () => {
      const { jidRole, log } = setup("muc.example.com", { "*": { public_user_role: "ghost" } }, { hostType });
      expect(jidRole("eve@remote.net")).toBeUndefined();
      expect(log.at("warn")[0]).toContain("ghost");
    });
  });

  it("logs and skips invalid admin entries", () => {
    const { log, assignment } = setup("example.com", { "*": { admins: ["ok@example.com", "@bad", 3] } });
    expect(assignment.isAdmin("ok@example.com")).toBe(true);
    expect(log.at("error")).toHaveLength(2);
    expect(setup("example.com", { "*": { admins: 42 } }).log.at("error")).toHaveLength(1);
    expect(
      setup("example.com", { "*": { admins: "solo@example.com" } }).assignment.isAdmin("solo@example.com"),
    ).toBe(true);
    expect(
      setup("example.com", { "*": { admins: new Set(["s@example.com"]) } }).assignment.isAdmin(
        "s@example.com",
      ),
    ).toBe(true);
  });
});

describe("RoleAssignment.preload", () => {
  function asyncStore(roles: Record<string, string>): RoleStore {
    return {
      get: async (username) => roles[username],
      set: async (username, _host, role) => {
        if (role === undefined) delete roles[username];
        else roles[username] = role;
      },
      list: async function* () {
        yield* Object.entries(roles);
      },
    };
  }

  it("answers every account synchronously once the stored roles are read", async () => {
    const { assignment } = setup("example.com", {}, { store: asyncStore({ mia: MEMBER }) });
    expect(() => assignment.userRoleSync("mia")).toThrow(RoleNotLoadedError);
    expect(await assignment.preload()).toBe(true);
    expect(assignment.userRoleSync("mia")?.name).toBe(MEMBER);
    expect(assignment.userRoleSync("nobody")?.name).toBe(REGISTERED);
  });

  it("keeps a role set later, and asks the store again for a forgotten account", async () => {
    const roles: Record<string, string> = { mia: MEMBER };
    const { assignment } = setup("example.com", {}, { store: asyncStore(roles), cacheSize: 0 });
    await assignment.preload();
    await assignment.setUserRole("bob", ADMIN);
    expect(assignment.userRoleSync("bob")?.name).toBe(ADMIN);
    roles.mia = GUEST; // changed behind the package's back
    assignment.forgetUser("mia");
    expect(() => assignment.userRoleSync("mia")).toThrow(RoleNotLoadedError);
    expect((await assignment.loadUserRole("mia"))?.name).toBe(GUEST);
  });

  it("lets a role set while the store is read win over the older answer", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const store: RoleStore = {
      get: async () => undefined,
      set: async () => {},
      list: async function* () {
        await gate;
        yield ["mia", MEMBER] as const;
      },
    };
    const { assignment } = setup("example.com", {}, { store, cacheSize: 0 });
    const loading = assignment.preload();
    await assignment.setUserRole("mia", ADMIN);
    release();
    await loading;
    expect(() => assignment.userRoleSync("mia")).toThrow(RoleNotLoadedError);
  });

  it("reports false for a store that cannot list its roles", async () => {
    const { assignment } = setup("example.com", {}, { store: { get: async () => undefined } });
    expect(await assignment.preload()).toBe(false);
  });
});
