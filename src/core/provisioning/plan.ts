/**
 * The pure half of a reconcile: given what is wanted and what exists, decide what to do. No database,
 * no clock; the reconciler reads the inputs inside its write transaction (under the provisioning's
 * and the account's row locks) and applies the operations through SubUsers. A plan is plain data, so
 * it can be shown (a dry run) or checked (a deletion breaker) before it is applied.
 */
import type { UnitFailureKind } from "../../store/schema.js";
import { SUBUSER_NAME } from "../rules.js";

export type DuplicationStrategy = "KeepBoth" | "TakeOver";
export type DeletionStrategy = "Delete" | "Keep";

/** A directory user the provisioning covers and has no claim for yet. */
export interface WantedUser {
  userId: string;
  userName: string;
  email: string;
  displayName: string;
}

/** A sub-user of the target account, as the plan sees it. */
export interface ExistingSubUser {
  uin: number;
  name: string;
  /** The directory user it represents, or null for a sub-user made by hand. */
  directoryUserId: string | null;
}

export interface ClaimPlanInput {
  /** The target account (named in reasons). */
  target: number;
  users: readonly WantedUser[];
  /** Sub-users of the target that already represent one of `users`, by directory user id. */
  managed: ReadonlyMap<string, number>;
  /** Sub-users of the target bearing one of `candidateNames(users, suffix)`, by name. */
  byName: ReadonlyMap<string, ExistingSubUser>;
  /** Per-user duplication strategies (a retried failed event), over the provisioning's own. */
  overrides: ReadonlyMap<string, DuplicationStrategy>;
  strategy: DuplicationStrategy;
  /** Appended to a clashing name under KeepBoth. */
  suffix: string;
  /** How many more sub-users the target takes now. */
  room: number;
  /** The target's quota (named in reasons). */
  quota: number;
}

/** What to do for one wanted user; every op but `fail` ends in a claim on the sub-user. */
export type ClaimOp =
  /** A sub-user already represents the user here (another provisioning made it, or a run died after). */
  | { op: "reuse"; userId: string; uin: number }
  /** TakeOver: the hand-made sub-user of that name becomes the user's. */
  | { op: "adopt"; userId: string; uin: number; name: string }
  | { op: "create"; userId: string; name: string; email: string; remark: string }
  /** Cannot converge until something changes; recorded as a failed event, the task fails with `reason`. */
  | { op: "fail"; userId: string; userName: string; kind: UnitFailureKind; reason: string };

/** Every name a batch may need: each user's own, and its KeepBoth alternative. */
export function candidateNames(users: readonly WantedUser[], suffix: string): string[] {
  return users.flatMap((u) => [u.userName, u.userName + suffix]);
}

/** One op per user, in the order given: creates fill the room in that order, and later ones fail on the quota. */
export function planClaims(input: ClaimPlanInput): ClaimOp[] {
  const { target, suffix } = input;
  let room = Math.max(0, input.room);
  // Names this plan hands out, so two users of one batch never get the same one.
  const planned = new Map<string, string>();
  const holder = (name: string): string | null | undefined => {
    const existing = input.byName.get(name);
    return existing ? existing.directoryUserId : planned.get(name);
  };
  const create = (u: WantedUser, name: string): ClaimOp => {
    if (room === 0) return { op: "fail", userId: u.userId, userName: u.userName, kind: "quota", reason: `account ${target} reached its sub-user quota (${input.quota})` };
    room--;
    planned.set(name, u.userId);
    return { op: "create", userId: u.userId, name, email: u.email, remark: u.displayName };
  };
  return input.users.map((u): ClaimOp => {
    const uin = input.managed.get(u.userId);
    if (uin !== undefined) return { op: "reuse", userId: u.userId, uin };
    const fail = (kind: UnitFailureKind, reason: string): ClaimOp => ({ op: "fail", userId: u.userId, userName: u.userName, kind, reason });
    const strategy = input.overrides.get(u.userId) ?? input.strategy;
    const owner = holder(u.userName);
    if (owner === undefined) {
      return SUBUSER_NAME.test(u.userName) ? create(u, u.userName) : fail("name_invalid", `"${u.userName}" is not a valid sub-user name in account ${target}`);
    }
    const existing = input.byName.get(u.userName);
    if (strategy === "TakeOver" && owner === null && existing) {
      planned.set(u.userName, u.userId);
      return { op: "adopt", userId: u.userId, uin: existing.uin, name: existing.name };
    }
    const alt = u.userName + suffix;
    const altValid = SUBUSER_NAME.test(alt);
    if (strategy === "KeepBoth" && holder(alt) === undefined && altValid) return create(u, alt);
    if (owner !== null) return fail("name_clash", `sub-user "${u.userName}" in account ${target} belongs to another directory user`);
    // Only KeepBoth reaches here with a hand-made sub-user in the way (TakeOver adopted it).
    return fail(
      "name_clash",
      altValid ? `sub-users "${u.userName}" and "${alt}" both exist in account ${target}` : `sub-user "${u.userName}" exists in account ${target} and "${alt}" is not a valid sub-user name`,
    );
  });
}

/** A released claim's sub-user, which no other provisioning claims: delete it, or let it go as an ordinary one. */
export interface ReleaseOp {
  op: "delete" | "keep";
  uin: number;
}

export function planReleases(orphans: readonly { uin: number }[], deletion: DeletionStrategy): ReleaseOp[] {
  return orphans.map((s) => ({ op: deletion === "Delete" ? "delete" : "keep", uin: s.uin }));
}

/** A claimed sub-user and the directory user it represents. */
export interface Represented {
  uin: number;
  email: string;
  remark: string;
  userEmail: string;
  userDisplayName: string;
}

/** A claimed sub-user's attributes set to the directory user's: email ← email, remark ← display name. */
export interface AttributeOp {
  op: "update";
  uin: number;
  email: string;
  remark: string;
}

export function planAttributes(rows: readonly Represented[]): AttributeOp[] {
  return rows.filter((r) => r.email !== r.userEmail || r.remark !== r.userDisplayName).map((r) => ({ op: "update", uin: r.uin, email: r.userEmail, remark: r.userDisplayName }));
}
