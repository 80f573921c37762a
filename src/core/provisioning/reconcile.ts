/**
 * Level-triggered reconcile of one provisioning: read what it should cover now (desired) and what
 * it claims (actual), plan the difference (plan.ts, pure) and apply it through SubUsers. Every step
 * is idempotent, so running it twice, or again after a crash at any point, converges on the same
 * sub-users. This is the engine's Reconciler for provisionings: it also records results and give-ups
 * (tasks, failed events) for the worker (core/engine/worker.ts).
 */
import type { Kysely } from "kysely";
import { all, exec, first, lockRow } from "../../store/database.js";
import type { Database, DirUser, EventSource, Provisioning, UnitFailureKind } from "../../store/schema.js";
import type { Clock } from "../clock.js";
import { noCounts, type ReconcileResult } from "../engine/result.js";
import type { Faults, GiveUp, Reconciler } from "../engine/worker.js";
import { randomAlnum } from "../ids.js";
import type { Limits } from "../limits.js";
import type { SubUsers } from "../subusers.js";
import { type ClaimOp, planAttributes, type WantedUser } from "./plan.js";
import { attributeDrift, type Covered, claimedButNotCovered, coveredButNotClaimed } from "./coverage.js";
import { type BreakerSetting, DEFAULT_BREAKER, type DeletionHolds, type HoldDecision, judgeReleaseStep, type ReleaseSplit } from "./breaker.js";
import { planClaimStep, planReleaseStep } from "./steps.js";
import { insertRows } from "../../store/shapes.js";
import { LockedTarget, StoredTarget } from "./target.js";
import type { Timeline } from "./timeline.js";
import { yieldTurn } from "../../lib/turn-end.js";

/** A unit that cannot converge until something changes (a clash, a quota): the task fails with why. */
export interface UnitFailure {
  userId: string;
  userName: string;
  kind: UnitFailureKind;
  reason: string;
}

export type ProvisioningResult = ReconcileResult<UnitFailure> & {
  /** Why deletions are held by the circuit breaker (counts.held of them); the tasks then stay InProgress. */
  heldReason?: string;
};

/** The user id of a failed event about the provisioning as a whole (its reconcile gave up), not one user. */
export const PROVISIONING_WIDE = "";


export interface ReconcilerOptions {
  /** Pause between write batches, so a big fan-out leaves room for API requests (0: none). */
  batchPauseMs: number;
  /** Users per write batch. */
  batchSize: number;
  /** The server's deletion circuit breaker (a provisioning may have its own). */
  breaker: BreakerSetting;
  faults?: Faults;
  /** The emulator's unit faults: a failure for a user into an account, or undefined. */
  injectedUnitFailure?: (account: number, user: WantedUser) => { kind: UnitFailureKind; reason: string } | undefined;
  /** Where each applied decision is recorded, in the transaction that applies it. */
  timeline?: Timeline;
}


