/**
 * The reconcile's reading-and-planning steps: each reads what its pure plan (plan.ts) needs through
 * a TargetView and returns the plan. The reconciler runs them over the locked account and applies
 * the ops; the planner runs them over a simulation and shows them. Neither decides anything itself.
 */
import type { Provisioning } from "../../store/schema.js";
import { type ClaimOp, type ClaimPlanInput, candidateNames, planClaims, planReleases, type ReleaseOp, type WantedUser } from "./plan.js";
import type { ManagedSubUser, TargetView } from "./target.js";

/** What the steps read of a provisioning (a stored row, or a proposed one). */
export type PlannedProvisioning = Pick<Provisioning, "provisioning_id" | "target_uin" | "duplication_strategy" | "deletion_strategy" | "duplicate_suffix">;

/** A sub-user a release leaves behind, and what becomes of it. */
export type ReleaseStepOp = ManagedSubUser & ReleaseOp;

/** One op per wanted user, in the order given (the reconcile's batch, in user-id order). */
export async function planClaimStep(view: TargetView, p: PlannedProvisioning, users: readonly WantedUser[], quota: number, injected?: ClaimPlanInput["injected"]): Promise<ClaimOp[]> {
  const ids = users.map((u) => u.userId);
  // A retried event may carry its own duplication strategy for that one user.
  const overrides = await view.overrides(p.provisioning_id, ids);
  const managed = await view.managed(ids);
  const names = candidateNames(managed.size ? users.filter((u) => !managed.has(u.userId)) : users, p.duplicate_suffix);
  const byName = names.length ? await view.byName(names) : new Map();
  return planClaims({
    target: view.target,
    users,
    managed,
    byName,
    overrides,
    strategy: p.duplication_strategy,
    suffix: p.duplicate_suffix,
    room: await view.room(),
    quota,
    injected,
  });
}

/**
 * What releasing these users' claims does to the sub-users no other provisioning still claims (`ops`),
 * and which users another provisioning still claims (`elsewhere`: their sub-users stay, managed).
 */
export async function planReleaseStep(view: TargetView, p: PlannedProvisioning, userIds: readonly string[]): Promise<{ ops: ReleaseStepOp[]; elsewhere: Set<string> }> {
  const elsewhere = await view.claimedElsewhere(p.provisioning_id, userIds);
  const orphaned = userIds.filter((id) => !elsewhere.has(id));
  const subs = orphaned.length ? await view.representing(orphaned) : [];
  return { ops: planReleases(subs, p.deletion_strategy), elsewhere };
}
