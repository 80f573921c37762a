/**
 * Plans before apply: what the reconciler would do, per target account, for a provisioning as it is
 * now or for a proposed change (a new provisioning, a strategy change, a deletion, members joining
 * or leaving a group). It runs the reconcile's own reading-and-planning steps (steps.ts) in the
 * reconcile's own order and batches, over a SimulatedTarget instead of the locked account: each
 * batch's ops are "applied" to the simulation, so the next batch sees what the reconcile would see.
 * Nothing is written.
 */
import type { Kysely } from "kysely";
import { all, first, inChunks } from "../../store/database.js";
import type { Database, Provisioning } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Directories } from "../directory/directories.js";
import type { Groups } from "../directory/groups.js";
import type { Users } from "../directory/users.js";
import { fail } from "../errors.js";
import type { Limits } from "../limits.js";
import type { Organizations } from "../organizations.js";
import { oneOf } from "../rules.js";
import { attributeDrift, COVERED_COLUMNS, type Covered, claimedButNotCovered, coveredButNotClaimed } from "./coverage.js";
import { type ClaimOp, planAttributes, type WantedUser } from "./plan.js";
import type { NewProvisioning, Provisionings } from "./provisionings.js";
import { wantedUser } from "./reconcile.js";
import { type BreakerSetting, type DeletionHolds, judgeReleaseStep, type ReleaseSplit } from "./breaker.js";
import { planClaimStep, planReleaseStep } from "./steps.js";
import { SimulatedTarget } from "./target.js";
import type { DeletionStrategy, DuplicationStrategy, UnitFailureKind } from "./views.js";

/** What a plan is asked about. */
export type ProposedChange =
  /** The provisioning as it is now: what its next reconcile would do. */
  | { kind: "current"; provisioningId: string }
  | { kind: "create"; provisioning: NewProvisioning; duplicateSuffix: string }
  | { kind: "update"; provisioningId: string; duplicationStrategy?: string; deletionStrategy?: string }
  | { kind: "delete"; provisioningId: string; deletionStrategy?: string }
  /** Users joining (`add`) or leaving (`remove`) a group: every provisioning of the group is planned. */
  | { kind: "membership"; groupId: string; add?: readonly string[]; remove?: readonly string[] };

/** `hold`: a deletion the circuit breaker would hold for an administrator's approval (the sub-user stays meanwhile). */
export type PlannedOpKind = "create" | "adopt" | "reuse" | "update" | "delete" | "keep" | "hold" | "fail";

/** One planned operation on one sub-user of the target account. */
export interface PlannedOperation {
  op: PlannedOpKind;
  /** The directory user it is for ("" when the user is no longer in the directory). */
  userId: string;
  userName: string;
  /** The sub-user's final name (create: with the suffix where a clash forces one). */
  subUserName: string;
  /** The existing sub-user acted on (adopt, reuse, update, delete, keep); null for a create or a failure. */
  subUserUin: number | null;
  /** create: the name that was taken, forcing the suffix (KeepBoth). */
  clashWith?: string;
  /** update: the attributes that change. */
  changes?: { email?: { from: string; to: string }; remark?: { from: string; to: string } };
  /** fail: why the unit cannot converge. */
  failure?: { kind: UnitFailureKind; reason: string };
}

export type PlanCounts = Record<PlannedOpKind, number>;

/** What one provisioning's reconcile would do in its target account. */
export interface ProvisioningPlan {
  /** null for a proposed provisioning (not created yet). */
  provisioningId: string | null;
  principalType: "User" | "Group";
  principalId: string;
  targetUin: number;
  duplicationStrategy: DuplicationStrategy;
  deletionStrategy: DeletionStrategy;
  /** True when the plan is of the provisioning's deletion. */
  deleting: boolean;
  counts: PlanCounts;
  operations: PlannedOperation[];
}

export interface Plan {
  plans: ProvisioningPlan[];
  counts: PlanCounts;
}

const PROPOSED_ID = "(proposed)";
type Subject = Pick<Provisioning, "provisioning_id" | "principal_type" | "principal_id" | "target_uin" | "duplication_strategy" | "deletion_strategy" | "duplicate_suffix" | "deleting" | "deletion_breaker">;
interface Delta {
  add: ReadonlySet<string>;
  remove: ReadonlySet<string>;
}
const NO_DELTA: Delta = { add: new Set(), remove: new Set() };

