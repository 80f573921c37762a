/**
 * Level-triggered reconcile of one deployment: compare the role it should have in its account (the
 * deployment's spec) with what the account holds (account-roles.ts), and apply only the difference:
 * the directory's identity provider, the role, the policies to attach, replace or detach. A
 * deployment being removed loses its role, and the account its identity provider with the directory's
 * last role. Every step is idempotent and runs in one transaction, so a crash at any instant leaves
 * either the old state or the new, and running again converges. This is the engine's Reconciler for
 * deployments: it also records results and give-ups (tasks, the deployment's status) for the worker.
 */
import type { Kysely } from "kysely";
import { exec, first, lockRow } from "../../store/database.js";
import type { AccessDeployment, Database } from "../../store/schema.js";
import type { Clock } from "../clock.js";
import { noCounts, type ReconcileResult } from "../engine/result.js";
import type { Faults, GiveUp, Reconciler } from "../engine/worker.js";
import { DEFAULT_FAULT_REASON } from "../emulator/faults.js";
import type { AccountRoles } from "./account-roles.js";
import { parseRoleSpec, planPolicies } from "./spec.js";

/** Why a deployment cannot converge until something changes (the task fails with it; nothing is retried). */
export interface DeploymentFailure {
  reason: string;
}

export type DeploymentResult = ReconcileResult<DeploymentFailure>;

export interface DeploymentReconcilerOptions {
  /** Pause before each deployment's transaction, so many deployments leave room for API requests (0: none). */
  batchPauseMs?: number;
  faults?: Faults;
  /** The emulator's deployment faults (OPENCIC_DEPLOYMENT_FAULTS seeds them): the reason deployments into an account fail, or undefined. */
  injectedFailure?: (account: number) => string | undefined;
}

/** What a deployment into a failing account reports when no reason is given: the clouds' documented example. */
export const DEFAULT_DEPLOYMENT_FAULT = DEFAULT_FAULT_REASON;

/**
 * Parses OPENCIC_DEPLOYMENT_FAULTS, the emulator's switch for failed deployments:
 * `100000000002,100000000003=Access denied` makes deployments into those accounts fail, each with its
 * reason (or DEFAULT_DEPLOYMENT_FAULT). A reason cannot hold a comma.
 */
export function parseDeploymentFaults(spec: string | undefined): Map<number, string> {
  const out = new Map<number, string>();
  for (const part of (spec ?? "").split(",")) {
    if (part.trim() === "") continue;
    const at = part.indexOf("=");
    const uin = (at < 0 ? part : part.slice(0, at)).trim();
    const reason = at < 0 ? "" : part.slice(at + 1).trim();
    if (!/^[1-9]\d*$/.test(uin) || !Number.isSafeInteger(Number(uin))) throw new Error(`bad deployment fault "${part.trim()}": give an account UIN, optionally followed by =<reason>`);
    out.set(Number(uin), reason || DEFAULT_DEPLOYMENT_FAULT);
  }
  return out;
}

/**
 * The role a deployment becomes in CAM is `TencentCloudSSO-<configuration name>` and CAM takes role
 * names up to 128 characters: one rule, kept here with the prefix the Tencent door renders.
 */
export const CAM_ROLE_PREFIX = "TencentCloudSSO-";
const CAM_ROLE_NAME_MAX = 128;