export class ProvisioningReconciler implements Reconciler<ProvisioningResult> {
  readonly kind = "provisioning";

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly subUsers: SubUsers,
    private readonly limits: Limits,
    private readonly holds: DeletionHolds,
    private readonly opts: ReconcilerOptions = { batchPauseMs: 0, batchSize: 500, breaker: DEFAULT_BREAKER },
  ) {}

  /**
   * Between write batches the event loop always gets a turn (yieldTurn), so HTTP requests are
   * served while a big fan-out runs: better-sqlite3 is synchronous, and without this a reconcile
   * would run start to end on microtasks alone. An optional pause adds room on top.
   */
  private async pause(): Promise<void> {
    if (this.opts.batchPauseMs > 0) await new Promise<void>((r) => setTimeout(r, this.opts.batchPauseMs));
    else await yieldTurn();
  }

  async reconcile(provisioningId: string): Promise<ProvisioningResult> {
    const r: ProvisioningResult = { kind: "converged", generation: 0, counts: noCounts(), failures: [] };
    const p = await first(this.db, this.db.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId));
    if (!p) return { ...r, kind: "gone" };
    r.generation = p.generation;
    const gone = (): ProvisioningResult => ({ ...r, kind: "gone" });

    // Desired vs actual, as two anti-joins: what the provisioning covers but does not claim, and
    // what it claims but no longer covers. Both are index lookups; nothing is compared in memory.
    // Each write batch re-checks, under the provisioning's row lock, that it still exists: one removed
    // meanwhile (its account left the organization) gets no further writes.
    const toRelease = (await claimedButNotCovered(this.db, p)).map((c) => c.user_id);
    const split = await this.judgeReleases(p, toRelease, r);
    if (!split) return gone();
    for (const [users, deletion] of [
      [split.release, p.deletion_strategy],
      [split.keepInstead, "Keep"],
    ] as const) {
      for (let i = 0; i < users.length; i += this.opts.batchSize) {
        if (!(await this.release({ ...p, deletion_strategy: deletion }, users.slice(i, i + this.opts.batchSize), r, split.decided))) return gone();
        await this.pause();
      }
    }
    if (!p.deleting) {
      // Walked in user-id order, one batch at a time, so a group of any size costs the same per user
      // and never sits in memory whole.
      for (let after = ""; ; ) {
        const batch = await coveredButNotClaimed(this.db, p, after, this.opts.batchSize);
        if (batch.length === 0) break;
        if (!(await this.claim(p, batch, r))) return gone();
        after = batch[batch.length - 1]!.user_id;
        await this.pause();
      }
      // A failed unit whose user the provisioning no longer covers has nothing left to retry.
      await this.dropUncoveredEvents(p);
      // Adopted and long-claimed sub-users alike follow the directory user's email and display name.
      if (!(await this.syncAttributes(p, r))) return gone();
      r.kind = r.failures.length > 0 ? "unit_failures" : "converged";
      return r;
    }
    // A deletion whose sub-user deletions are held finishes once they are approved or rejected.
    if (split.held.length > 0) return r;
    return this.finishDeletion(p, r);
  }

  /**
   * The deletion circuit breaker's say over this reconcile's releases: plans them all (read-only),
   * splits them (breaker.ts) and records the held set under the provisioning's lock. Undefined when
   * the provisioning is gone.
   */
  private async judgeReleases(p: Provisioning, toRelease: string[], r: ProvisioningResult): Promise<ReleaseSplit | undefined> {
    const all: ReleaseSplit = { release: toRelease, keepInstead: [], held: [], decided: new Map() };
    if (toRelease.length === 0 && !(await this.holds.any(this.db, p.provisioning_id))) return all;
    const { split, managed, setting } = await judgeReleaseStep(this.db, this.holds, new StoredTarget(this.db, p.target_uin, this.limits), p, toRelease, this.opts.breaker);
    const recorded = await this.db.transaction().execute(async (trx) => {
      if (!(await lockRow(trx, "provisionings", "provisioning_id", p.provisioning_id))) return false;
      const recorded = await this.holds.record(trx, p, toRelease, split.held);
      if (recorded) await this.opts.timeline?.held(trx, p, recorded.holdId, recorded.newlyHeld);
      return true;
    });
    if (!recorded) return undefined;
    if (split.held.length && setting !== "off") {
      r.counts.held = split.held.length;
      r.heldReason =
        `${split.held.length} sub-user deletions in account ${p.target_uin} are held by the deletion circuit breaker ` +
        `(more than ${setting.count} and more than ${setting.percent}% of the ${managed} sub-users this provisioning manages there); ` +
        "an administrator approves or rejects them (native API, `opencic held-deletions`, or the console)";
    }
    return split;
  }

  /** A deleting provisioning without claims left is removed, with its events; its queue row goes when the worker is done. */
  private async finishDeletion(p: Provisioning, r: ProvisioningResult): Promise<ProvisioningResult> {
    return this.db.transaction().execute(async (trx) => {
      if (!(await lockRow(trx, "provisionings", "provisioning_id", p.provisioning_id))) return { ...r, kind: "gone" };
      const left = await first(trx, trx.selectFrom("provisioning_claims").select("user_id").where("provisioning_id", "=", p.provisioning_id).limit(1));
      // Claims made by a reconcile that raced this one: run again (the worker retries) rather than leave them behind.
      if (left) throw new Error(`provisioning ${p.provisioning_id} still has claims after releasing them`);
      await exec(trx, trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id));
      await exec(trx, trx.deleteFrom("provisionings").where("provisioning_id", "=", p.provisioning_id));
      return { ...r, kind: "deleted" };
    });
  }

  private async dropUncoveredEvents(p: Provisioning): Promise<void> {
    // The breaker's event is settle's to keep or drop.
    let q = this.db.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).where("error_kind", "!=", "deletions_held");
    q =
      p.principal_type === "User"
        ? q.where((eb) => eb.or([eb("user_id", "!=", p.principal_id), eb.not(eb.exists(eb.selectFrom("dir_users").select("user_id").where("dir_users.user_id", "=", p.principal_id)))]))
        : q.where((eb) =>
            eb.not(eb.exists(eb.selectFrom("dir_memberships").select("dir_memberships.user_id").where("dir_memberships.group_id", "=", p.principal_id).whereRef("dir_memberships.user_id", "=", "provisioning_events.user_id"))),
          );
    await exec(this.db, q);
  }

  /**
   * Gives each user a managed sub-user in the target (creating, adopting or reusing one) and records
   * the claim, in one transaction: the plan is made from what the target holds under its row lock,
   * so the quota and the names it relies on cannot change before it is applied. False when the
   * provisioning no longer exists.
   */
  private async claim(p: Provisioning, users: Covered[], r: ProvisioningResult): Promise<boolean> {
    await this.opts.faults?.beforeBatch?.(p.provisioning_id);
    const applied = await this.db.transaction().execute(async (trx) => {
      // Lock order: the provisioning's row, then the account's.
      if (!(await lockRow(trx, "provisionings", "provisioning_id", p.provisioning_id))) return undefined;
      const target = await new LockedTarget(trx, p.target_uin, this.limits, this.subUsers).lock();
      const injected = this.opts.injectedUnitFailure;
      const ops = await planClaimStep(target, p, users.map(wantedUser), this.limits.subUsersPerAccount, injected && ((u) => injected(p.target_uin, u)));
      const applied = await this.applyClaims(trx, p, ops, new Map(users.map((u) => [u.user_id, u.joined_at])));
      await this.opts.timeline?.claimed(trx, p, ops, users, applied.made);
      return applied;
    });
    if (!applied) return false;
    r.counts.created += applied.created;
    r.counts.adopted += applied.adopted;
    r.failures.push(...applied.failures);
    return true;
  }

  private async applyClaims(trx: Kysely<Database>, p: Provisioning, ops: ClaimOp[], joinedAt: Map<string, number | null>) {
    const target = p.target_uin;
    const now = this.clock.now();
    const subUserOf = new Map<string, number>();
    const creates: Extract<ClaimOp, { op: "create" }>[] = [];
    const failures: UnitFailure[] = [];
    let adopted = 0;
    for (const op of ops) {
      if (op.op === "reuse") subUserOf.set(op.userId, op.uin);
      else if (op.op === "adopt") {
        await this.subUsers.adopt(trx, target, op.uin, op.userId);
        subUserOf.set(op.userId, op.uin);
        adopted++;
      } else if (op.op === "create") creates.push(op);
      else failures.push({ userId: op.userId, userName: op.userName, kind: op.kind, reason: op.reason });
    }
    const created = await this.subUsers.createMany(
      trx,
      target,
      creates.map((c) => ({ name: c.name, email: c.email, remark: c.remark, directoryUserId: c.userId })),
    );
    for (const s of created) subUserOf.set(s.directory_user_id!, s.uin);
    const claims = [...subUserOf].map(([userId, uin]) => ({ provisioning_id: p.provisioning_id, user_id: userId, target_uin: target, sub_user_uin: uin, created_at: now }));
    await insertRows(trx, "provisioning_claims", claims, { chunk: 100, skipConflictsOn: ["provisioning_id", "user_id"] });
    // A unit that converged has no failed event any more; one that failed records (or counts) its event.
    const converged = claims.map((c) => c.user_id);
    if (converged.length && (await first(trx, trx.selectFrom("provisioning_events").select("event_id").where("provisioning_id", "=", p.provisioning_id).limit(1)))) {
      for (let i = 0; i < converged.length; i += 500) {
        await exec(trx, trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", converged.slice(i, i + 500)));
      }
    }
    for (const f of failures) await recordFailure(trx, p, f, sourceOf(p, joinedAt.get(f.userId) ?? null), now);
    return { created: created.length, adopted, failures, made: created };
  }

  /**
   * Drops the claims; a sub-user no other provisioning claims is deleted or let go, per the strategy
   * (`decided`: where an administrator approved or rejected its held deletion). False when the
   * provisioning is gone.
   */
  private async release(p: Provisioning, userIds: string[], r: ProvisioningResult, decided: ReadonlyMap<string, HoldDecision>): Promise<boolean> {
    await this.opts.faults?.beforeBatch?.(p.provisioning_id);
    const released = await this.db.transaction().execute(async (trx) => {
      if (!(await lockRow(trx, "provisionings", "provisioning_id", p.provisioning_id))) return undefined;
      await exec(trx, trx.deleteFrom("provisioning_claims").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", userIds));
      await exec(trx, trx.deleteFrom("provisioning_events").where("provisioning_id", "=", p.provisioning_id).where("user_id", "in", userIds));
      await this.holds.drop(trx, p.provisioning_id, userIds);
      const { ops, elsewhere } = await planReleaseStep(new StoredTarget(trx, p.target_uin, this.limits), p, userIds);
      await this.opts.timeline?.released(trx, p, userIds, elsewhere, ops.map((o) => ({ uin: o.uin, name: o.name, directory_user_id: o.directoryUserId })), ops, decided);
      const deletes = ops.filter((o) => o.op === "delete").map((o) => o.uin);
      const keeps = ops.filter((o) => o.op === "keep").map((o) => o.uin);
      const keys = await this.subUsers.release(trx, p.target_uin, deletes, "delete");
      await this.subUsers.release(trx, p.target_uin, keeps, "keep");
      return { keys, deleted: deletes.length, released: keeps.length };
    });
    if (!released) return false;
    this.subUsers.forget(released.keys);
    r.counts.deleted += released.deleted;
    r.counts.released += released.released;
    return true;
  }

  /** Keeps claimed sub-users' email and remark equal to the directory user's email and display name. False when the provisioning is gone. */
  private async syncAttributes(p: Provisioning, r: ProvisioningResult): Promise<boolean> {
    for (;;) {
      const done = await this.db.transaction().execute(async (trx) => {
        if (!(await lockRow(trx, "provisionings", "provisioning_id", p.provisioning_id))) return undefined;
        // Updated rows drop out of the drift, so each batch starts from the first user again.
        const rows = await attributeDrift(trx, p.provisioning_id, "", this.opts.batchSize);
        const ops = planAttributes(rows);
        await this.subUsers.updateAttributes(trx, ops);
        await this.opts.timeline?.updated(trx, p, rows.map((r) => ({ uin: r.uin, name: r.name, email: r.email, remark: r.remark, user_id: r.userId, user_name: r.userName })), ops);
        r.counts.updated += ops.length;
        return ops.length < this.opts.batchSize;
      });
      if (done === undefined) return false;
      if (done) return true;
      await this.pause();
    }
  }

  /**
   * Records a result, holding the provisioning's row so no change can be marked between reading its
   * generation and the worker dropping the key: the tasks waiting on a generation this reconcile has
   * seen are settled (Success, or Failed with the units' reasons). True when a newer generation is waiting.
   */
  async settle(trx: Kysely<Database>, provisioningId: string, r: ProvisioningResult): Promise<boolean> {
    const now = this.clock.now();
    const exists = await lockRow(trx, "provisionings", "provisioning_id", provisioningId);
    if (!exists || r.kind === "deleted" || r.kind === "gone") {
      await exec(trx, trx.updateTable("provisioning_tasks").set({ status: "Success", updated_at: now }).where("provisioning_id", "=", provisioningId).where("status", "=", "InProgress"));
      return false;
    }
    // The row is locked above, so it is there.
    const current = (await first(trx, trx.selectFrom("provisionings").select("generation").where("provisioning_id", "=", provisioningId)))!;
    const failed = r.failures.length > 0;
    if (r.heldReason) {
      // Held deletions wait for an administrator: the tasks stay InProgress, and an event says why (Alibaba lists it).
      const p = (await first(trx, trx.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId)))!;
      await recordFailure(trx, p, { userId: PROVISIONING_WIDE, userName: "", kind: "deletions_held", reason: r.heldReason }, "RemoveUserFromGroup", now);
    } else {
      await exec(trx, trx.deleteFrom("provisioning_events").where("provisioning_id", "=", provisioningId).where("user_id", "=", PROVISIONING_WIDE).where("error_kind", "=", "deletions_held"));
      await exec(
        trx,
        trx
          .updateTable("provisioning_tasks")
          .set({ status: failed ? "Failed" : "Success", failure_reason: failed ? describeFailures(r.failures) : "", updated_at: now })
          .where("provisioning_id", "=", provisioningId)
          .where("status", "=", "InProgress")
          .where("generation", "<=", r.generation),
      );
    }
    await exec(trx, trx.updateTable("provisionings").set({ reconciled_generation: r.generation, reconciled_at: now }).where("provisioning_id", "=", provisioningId));
    return current.generation !== r.generation;
  }

  /**
   * The reconcile kept failing: its waiting tasks fail with a reason a person can act on, and a failed
   * event about the provisioning as a whole (user PROVISIONING_WIDE, kind reconcile_failed) records it
   * for the Alibaba door. The next successful reconcile drops that event.
   */
  async lock(trx: Kysely<Database>, provisioningId: string): Promise<void> {
    await lockRow(trx, "provisionings", "provisioning_id", provisioningId);
  }

  async giveUp(trx: Kysely<Database>, provisioningId: string, why: GiveUp): Promise<void> {
    if (!(await lockRow(trx, "provisionings", "provisioning_id", provisioningId))) return;
    const p = (await first(trx, trx.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId)))!;
    const now = this.clock.now();
    const tried = why.terminal ? `failed with an error that retrying cannot fix (attempt ${why.attempts})` : `failed ${why.attempts} times`;
    const reason =
      `syncing provisioning ${provisioningId} into account ${p.target_uin} ${tried}; the last error: ${why.error}. ` +
      "It is not retried on its own: the next change to the provisioning (or to its user or group), or a retry of its failed event, runs it again.";
    await exec(trx, trx.updateTable("provisioning_tasks").set({ status: "Failed", failure_reason: reason, updated_at: now }).where("provisioning_id", "=", provisioningId).where("status", "=", "InProgress"));
    const source: EventSource = p.deleting ? "DeleteProvisioning" : "StartProvisioning";
    await recordFailure(trx, p, { userId: PROVISIONING_WIDE, userName: "", kind: "reconcile_failed", reason }, source, now);
  }
}

