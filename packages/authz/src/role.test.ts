// A port of Prosody's spec/util_roles_spec.lua; the cases run in order and share roles, as there.
import { describe, expect, it } from "vitest";
import { PolicyAlreadyExistsError } from "./errors.js";
import { isRole, type Policy, Role } from "./role.js";

describe("Role (util_roles_spec)", () => {
  let testRole: Role;
  let childRole: Role;

  it("can create a new role", () => {
    testRole = new Role();
    expect(isRole(testRole)).toBe(true);
    expect(isRole({ may: () => true })).toBe(false);
  });

  describe("role object", () => {
    it("is restrictive by default", () => {
      expect(testRole.may("my-permission")).toBeFalsy();
    });

    it("allows you to set permissions", () => {
      testRole.setPermission("my-permission", true);
      expect(testRole.may("my-permission")).toBe(true);
    });

    it("allows you to set negative permissions", () => {
      testRole.setPermission("my-other-permission", false);
      expect(testRole.may("my-other-permission")).toBe(false);
    });

    it("does not let a different policy replace an existing one by default", () => {
      let thrown: unknown;
      try {
        testRole.setPermission("my-permission", false);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(PolicyAlreadyExistsError);
      expect((thrown as PolicyAlreadyExistsError).code).toBe("policy-already-exists");
      expect(testRole.may("my-permission")).toBe(true);
    });

    it("accepts setting the same policy again without overwrite", () => {
      expect(() => testRole.setPermission("my-permission", true)).not.toThrow();
    });

    it("replaces a policy when overwrite is requested", () => {
      testRole.setPermission("my-permission", false, true);
      expect(testRole.may("my-permission")).toBe(false);
    });

    describe("inheritance", () => {
      it("works", () => {
        testRole.setPermission("inherited-permission", true);
        childRole = new Role({ inherits: [testRole] });
        expect(childRole.may("inherited-permission")).toBe(true);
        expect(childRole.may("my-permission")).toBeFalsy();
      });

      it("lists policies, inherited ones included", () => {
        expect(Object.fromEntries(childRole.policies())).toEqual({
          "my-permission": false,
          "my-other-permission": false,
          "inherited-permission": true,
        });
        expect(childRole.ownPolicies().size).toBe(0);
      });

      it("supports multiple depths of inheritance", () => {
        const grandchild = new Role({ inherits: [childRole] });
        expect(grandchild.may("inherited-permission")).toBe(true);
      });

      describe("supports ordered inheritance from multiple roles", () => {
        const parentRole = new Role();
        let finalRole: Role;
        // [final role's policy, parent role's policy, test role's policy (reached via childRole)]
        const cases: Array<{ policies: [Policy, Policy, Policy]; result: Policy }> = [
          { policies: [true, undefined, false], result: true },
          { policies: [undefined, false, true], result: false },
          { policies: [undefined, true, false], result: true },
          { policies: [undefined, undefined, false], result: false },
          { policies: [undefined, undefined, true], result: true },
        ];
        cases.forEach(({ policies, result }, index) => {
          it(`(case ${index + 1})`, () => {
            finalRole ??= new Role({ inherits: [parentRole, childRole] });
            const action = `multi-inheritance-perm-${index + 1}`;
            finalRole.setPermission(action, policies[0]);
            parentRole.setPermission(action, policies[1]);
            testRole.setPermission(action, policies[2]);
            expect(finalRole.may(action)).toBe(result);
          });
        });
      });

      it("updates child roles when parent roles change", () => {
        expect(childRole.may("inherited-permission")).toBe(true);
        testRole.setPermission("inherited-permission", false, true);
        expect(childRole.may("inherited-permission")).toBe(false);
      });
    });

    describe("cloning", () => {
      let cloned: Role;
      it("works", () => {
        testRole.setPermission("perm-1", true);
        cloned = testRole.clone();
        expect(cloned.may("perm-1")).toBe(true);
      });

      it("isolates changes", () => {
        testRole.setPermission("perm-1", false, true);
        testRole.setPermission("perm-2", true);
        cloned.setPermission("perm-3", true);
        expect(cloned.may("perm-1")).toBe(true);
        expect(cloned.may("perm-2")).toBeFalsy();
        expect(testRole.may("perm-3")).toBeFalsy();
      });
    });
  });
});

describe("Role", () => {
  it("keeps name, priority and description, and overrides them in a clone", () => {
    const role = new Role({ name: "a", priority: 3, description: "d", permissions: { x: true } });
    expect(role.toString()).toBe("role<a>");
    const copy = role.clone({ name: "b" });
    expect(copy.name).toBe("b");
    expect(copy.priority).toBe(3);
    expect(copy.may("x")).toBe(true);
  });

  it("clears a policy with undefined when overwriting, so the parents decide again", () => {
    const parent = new Role({ permissions: { x: true } });
    const child = new Role({ inherits: [parent], permissions: { x: false } });
    expect(child.may("x")).toBe(false);
    expect(() => child.setPermission("x", undefined)).toThrow(PolicyAlreadyExistsError);
    child.setPermission("x", undefined, true);
    expect(child.may("x")).toBe(true);
  });

  it("reports the nearest policy in policies(), as may() decides", () => {
    const grand = new Role({ permissions: { x: true, y: true } });
    const parent = new Role({ inherits: [grand], permissions: { x: false } });
    const child = new Role({ inherits: [parent] });
    expect(child.policies()).toEqual(
      new Map([
        ["x", false],
        ["y", true],
      ]),
    );
  });

  it("freezes its parents, so no inheritance cycle can be made", () => {
    const role = new Role({ inherits: [new Role()] });
    expect(Object.isFrozen(role.inherits)).toBe(true);
  });
});