export class DeploymentReconciler implements Reconciler<DeploymentResult> {
  readonly kind = "deployment";

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly accountRoles: AccountRoles,
    private readonly opts: DeploymentReconcilerOptions = {},
  ) {}

  async reconcile(deploymentId: string): Promise<DeploymentResult> {
    const r: DeploymentResult = { kind: "converged", generation: 0, counts: noCounts(), failures: [] };
    // A deployment is one write batch: the worker's pause between batches (OPENCIC_WORKER_BATCH_PAUSE_MS) comes before it.
    if (this.opts.batchPauseMs) await new Promise<void>((resolve) => setTimeout(resolve, this.opts.batchPauseMs));
    await this.opts.faults?.beforeBatch?.(deploymentId);
    return this.db.transaction().execute(async (trx): Promise<DeploymentResult> => {
      // Lock order: the deployment, then its account (every deployment of an account shares its identity provider).
      if (!(await lockRow(trx, "access_deployments", "deployment_id", deploymentId))) return { ...r, kind: "gone" };
      const d = (await first(trx, trx.selectFrom("access_deployments").selectAll().where("deployment_id", "=", deploymentId)))!;
      r.generation = Number(d.generation);
      const account = Number(d.target_uin);
      await lockRow(trx, "accounts", "uin", account);
      if (d.removing) return this.remove(trx, d, r);

      // An emulator deployment fault: the account refuses the deployment, as one without permission would.
      const injected = this.opts.injectedFailure?.(account);
      if (injected !== undefined) return { ...r, kind: "unit_failures", failures: [{ reason: injected }] };

      const spec = parseRoleSpec(d.spec);
      if (CAM_ROLE_PREFIX.length + spec.configurationName.length > CAM_ROLE_NAME_MAX) {
        r.failures.push({ reason: `the role name ${CAM_ROLE_PREFIX}${spec.configurationName} is longer than the ${CAM_ROLE_NAME_MAX} characters CAM allows; use a configuration with a shorter name` });
      }
      const clash = await this.accountRoles.nameTakenBy(trx, account, d.configuration_id, spec.configurationName);
      if (clash) r.failures.push({ reason: `account ${account} already holds a role for configuration ${clash} under the same name` });
      if (r.failures.length) return { ...r, kind: "unit_failures" };

      if (await this.accountRoles.ensureProvider(trx, account, d.directory_id)) r.counts.created++;
      const role = await this.accountRoles.putRole(trx, account, d.configuration_id, d.directory_id, spec);
      if (role.created) r.counts.created++;
      if (role.updated) r.counts.updated++;
      const plan = planPolicies(spec.policies, await this.accountRoles.attached(trx, account, d.configuration_id));
      await this.accountRoles.detach(trx, account, d.configuration_id, [...plan.detach, ...plan.replace]);
      await this.accountRoles.attach(trx, account, d.configuration_id, [...plan.replace, ...plan.attach]);
      r.counts.created += plan.attach.length;
      r.counts.updated += plan.replace.length;
      r.counts.deleted += plan.detach.length;
      return r;
    });
  }

  /** The role goes, the identity provider with the directory's last role in the account, then the deployment itself. */
  private async remove(trx: Kysely<Database>, d: AccessDeployment, r: DeploymentResult): Promise<DeploymentResult> {
    const account = Number(d.target_uin);
    if (await this.accountRoles.removeRole(trx, account, d.configuration_id)) r.counts.deleted++;
    if (await this.accountRoles.removeProviderIfUnused(trx, account, d.directory_id)) r.counts.deleted++;
    await exec(trx, trx.deleteFrom("access_deployments").where("deployment_id", "=", d.deployment_id));
    return { ...r, kind: "deleted" };
  }

  /**
   * Records a result under the deployment's row lock: its status, and the tasks waiting on a
   * generation this reconcile saw (Success, or Failed with why). True when a newer generation waits.
   */
  async settle(trx: Kysely<Database>, deploymentId: string, r: DeploymentResult): Promise<boolean> {
    const now = this.clock.now();
    const tasks = trx.updateTable("access_tasks").where("deployment_id", "=", deploymentId).where("status", "=", "InProgress");
    const exists = await lockRow(trx, "access_deployments", "deployment_id", deploymentId);
    if (!exists || r.kind === "deleted" || r.kind === "gone") {
      // Removed by this reconcile: its tasks are done. Gone otherwise (its account left, which failed its tasks already).
      await exec(trx, r.kind === "deleted" ? tasks.set({ status: "Success", updated_at: now }) : tasks.set({ status: "Failed", failure_reason: "the deployment no longer exists", updated_at: now }));
      return false;
    }
    const d = (await first(trx, trx.selectFrom("access_deployments").select(["generation", "removing"]).where("deployment_id", "=", deploymentId)))!;
    const failed = r.failures.length > 0;
    const reason = failed ? r.failures.map((f) => f.reason).join("; ") : "";
    await exec(
      trx,
      trx
        .updateTable("access_deployments")
        .set({
          status: failed ? (d.removing ? "RemoveFailed" : "DeployFailed") : d.removing ? "Removing" : "Deployed",
          failure_reason: reason,
          reconciled_generation: r.generation,
          ...(failed ? {} : { updated_at: now }),
        })
        .where("deployment_id", "=", deploymentId),
    );
    await exec(trx, tasks.where("generation", "<=", r.generation).set({ status: failed ? "Failed" : "Success", failure_reason: reason, updated_at: now }));
    return Number(d.generation) !== r.generation;
  }

  async lock(trx: Kysely<Database>, deploymentId: string): Promise<void> {
    await lockRow(trx, "access_deployments", "deployment_id", deploymentId);
  }

  /** The reconcile kept failing: the deployment is marked failed and its waiting tasks fail with a reason a person can act on. */
  async giveUp(trx: Kysely<Database>, deploymentId: string, why: GiveUp): Promise<void> {
    if (!(await lockRow(trx, "access_deployments", "deployment_id", deploymentId))) return;
    const d = (await first(trx, trx.selectFrom("access_deployments").selectAll().where("deployment_id", "=", deploymentId)))!;
    const tried = why.terminal ? `failed with an error that retrying cannot fix (attempt ${why.attempts})` : `failed ${why.attempts} times`;
    const reason =
      `${d.removing ? "undeploying" : "deploying"} configuration ${d.configuration_id} ${d.removing ? "from" : "into"} account ${d.target_uin} ${tried}; the last error: ${why.error}. ` +
      "It is not retried on its own: provision (or deprovision) it again.";
    const now = this.clock.now();
    await exec(
      trx,
      trx
        .updateTable("access_deployments")
        .set({ status: d.removing ? "RemoveFailed" : "DeployFailed", failure_reason: reason, reconciled_generation: d.generation })
        .where("deployment_id", "=", deploymentId),
    );
    await exec(trx, trx.updateTable("access_tasks").set({ status: "Failed", failure_reason: reason, updated_at: now }).where("deployment_id", "=", deploymentId).where("status", "=", "InProgress"));
  }
}