function describeFailures(failures: UnitFailure[]): string {
  const shown = failures.slice(0, 5).map((f) => `${f.userName}: ${f.reason}`);
  const more = failures.length > shown.length ? `; and ${failures.length - shown.length} more` : "";
  return `${failures.length} user(s) could not be provisioned: ${shown.join("; ")}${more}`;
}

/** A covered directory user as the plan sees it. */
export const wantedUser = (u: Pick<DirUser, "user_id" | "user_name" | "email" | "display_name">): WantedUser => ({ userId: u.user_id, userName: u.user_name, email: u.email, displayName: u.display_name });

/** Which change made a unit run: a user who joined the group after it was provisioned came in by AddUserToGroup. */
function sourceOf(p: Provisioning, joinedAt: number | null): EventSource {
  return p.principal_type === "Group" && joinedAt !== null && joinedAt > p.created_at ? "AddUserToGroup" : "StartProvisioning";
}

/** One failed-sync event per (provisioning, user): created on the first failure, counted on each later one. */
async function recordFailure(trx: Kysely<Database>, p: Provisioning, f: UnitFailure, source: EventSource, now: number): Promise<void> {
  await exec(
    trx,
    trx
      .insertInto("provisioning_events")
      .values({
        event_id: "upe-" + randomAlnum(20),
        directory_id: p.directory_id,
        provisioning_id: p.provisioning_id,
        user_id: f.userId,
        target_uin: p.target_uin,
        source_type: source,
        error_kind: f.kind,
        error_info: f.reason,
        error_count: 1,
        duplication_override: null,
        last_attempt_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(["provisioning_id", "user_id"]).doUpdateSet((eb) => ({
          error_count: eb("provisioning_events.error_count", "+", 1),
          error_kind: eb.ref("excluded.error_kind"),
          error_info: eb.ref("excluded.error_info"),
          last_attempt_at: now,
          updated_at: now,
        })),
      ),
  );
}
