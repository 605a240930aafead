// Property test over random role graphs and policies, with a seeded generator so a failure can be
// replayed: the seed is in the test name.
import { describe, expect, it } from "vitest";
import { GUEST, REGISTERED } from "./builtin-roles.js";
import { type ActorContext, type CustomRoleSpec, configFromObject, createAuthz } from "./index.js";

function generator(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Policy = boolean | undefined;

interface World {
  roles: CustomRoleSpec[];
  defaults: Array<[string, string]>;
  actions: string[];
  users: Record<string, string>; // username → stored role name (maybe unknown)
}

function randomWorld(seed: number): World {
  const g = generator(seed);
  const actions = Array.from({ length: 1 + g.int(6) }, (_, i) => `a${i}`);
  const roles: CustomRoleSpec[] = [];
  const names: string[] = [GUEST, REGISTERED];
  const roleCount = 1 + g.int(8);
  for (let i = 0; i < roleCount; i++) {
    const name = `r${i}`;
    const inherits = names.filter(() => g.next() < 0.35).sort(() => g.next() - 0.5);
    const allow: string[] = [];
    const deny: string[] = [];
    for (const action of actions) {
      const roll = g.next();
      if (roll < 0.2) allow.push(action);
      else if (roll < 0.4) deny.push(action);
    }
    roles.push({ name, inherits, allow, deny });
    names.push(name);
  }
  const defaults: Array<[string, string]> = [];
  for (let i = g.int(8); i > 0; i--) defaults.push([g.pick(names), g.pick(actions)]);
  const users: Record<string, string> = {};
  for (let i = 0; i < 6; i++) users[`u${i}`] = g.next() < 0.15 ? "unknown-role" : g.pick(names);
  return { roles, defaults, actions, users };
}

/** An independent model of the rules: own policy first, then parents depth first, in order. */
function model(world: World) {
  const policies = new Map<string, Map<string, boolean>>([
    [GUEST, new Map()],
    [REGISTERED, new Map()],
  ]);
  const parents = new Map<string, string[]>([
    [GUEST, []],
    [REGISTERED, [GUEST]],
  ]);
  for (const role of world.roles) {
    const own = new Map<string, boolean>();
    for (const a of role.allow ?? []) own.set(a, true);
    for (const a of role.deny ?? []) own.set(a, false);
    policies.set(role.name, own);
    parents.set(role.name, [...(role.inherits ?? [])]);
  }
  for (const [role, action] of world.defaults) {
    const own = policies.get(role)!;
    if (!own.has(action)) own.set(action, true);
  }
  const firstAnswer = (role: string, action: string): Policy => {
    const own = policies.get(role)!.get(action);
    if (own !== undefined) return own;
    for (const parent of parents.get(role)!) {
      const answer = firstAnswer(parent, action);
      if (answer !== undefined) return answer;
    }
    return undefined;
  };
  return { firstAnswer, known: (role: string) => policies.has(role) };
}

const seeds = Array.from({ length: 150 }, (_, i) => 0x9e3779b9 ^ (i * 7919));

describe("random role graphs and policies", () => {
  it.each(seeds)("seed %i: allow exactly what the first answer in the role's ancestry grants", (seed) => {
    const world = randomWorld(seed);
    const { firstAnswer, known } = model(world);
    const authz = createAuthz({
      config: configFromObject({ custom_roles: world.roles }),
      roleStore: (username) => world.users[username],
    });
    for (const [role, action] of world.defaults) authz.defaultPermission(role, action);
    const site = authz.host("example.com");

    for (const [username, roleName] of Object.entries(world.users)) {
      const contexts: ActorContext[] = [
        `${username}@example.com`,
        { actor_jid: `${username}@example.com/r` },
        { session: { type: "c2s", host: "example.com", role: roleName } },
      ];
      for (const action of world.actions) {
        const expected = known(roleName) && firstAnswer(roleName, action) === true;
        for (const context of contexts) {
          const allowed = site.may(action, context);
          expect(allowed, `${roleName} ${action}`).toBe(expected);
          if (known(roleName) && firstAnswer(roleName, action) === false) expect(allowed).toBe(false);
        }
      }
    }

    const roleless: ActorContext[] = [
      "stranger@remote.net",
      { session: { type: "c2s", host: "example.com" } },
      { origin: { type: "s2sin" }, stanza: { attrs: { from: "x@remote.net" } } },
    ];
    for (const action of world.actions) {
      for (const context of roleless) expect(site.may(action, context)).toBe(false);
    }
  });
});
