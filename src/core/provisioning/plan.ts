/**
 * The pure half of a reconcile: given what is wanted and what exists, decide what to do. No database,
 * no clock; the reconciler reads the inputs inside its write transaction (under the provisioning's
 * and the account's row locks) and applies the operations through SubUsers. A plan is plain data, so
 * it can be shown (a dry run) or checked (a deletion breaker) before it is applied.
 */
import { SUBUSER_NAME } from "../rules.js";
import type { DeletionStrategy, DuplicationStrategy, UnitFailureKind } from "./views.js";

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
  /** A failure the emulator injects for a user (a fault rule), consulted before anything else. */
  injected?: (u: WantedUser) => { kind: UnitFailureKind; reason: string } | undefined;
}

/** What to do for one wanted user; every op but `fail` ends in a claim on the sub-user. */
export type ClaimOp =
  /** A sub-user already represents the user here (another provisioning made it, or a run died after). */
  | { op: "reuse"; userId: string; uin: number }
  /** TakeOver: the hand-made sub-user of that name becomes the user's. */
  | { op: "adopt"; userId: string; uin: number; name: string }
  /** `clash`: KeepBoth made `name` because the user's own name was taken (by a hand-made sub-user, or another directory user's). */
  | { op: "create"; userId: string; name: string; email: string; remark: string; clash?: NameClash }
  /** Cannot converge until something changes; recorded as a failed event, the task fails with `reason`. */
  | { op: "fail"; userId: string; userName: string; kind: UnitFailureKind; reason: string };

/** Who held the name a user wanted: a sub-user (its uin; null when planned in this batch), made by hand or representing another directory user. */
export interface NameClash {
  name: string;
  uin: number | null;
  /** The directory user it represents, or null for a sub-user made by hand. */
  heldBy: string | null;
}

/** Every name a batch may need: each user's own, and its KeepBoth alternative. */
export function candidateNames(users: readonly WantedUser[], suffix: string): string[] {
  const names: string[] = [];
  for (const u of users) names.push(u.userName, u.userName + suffix);
  return names;
}

/** One op per user, in the order given: creates fill the room in that order, and later ones fail on the quota. */
export function planClaims(input: ClaimPlanInput): ClaimOp[] {
  const state: PlanState = { input, room: Math.max(0, input.room), planned: new Map() };
  const ops: ClaimOp[] = [];
  for (const u of input.users) ops.push(planUser(state, u));
  return ops;
}

/** What the plan has handed out so far: the room left, and names given to users of this batch (name → user id). */
interface PlanState {
  input: ClaimPlanInput;
  room: number;
  planned: Map<string, string>;
}

function planUser(state: PlanState, u: WantedUser): ClaimOp {
  const { input } = state;
  const injected = input.injected?.(u);
  if (injected) return fail(u, injected.kind, injected.reason);
  const uin = input.managed.get(u.userId);
  if (uin !== undefined) return { op: "reuse", userId: u.userId, uin };
  const strategy = input.overrides.get(u.userId) ?? input.strategy;
  const owner = holder(state, u.userName);
  if (owner === undefined) {
    return SUBUSER_NAME.test(u.userName) ? create(state, u, u.userName) : fail(u, "name_invalid", `"${u.userName}" is not a valid sub-user name in account ${input.target}`);
  }
  const existing = input.byName.get(u.userName);
  if (strategy === "TakeOver" && owner === null && existing) {
    state.planned.set(u.userName, u.userId);
    return { op: "adopt", userId: u.userId, uin: existing.uin, name: existing.name };
  }
  const alt = u.userName + input.suffix;
  const altValid = SUBUSER_NAME.test(alt);
  if (strategy === "KeepBoth" && holder(state, alt) === undefined && altValid) return create(state, u, alt, { name: u.userName, uin: existing?.uin ?? null, heldBy: owner });
  if (owner !== null) return fail(u, "name_clash", `sub-user "${u.userName}" in account ${input.target} belongs to another directory user`);
  // Only KeepBoth reaches here with a hand-made sub-user in the way (TakeOver adopted it).
  return fail(
    u,
    "name_clash",
    altValid
      ? `sub-users "${u.userName}" and "${alt}" both exist in account ${input.target}`
      : `sub-user "${u.userName}" exists in account ${input.target} and "${alt}" is not a valid sub-user name`,
  );
}

/** Who holds a name: a directory user's id, null for a hand-made sub-user, undefined when it is free. */
function holder(state: PlanState, name: string): string | null | undefined {
  const existing = state.input.byName.get(name);
  return existing ? existing.directoryUserId : state.planned.get(name);
}

function create(state: PlanState, u: WantedUser, name: string, clash?: NameClash): ClaimOp {
  if (state.room === 0) return fail(u, "quota", `account ${state.input.target} reached its sub-user quota (${state.input.quota})`);
  state.room--;
  state.planned.set(name, u.userId);
  return clash ? { op: "create", userId: u.userId, name, email: u.email, remark: u.displayName, clash } : { op: "create", userId: u.userId, name, email: u.email, remark: u.displayName };
}

function fail(u: WantedUser, kind: UnitFailureKind, reason: string): ClaimOp {
  return { op: "fail", userId: u.userId, userName: u.userName, kind, reason };
}

/** A released claim's sub-user, which no other provisioning claims: delete it, or let it go as an ordinary one. */
export interface ReleaseOp {
  op: "delete" | "keep";
  uin: number;
}

/** One op per orphan, carrying what the caller knows of it (its name, its user) along. */
export function planReleases<T extends { uin: number }>(orphans: readonly T[], deletion: DeletionStrategy): (T & ReleaseOp)[] {
  return orphans.map((s) => ({ ...s, op: deletion === "Delete" ? "delete" : "keep" }));
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
