// Every built-in role × a set of actions × every context form, on a VirtualHost and a component.
import { describe, expect, it } from "vitest";
import { ADMIN, GUEST, MEMBER, OPERATOR, REGISTERED } from "./builtin-roles.js";
import { type ActorContext, configFromObject, createAuthz, type HostAuthz } from "./index.js";

const roles = [GUEST, REGISTERED, MEMBER, ADMIN, OPERATOR] as const;
type RoleName = (typeof roles)[number];

const authz = createAuthz({
  hostType: (h) =>
    h === "muc.example.com"
      ? "component"
      : h === "example.com" || h === "other.example"
        ? "local"
        : undefined,
  config: configFromObject({
    admins: ["op@example.com"],
    // Configuration, for every host: explicit denials and grants that defaults cannot override.
    remove_permissions: {
      [MEMBER]: ["t:deny-inherited", "t:regrant"],
      [REGISTERED]: ["t:config-wins"],
    },
    add_permissions: { [ADMIN]: ["t:config-grant", "t:regrant"] },
    hosts: { "example.com": { admins: ["adm@example.com"] } },
    components: {
      "muc.example.com": {
        admins: ["adm@example.com"],
        host_user_role: MEMBER,
        server_user_role: REGISTERED,
        public_user_role: GUEST,
      },
    },
  }),
  roleStore: (username, host) =>
    host === "example.com" ? ({ gus: GUEST, mem: MEMBER } as Record<string, string>)[username] : undefined,
});

// Module defaults, declared after configuration was read, as modules load after it.
authz.defaultPermission(GUEST, "t:guest");
authz.defaultPermission(REGISTERED, "t:registered");
authz.defaultPermission(MEMBER, "t:member");
authz.defaultPermission(ADMIN, "t:admin");
authz.defaultPermission(OPERATOR, "t:operator");
authz.defaultPermission(GUEST, "t:deny-inherited"); // member denies it, so member and above may not
authz.defaultPermissions(REGISTERED, ["t:config-wins"]); // configuration denies it: the default is ignored
authz.defaultPermission(GUEST, "t:config-wins");

const site = authz.host("example.com");
const muc = authz.host("muc.example.com");
authz.host("other.example");

// Allowed for [guest, registered, member, admin, operator].
const expected: Record<string, [number, number, number, number, number]> = {
  "t:guest": [1, 1, 1, 1, 1],
  "t:registered": [0, 1, 1, 1, 1],
  "t:member": [0, 0, 1, 1, 1],
  "t:admin": [0, 0, 0, 1, 1],
  "t:operator": [0, 0, 0, 0, 1],
  "t:never-declared": [0, 0, 0, 0, 0],
  "t:deny-inherited": [1, 1, 0, 0, 0],
  "t:config-wins": [1, 0, 0, 0, 0],
  "t:config-grant": [0, 0, 0, 1, 1],
  "t:regrant": [0, 0, 0, 1, 1],
};

// A local account for each role on example.com, and a sender for each role on the component.
const localUser: Record<RoleName, string> = {
  [GUEST]: "gus",
  [REGISTERED]: "reg",
  [MEMBER]: "mem",
  [ADMIN]: "adm",
  [OPERATOR]: "op",
};
const componentSender: Record<RoleName, string> = {
  [GUEST]: "eve@remote.net",
  [REGISTERED]: "bob@other.example",
  [MEMBER]: "mem@example.com",
  [ADMIN]: "adm@example.com",
  [OPERATOR]: "op@example.com",
};

type Form = { name: string; build(role: RoleName): [HostAuthz, ActorContext] };
const stanzaFrom = (from: string) => ({
  attrs: { from },
  attr: (n: string) => (n === "from" ? from : undefined),
});

const forms: Form[] = [
  { name: "bare JID", build: (r) => [site, `${localUser[r]}@example.com`] },
  { name: "full JID", build: (r) => [site, `${localUser[r]}@example.com/laptop`] },
  { name: "{ actor_jid }", build: (r) => [site, { actor_jid: `${localUser[r]}@example.com` }] },
  {
    name: "routing event from a client session",
    build: (r) => [
      site,
      {
        origin: {
          type: "c2s",
          host: "example.com",
          username: localUser[r],
          role: site.getUserRole(localUser[r]),
        },
        stanza: stanzaFrom(`${localUser[r]}@example.com/laptop`),
      },
    ],
  },
  {
    name: "{ session } with a role name",
    build: (r) => [site, { session: { type: "c2s", host: "example.com", username: localUser[r], role: r } }],
  },
  { name: "JID on a component", build: (r) => [muc, `${componentSender[r]}/res`] },
  {
    name: "routing event from a server session, on a component",
    build: (r) => [
      muc,
      { origin: { type: "s2sin", host: "muc.example.com" }, stanza: stanzaFrom(componentSender[r]) },
    ],
  },
  {
    name: "routing event from another host's client session, on a component",
    build: (r) => [
      muc,
      { origin: { type: "c2s", host: "example.com" }, stanza: stanzaFrom(componentSender[r]) },
    ],
  },
];

const cases = forms.flatMap((form) =>
  roles.flatMap((role, index) =>
    Object.entries(expected).map(([action, row]) => ({ form, role, action, allowed: row[index] === 1 })),
  ),
);

describe("access matrix", () => {
  it.each(forms)("$name resolves each built-in role", (form) => {
    for (const role of roles) {
      const [target, context] = form.build(role);
      expect(target.roleOf(context)?.name).toBe(role);
    }
  });

  it.each(cases)("$form.name: $role $action → $allowed", ({ form, role, action, allowed }) => {
    const [target, context] = form.build(role);
    expect(target.may(action, context)).toBe(allowed);
    expect(target.could(action, context)).toBe(allowed);
  });

  describe("an actor without a role", () => {
    const noRole: Array<[string, ActorContext]> = [
      ["remote JID", "eve@remote.net"],
      ["other local host's user", { actor_jid: "bob@other.example/x" }],
      [
        "server session",
        { origin: { type: "s2sin", host: "example.com" }, stanza: stanzaFrom("eve@remote.net") },
      ],
      ["client session without a role", { session: { type: "c2s", host: "example.com", username: "reg" } }],
      ["the host itself", "example.com"],
    ];
    it.each(noRole)("%s is denied every action", (_name, context) => {
      for (const action of Object.keys(expected)) {
        expect(site.may(action, context)).toBe(false);
        expect(site.could(action, context)).toBe(false);
      }
    });
  });
});
