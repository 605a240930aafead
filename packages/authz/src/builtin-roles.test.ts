import { describe, expect, it } from "vitest";
import {
  ADMIN,
  BUILTIN_ROLES,
  canonicalRoleName,
  createBuiltinRoles,
  GUEST,
  MEMBER,
  OPERATOR,
  REGISTERED,
} from "./builtin-roles.js";

describe("built-in roles", () => {
  it("have Prosody's priorities and single inheritance chain", () => {
    const roles = createBuiltinRoles();
    const summary = [...roles.values()].map((r) => [r.name, r.priority, r.inherits.map((p) => p.name)]);
    expect(summary).toEqual([
      [GUEST, 15, []],
      [REGISTERED, 25, [GUEST]],
      [MEMBER, 35, [REGISTERED]],
      [ADMIN, 50, [MEMBER]],
      [OPERATOR, 75, [ADMIN]],
    ]);
    expect(BUILTIN_ROLES.map((s) => s.name)).toEqual([GUEST, REGISTERED, MEMBER, ADMIN, OPERATOR]);
  });

  it("pass a grant to a guest up to every higher role, live", () => {
    const roles = createBuiltinRoles();
    roles.get(GUEST)!.setPermission("read", true);
    for (const role of roles.values()) expect(role.may("read")).toBe(true);
    roles.get(MEMBER)!.setPermission("read", false);
    expect([...roles.values()].map((r) => r.may("read"))).toEqual([true, true, false, false, false]);
  });

  it("start without policies and are fresh each time", () => {
    const a = createBuiltinRoles();
    a.get(GUEST)!.setPermission("x", true);
    expect(createBuiltinRoles().get(GUEST)!.may("x")).toBeUndefined();
  });

  it("accept Prosody's names as aliases", () => {
    expect(canonicalRoleName("prosody:admin")).toBe(ADMIN);
    expect(canonicalRoleName("prosody:custom")).toBe("prosody:custom");
    expect(canonicalRoleName("mine")).toBe("mine");
  });
});
