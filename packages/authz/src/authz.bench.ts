// `may` for a user whose role is already known (cached or carried by the session), against a
// baseline in the same run: a plain Set lookup of allowed actions, the least any check can cost.
import { bench, describe } from "vitest";
import { ADMIN, configFromObject, createAuthz, MEMBER } from "./index.js";

const authz = createAuthz({
  config: configFromObject({ admins: ["op@example.com"] }),
  roleStore: async (username) => (username === "mia" ? MEMBER : undefined),
});
const site = authz.host("example.com");
site.defaultPermission(MEMBER, "post");
site.defaultPermission(ADMIN, "purge");
await site.loadUserRole("mia"); // cached from here on

const session = { type: "c2s", host: "example.com", username: "mia", role: site.getUserRole("mia") };
const sessionContext = { session };
const allowedActions = new Set(["post"]);
const muc = site.forModule("muc");
muc.defaultPermission(MEMBER, ":join");

let sink = 0;

describe("may, role already known", () => {
  bench("baseline: Set.has on the allowed actions", () => {
    if (allowedActions.has("post")) sink++;
  });
  bench("Role#may (built-in member, own policy)", () => {
    if (session.role?.may("post")) sink++;
  });
  bench("may(action, { session }) with a role", () => {
    if (site.may("post", sessionContext)) sink++;
  });
  bench("may(action, jid) for a user with a cached stored role", () => {
    if (site.may("post", "mia@example.com")) sink++;
  });
  bench("may(:action, jid) through a module scope", () => {
    if (muc.may(":join", "mia@example.com/phone")) sink++;
  });
  bench("may(action, jid) denied, walking member → registered → guest", () => {
    if (!site.may("purge", "mia@example.com")) sink++;
  });
});

const observed = createAuthz({ roleStore: () => MEMBER });
const observedSite = observed.host("example.com");
observedSite.defaultPermission(MEMBER, "post");
observed.onDecision(() => {
  sink++;
});

describe("may with a decision observer", () => {
  bench("may(action, jid), one onDecision listener", () => {
    if (observedSite.may("post", "mia@example.com")) sink++;
  });
});

export { sink };