export const noPlanCounts = (): PlanCounts => ({ create: 0, adopt: 0, reuse: 0, update: 0, delete: 0, keep: 0, hold: 0, fail: 0 });

export class ProvisioningPlanner {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly directories: Directories,
    private readonly organizations: Organizations,
    private readonly users: Users,
    private readonly groups: Groups,
    private readonly provisionings: Provisionings,
    private readonly holds: DeletionHolds,
    private readonly limits: Limits,
    /** The reconciler's batch size (a plan walks the same batches, so it sees what each batch of the reconcile sees) and the server's breaker. */
    private readonly opts: { batchSize: number; breaker: BreakerSetting; injectedUnitFailure?: (account: number, user: WantedUser) => { kind: UnitFailureKind; reason: string } | undefined },
  ) {}

  async plan(caller: Caller, directoryId: string, change: ProposedChange): Promise<Plan> {
    await this.directories.scope(caller, directoryId);
    const subjects = await this.subjects(caller, directoryId, change);
    // One simulation per account: a change that plans several provisionings into one account sees each one's effect on the next.
    const targets = new Map<number, SimulatedTarget>();
    const plans: ProvisioningPlan[] = [];
    for (const { p, delta } of subjects) {
      let target = targets.get(p.target_uin);
      if (!target) targets.set(p.target_uin, (target = new SimulatedTarget(this.db, p.target_uin, this.limits)));
      plans.push(await this.planOne(p, delta, target));
    }
    const counts = noPlanCounts();
    for (const pl of plans) for (const k of Object.keys(counts) as PlannedOpKind[]) counts[k] += pl.counts[k];
    return { plans, counts };
  }

  /** The provisionings a change concerns, as they would be after it, and the membership change they see. */
  private async subjects(caller: Caller, directoryId: string, change: ProposedChange): Promise<{ p: Subject; delta: Delta }[]> {
    switch (change.kind) {
      case "current":
        return [{ p: await this.stored(directoryId, change.provisioningId), delta: NO_DELTA }];
      case "create": {
        const org = (await this.organizations.findMembership(caller.accountUin))!.org;
        const n = await this.provisionings.checkNew(this.db, directoryId, org, change.provisioning);
        const p: Subject = {
          provisioning_id: PROPOSED_ID,
          principal_type: n.principalType,
          principal_id: n.principalId,
          target_uin: n.target,
          duplication_strategy: n.duplication,
          deletion_strategy: n.deletion,
          duplicate_suffix: change.duplicateSuffix,
          deleting: 0,
          deletion_breaker: null,
        };
        return [{ p, delta: NO_DELTA }];
      }
      case "update": {
        const p = await this.stored(directoryId, change.provisioningId);
        const duplication = oneOf(change.duplicationStrategy, ["KeepBoth", "TakeOver"] as const, "duplicationStrategy");
        const deletion = oneOf(change.deletionStrategy, ["Delete", "Keep"] as const, "deletionStrategy");
        return [{ p: { ...p, duplication_strategy: duplication ?? p.duplication_strategy, deletion_strategy: deletion ?? p.deletion_strategy }, delta: NO_DELTA }];
      }
      case "delete": {
        const p = await this.stored(directoryId, change.provisioningId);
        const deletion = oneOf(change.deletionStrategy, ["Delete", "Keep"] as const, "deletionStrategy");
        return [{ p: { ...p, deleting: 1, deletion_strategy: deletion ?? p.deletion_strategy }, delta: NO_DELTA }];
      }
      case "membership": {
        await this.groups.find(this.db, directoryId, change.groupId);
        for (const userId of [...(change.add ?? []), ...(change.remove ?? [])]) await this.users.find(this.db, directoryId, userId);
        const delta = { add: new Set(change.add ?? []), remove: new Set(change.remove ?? []) };
        const ps = await all(
          this.db,
          this.db.selectFrom("provisionings").selectAll().where("directory_id", "=", directoryId).where("principal_type", "=", "Group").where("principal_id", "=", change.groupId).where("deleting", "=", 0).orderBy("provisioning_id"),
        );
        return ps.map((p) => ({ p, delta }));
      }
    }
  }

  private async stored(directoryId: string, provisioningId: string): Promise<Provisioning> {
    const p = await first(this.db, this.db.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId).where("directory_id", "=", directoryId));
    return p ?? fail("provisioning.not_found", `provisioning ${provisioningId} does not exist`, "provisioningId");
  }

  /** The reconcile of `p`, step for step: releases, then claims in user-id batches, then attributes. */
  private async planOne(p: Subject, delta: Delta, target: SimulatedTarget): Promise<ProvisioningPlan> {
    const operations: PlannedOperation[] = [];
    const names = new Map<string, string>();

    const releasing = (await claimedButNotCovered(this.db, p)).map((c) => c.user_id);
    if (!p.deleting && delta.remove.size) {
      const already = new Set(releasing);
      const claimed = await inChunks([...delta.remove], (ids) => all(this.db, this.db.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", ids)));
      for (const c of claimed) if (!already.has(c.user_id)) releasing.push(c.user_id);
    }
    await this.userNames(releasing, names);
    const split = await this.judgeReleases(p, releasing, target);
    for (const [users, deletion] of [
      [split.release, p.deletion_strategy],
      [split.keepInstead, "Keep"],
    ] as const) {
      for (let i = 0; i < users.length; i += this.opts.batchSize) {
        const batch = users.slice(i, i + this.opts.batchSize);
        const { ops } = await planReleaseStep(target, { ...p, deletion_strategy: deletion }, batch);
        target.applyReleases(p.provisioning_id, batch, ops);
        for (const o of ops) operations.push({ op: o.op, userId: o.directoryUserId, userName: names.get(o.directoryUserId) ?? "", subUserName: o.name, subUserUin: o.uin });
      }
    }
    for (const o of split.held) operations.push({ op: "hold", userId: o.directoryUserId, userName: names.get(o.directoryUserId) ?? "", subUserName: o.name, subUserUin: o.uin });

    if (!p.deleting) {
      const wanted = await this.wanted(p, delta);
      const claimOps: ClaimOp[] = [];
      for (let i = 0; i < wanted.length; i += this.opts.batchSize) {
        const injected = this.opts.injectedUnitFailure;
        const ops = await planClaimStep(target, p, wanted.slice(i, i + this.opts.batchSize), this.limits.subUsersPerAccount, injected && ((u) => injected(p.target_uin, u)));
        target.applyClaims(p.provisioning_id, ops);
        claimOps.push(...ops);
      }
      const byUser = new Map(wanted.map((u) => [u.userId, u]));
      const reused = new Map<number, WantedUser>();
      for (const op of claimOps) {
        const u = byUser.get(op.userId)!;
        if (op.op === "create") operations.push({ op: "create", userId: u.userId, userName: u.userName, subUserName: op.name, subUserUin: null, ...(op.name !== u.userName ? { clashWith: u.userName } : {}) });
        else if (op.op === "fail") operations.push({ op: "fail", userId: u.userId, userName: u.userName, subUserName: "", subUserUin: null, failure: { kind: op.kind, reason: op.reason } });
        else {
          reused.set(op.uin, u);
          operations.push({ op: op.op, userId: u.userId, userName: u.userName, subUserName: op.op === "adopt" ? op.name : "", subUserUin: op.uin });
        }
      }
      await this.nameReused(operations, reused);
      operations.push(...(await this.attributeUpdates(p, new Set(releasing), reused)));
    }

    const counts = noPlanCounts();
    for (const o of operations) counts[o.op]++;
    return {
      provisioningId: p.provisioning_id === PROPOSED_ID ? null : p.provisioning_id,
      principalType: p.principal_type,
      principalId: p.principal_id,
      targetUin: p.target_uin,
      duplicationStrategy: p.duplication_strategy,
      deletionStrategy: p.deletion_strategy,
      deleting: Boolean(p.deleting),
      counts,
      operations,
    };
  }

  /** The breaker's split of the releases, judged as the reconcile judges them. */
  private async judgeReleases(p: Subject, releasing: string[], target: SimulatedTarget): Promise<ReleaseSplit> {
    if (releasing.length === 0) return { release: releasing, keepInstead: [], held: [], decided: new Map() };
    return (await judgeReleaseStep(this.db, this.holds, target, p, releasing, this.opts.breaker, p.provisioning_id !== PROPOSED_ID)).split;
  }

  /** Who the provisioning would cover and does not claim, in the reconcile's order (user id). */
  private async wanted(p: Subject, delta: Delta): Promise<WantedUser[]> {
    const rows: Covered[] = [];
    for (let after = ""; ; ) {
      const batch = await coveredButNotClaimed(this.db, p, after, this.opts.batchSize);
      if (batch.length === 0) break;
      rows.push(...batch);
      after = batch[batch.length - 1]!.user_id;
    }
    let users = rows.filter((u) => !delta.remove.has(u.user_id));
    if (delta.add.size) {
      const have = new Set(users.map((u) => u.user_id));
      const claimed = new Set(
        (await inChunks([...delta.add], (ids) => all(this.db, this.db.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", ids)))).map((c) => c.user_id),
      );
      const joining = [...delta.add].filter((id) => !have.has(id) && !claimed.has(id) && !delta.remove.has(id));
      users.push(...(await inChunks(joining, (ids) => all(this.db, this.db.selectFrom("dir_users").select(COVERED_COLUMNS).select((eb) => eb.val<number | null>(null).as("joined_at")).where("user_id", "in", ids)))));
      users = users.sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0));
    }
    return users.map(wantedUser);
  }

  /** Sub-users claimed as they are (adopted, reused) and those already claimed, whose email or remark would follow the user's. */
  private async attributeUpdates(p: Subject, released: ReadonlySet<string>, reused: ReadonlyMap<number, WantedUser>): Promise<PlannedOperation[]> {
    const out: PlannedOperation[] = [];
    const rows: Awaited<ReturnType<typeof attributeDrift>> = [];
    for (let after = ""; ; ) {
      const batch = await attributeDrift(this.db, p.provisioning_id, after, this.opts.batchSize);
      if (batch.length === 0) break;
      rows.push(...batch.filter((r) => !released.has(r.userId)));
      after = batch[batch.length - 1]!.userId;
    }
    if (reused.size) {
      const subs = await inChunks([...reused.keys()], (uins) => all(this.db, this.db.selectFrom("sub_users").select(["uin", "name", "email", "remark"]).where("uin", "in", uins)));
      for (const s of subs) {
        const u = reused.get(s.uin)!;
        rows.push({ userId: u.userId, uin: s.uin, name: s.name, email: s.email, remark: s.remark, userName: u.userName, userEmail: u.email, userDisplayName: u.displayName });
      }
    }
    const byUin = new Map(rows.map((r) => [r.uin, r]));
    for (const op of planAttributes(rows)) {
      const r = byUin.get(op.uin)!;
      const changes: NonNullable<PlannedOperation["changes"]> = {};
      if (r.email !== op.email) changes.email = { from: r.email, to: op.email };
      if (r.remark !== op.remark) changes.remark = { from: r.remark, to: op.remark };
      out.push({ op: "update", userId: r.userId, userName: r.userName, subUserName: r.name, subUserUin: r.uin, changes });
    }
    return out;
  }

  private async userNames(userIds: readonly string[], into: Map<string, string>): Promise<void> {
    const rows = await inChunks(userIds, (ids) => all(this.db, this.db.selectFrom("dir_users").select(["user_id", "user_name"]).where("user_id", "in", ids)));
    for (const r of rows) into.set(r.user_id, r.user_name);
  }

  /** Reused sub-users' names (the plan knows only their uins). */
  private async nameReused(operations: PlannedOperation[], reused: ReadonlyMap<number, WantedUser>): Promise<void> {
    if (!reused.size) return;
    const rows = await inChunks([...reused.keys()], (uins) => all(this.db, this.db.selectFrom("sub_users").select(["uin", "name"]).where("uin", "in", uins)));
    const name = new Map(rows.map((r) => [r.uin, r.name]));
    for (const o of operations) if (o.op === "reuse" && o.subUserUin !== null) o.subUserName = name.get(o.subUserUin) ?? "";
  }
}
