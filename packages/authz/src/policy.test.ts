import { recordingLogger } from "@canto/test-utils";
import { describe, expect, it } from "vitest";
import { ADMIN, GUEST, MEMBER, OPERATOR, REGISTERED } from "./builtin-roles.js";
import { RoleAlreadyExistsError, UnknownRoleError } from "./errors.js";
import { RoleRegistry } from "./policy.js";
import { Role } from "./role.js";

describe("RoleRegistry", () => {
  it("holds the built-in roles and finds them by their Prosody names too", () => {
    const registry = new RoleRegistry(recordingLogger());
    expect([...registry.all().keys()]).toEqual([GUEST, REGISTERED, MEMBER, ADMIN, OPERATOR]);
    expect(registry.get("prosody:operator")).toBe(registry.get(OPERATOR));
    expect(registry.get("nope")).toBeUndefined();
  });

  it("registers custom roles with named parents, allow and deny lists", () => {
    const registry = new RoleRegistry(recordingLogger());
    registry.get(MEMBER)!.setPermission("upload", true);
    const mod = registry.register({
      name: "moderator",
      inherits: [MEMBER, "prosody:guest"],
      allow: ["kick", "ban"],
      deny: ["ban", "upload"],
      priority: 40,
    });
    expect(mod.priority).toBe(40);
    expect(mod.inherits.map((r) => r.name)).toEqual([MEMBER, GUEST]);
    expect(mod.may("kick")).toBe(true);
    expect(mod.may("ban")).toBe(false); // deny is applied after allow
    expect(mod.may("upload")).toBe(false); // own deny beats the inherited grant
    expect(registry.get("moderator")).toBe(mod);
  });

  it("refuses duplicates and unknown parents with coded errors", () => {
    const registry = new RoleRegistry(recordingLogger());
    expect(() => registry.register({ name: GUEST })).toThrow(RoleAlreadyExistsError);
    expect(() => registry.register({ name: "prosody:guest" })).toThrow(RoleAlreadyExistsError);
    expect(() => registry.register({ name: "x", inherits: ["y"] })).toThrow(UnknownRoleError);
    expect(() => registry.register({} as never)).toThrow(TypeError);
    const own = new Role({ name: "ready-made" });
    expect(registry.register(own)).toBe(own);
  });

  it("logs and skips bad custom_roles entries without stopping", () => {
    const log = recordingLogger();
    const registry = new RoleRegistry(log);
    registry.registerCustomRoles([
      { name: "a", inherits: ["missing"] },
      { name: "b", inherits: ["a"] },
      { name: "c", inherits: [GUEST] },
      null,
    ]);
    expect(registry.get("a")).toBeUndefined();
    expect(registry.get("b")).toBeUndefined();
    expect(registry.get("c")).toBeDefined();
    expect(log.at("error")).toHaveLength(3);
    registry.registerCustomRoles("nonsense");
    expect(log.at("error")).toHaveLength(4);
  });

  it("applies add_permissions then remove_permissions, overwriting", () => {
    const log = recordingLogger();
    const registry = new RoleRegistry(log);
    registry.get(GUEST)!.setPermission("x", false);
    registry.applyConfig({ [GUEST]: ["x", "y"], ghost: ["z"] }, { [REGISTERED]: ["y"], [ADMIN]: "w" });
    expect(registry.get(GUEST)!.may("x")).toBe(true);
    expect(registry.get(GUEST)!.may("y")).toBe(true);
    expect(registry.get(REGISTERED)!.may("y")).toBe(false);
    expect(registry.get(ADMIN)!.may("w")).toBe(false);
    expect(log.at("error")).toEqual(["add_permissions: unknown role ghost"]);
  });

  describe("defaultPermission", () => {
    it("grants by default", () => {
      const registry = new RoleRegistry(recordingLogger());
      expect(registry.defaultPermission(MEMBER, "post")).toBe(true);
      expect(registry.get(ADMIN)!.may("post")).toBe(true);
      expect(registry.get(REGISTERED)!.may("post")).toBeUndefined();
      expect(registry.defaultPermission(MEMBER, "post")).toBe(true);
    });

    it("never overrides a policy set by configuration", () => {
      const registry = new RoleRegistry(recordingLogger());
      registry.applyConfig(undefined, { [MEMBER]: ["post"] });
      expect(registry.defaultPermission(MEMBER, "post")).toBe(false);
      expect(registry.get(MEMBER)!.may("post")).toBe(false);
    });

    it("warns about an unknown role instead of crashing", () => {
      const log = recordingLogger();
      const registry = new RoleRegistry(log);
      expect(registry.defaultPermission("canto:nobody", "post")).toBe(false);
      expect(log.at("warn")).toEqual(["Default permission post not added: unknown role canto:nobody"]);
    });
  });
});
