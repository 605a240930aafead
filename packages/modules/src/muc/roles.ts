// XEP-0045's affiliations and roles, and which changes of them an actor may make (§5, §8-§10).

export type Affiliation = "owner" | "admin" | "member" | "none" | "outcast";
export type Role = "moderator" | "participant" | "visitor" | "none";

export const AFFILIATIONS: readonly Affiliation[] = ["owner", "admin", "member", "none", "outcast"];
export const ROLES: readonly Role[] = ["moderator", "participant", "visitor", "none"];

const AFFILIATION_RANK: Readonly<Record<Affiliation, number>> = {
  owner: 3,
  admin: 2,
  member: 1,
  none: 0,
  outcast: -1,
};
const ROLE_RANK: Readonly<Record<Role, number>> = { moderator: 3, participant: 2, visitor: 1, none: 0 };

export function isAffiliation(value: unknown): value is Affiliation {
  return typeof value === "string" && Object.hasOwn(AFFILIATION_RANK, value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && Object.hasOwn(ROLE_RANK, value);
}

export function affiliationRank(affiliation: Affiliation): number {
  return AFFILIATION_RANK[affiliation];
}

export function roleRank(role: Role): number {
  return ROLE_RANK[role];
}

/** The role an occupant gets on entering (§5.1): outcasts get none, so they never enter. */
export function defaultRole(affiliation: Affiliation, moderated: boolean, membersOnly: boolean): Role {
  if (affiliation === "owner" || affiliation === "admin") return "moderator";
  if (affiliation === "member") return "participant";
  if (affiliation === "outcast") return "none";
  if (membersOnly) return "none";
  return moderated ? "visitor" : "participant";
}

/** Why a change is refused: the stanza error type and condition, and a text for the client. */
export interface Refusal {
  type: "auth" | "cancel" | "modify" | "wait";
  condition: string;
  text: string;
}

/**
 * May `actor` (affiliation and role) give `target` (affiliation and current role) the role `role`?
 * Moderators grant and revoke voice and kick; only admins and owners touch moderators; nobody
 * changes the role of an admin or owner, whose role comes with their affiliation (§8, §9.6).
 */
export function roleChangeRefusal(
  actor: { affiliation: Affiliation; role: Role },
  target: { affiliation: Affiliation; role: Role },
  role: Role,
): Refusal | undefined {
  if (actor.role !== "moderator") {
    return { type: "cancel", condition: "not-allowed", text: "Only moderators change roles" };
  }
  if (target.affiliation === "owner" || target.affiliation === "admin") {
    return {
      type: "cancel",
      condition: "not-allowed",
      text: `The role of an ${target.affiliation} comes with the affiliation and cannot be changed`,
    };
  }
  const actorIsAdmin = affiliationRank(actor.affiliation) >= AFFILIATION_RANK.admin;
  if ((role === "moderator" || target.role === "moderator") && !actorIsAdmin) {
    return {
      type: "cancel",
      condition: "not-allowed",
      text: "Only admins and owners grant or revoke moderator",
    };
  }
  return undefined;
}

const ADMIN_REACH: ReadonlySet<Affiliation> = new Set(["member", "none", "outcast"]);

/**
 * May `actor` change an affiliation from `from` to `to`? Owners may make any change; admins move
 * users among member, none and outcast only; others may not change affiliations (§9, §10). The
 * last owner giving up ownership is refused by the room, which knows how many owners there are.
 */
export function affiliationChangeRefusal(
  actor: Affiliation,
  from: Affiliation,
  to: Affiliation,
): Refusal | undefined {
  if (actor === "owner") return undefined;
  if (actor === "admin") {
    if (ADMIN_REACH.has(from) && ADMIN_REACH.has(to)) return undefined;
    return {
      type: "cancel",
      condition: "not-allowed",
      text: "Only owners grant, revoke or change the admin and owner affiliations",
    };
  }
  return { type: "auth", condition: "forbidden", text: "Only admins and owners change affiliations" };
}
