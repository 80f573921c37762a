/**
 * Where configurations reach accounts: assignments (a configuration granted to a user or group on an
 * account), deployments (the configuration's role in an account) and the tasks clients poll.
 *
 * API calls only record intent, in one transaction: an assignment, a deployment's desired role (its
 * `spec`, copied from the configuration) or its removal, a bumped generation, the deployment's id on
 * the reconcile queue, and a task waiting for that generation. The deployment reconcile
 * (reconcile.ts) makes the account match and settles the tasks. The first assignment of a
 * configuration on an account deploys it; an assignment removed with the "last assignment" strategy
 * undeploys it; a policy change marks deployments for redeployment, which only a new provision applies.
 *
 * Lock order, in every transaction that takes several: the organization, the configuration, the
 * deployment, the account. A deployment with work pending refuses a conflicting change
 * (`access.deployment_busy`, retried by both clouds' Terraform providers).
 */
import { type Kysely, type SelectQueryBuilder, sql } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockRow } from "../../store/database.js";
import type { AccessConfiguration, AccessDeployment, AccessTask, Database, Organization } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Announcer } from "../announcements.js";
import type { Clock } from "../clock.js";
import type { Directories } from "../directory/directories.js";
import type { Groups } from "../directory/groups.js";
import { type Page, type PageRequest, type PageTokens, readPage, scopeOf } from "../directory/paging.js";
import type { Users } from "../directory/users.js";
import type { ReconcileQueue } from "../engine/queue.js";
import { fail } from "../errors.js";
import { isNumericId, prefixedId } from "../ids.js";
import type { Organizations } from "../organizations.js";
import { oneOf } from "../rules.js";
import { checkSearchText } from "../text.js";
import type { AccountRoles } from "./account-roles.js";
import { configurationPolicies, lockConfiguration } from "./configurations.js";
import { parseRoleSpec, roleSpec } from "./spec.js";
import type { AccessTaskType, AccessTaskView, AssignmentView, DeploymentState, DeploymentView, PrincipalType, TargetType, TaskStatus } from "./views.js";

export const ACCESS_PRINCIPAL_TYPES = ["User", "Group"] as const satisfies readonly PrincipalType[];
export const ACCESS_TARGET_TYPES = ["ManagerUin", "MemberUin"] as const satisfies readonly TargetType[];
export const DEPLOYMENT_STATES = ["Deployed", "RedeployRequired", "Deploying", "DeployFailed", "Removing", "RemoveFailed"] as const satisfies readonly DeploymentState[];
export const ACCESS_TASK_TYPES = ["Provision", "Deprovision", "CreateAssignment", "DeleteAssignment"] as const satisfies readonly AccessTaskType[];
export const TASK_STATUSES = ["InProgress", "Success", "Failed"] as const satisfies readonly TaskStatus[];
/** What removing an assignment does to the deployment: nothing, or undeploy it when it was the configuration's last on the account. */
export type DeprovisionStrategy = "None" | "DeprovisionForLastAssignment";
export const DEPROVISION_STRATEGIES = ["None", "DeprovisionForLastAssignment"] as const satisfies readonly DeprovisionStrategy[];
/** Assignments one CreateRoleAssignment call makes (documented: 50). */
export const MAX_ASSIGNMENT_BATCH = 50;

/** An account, as a request names it: its UIN, and optionally whether it is the management account or a member. */
export interface TargetRef {
  targetType?: string;
  targetUin?: number;
}

export interface PrincipalRef {
  principalType?: string;
  principalId?: string;
}

export interface NewAssignment extends TargetRef, PrincipalRef {
  configurationId?: string;
}

export interface AssignmentQuery extends PageRequest, TargetRef, PrincipalRef {
  configurationId?: string;
  /** Case-insensitive substring of the configuration's name. */
  configurationName?: string;
}

export interface DeploymentQuery extends PageRequest, TargetRef {
  configurationId?: string;
  states?: DeploymentState[];
  configurationName?: string;
}

export interface AccessTaskQuery extends PageRequest, TargetRef, PrincipalRef {
  configurationId?: string;
  status?: string;
  type?: string;
  /** Tasks created at or after this instant (ms). */
  since?: number;
}

type Deployment = AccessDeployment;

export class AccessDeployments {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly organizations: Organizations,
    private readonly users: Users,
    private readonly groups: Groups,
    private readonly queue: ReconcileQueue,
    private readonly announcer: Announcer,
    private readonly tokens: PageTokens,
    private readonly accountRoles: AccountRoles,
  ) {}

  /** An account that leaves the organization takes the directory's assignments, deployments and roles there with it. */
  listen(): void {
    this.announcer.on("organization.member_left", (trx, a) => this.endForDepartedAccount(trx, a.orgId, a.accountUin));
  }

  // ---- assignments ----

  /** All or nothing: every item is checked before any is stored. One CreateAssignment task per item, in order. */
  async assign(caller: Caller, directoryId: string, items: NewAssignment[]): Promise<AccessTaskView[]> {
    await this.directories.scope(caller, directoryId);
    if (items.length === 0) fail("value.missing", "give at least one assignment", "assignments");
    if (items.length > MAX_ASSIGNMENT_BATCH) fail("access.assignment_batch_too_large", `one call makes at most ${MAX_ASSIGNMENT_BATCH} assignments; ${items.length} were given`, "assignments");
    for (const item of items) {
      if (!item.configurationId) fail("value.missing", "configurationId is required", "configurationId");
      checkPrincipal(item, true);
      checkTargetShape(item);
    }
    try {
      return await this.write(caller, async (trx, org) => {
        const configs = new Map<string, AccessConfiguration>();
        // Configurations locked in id order: two batches naming the same ones cannot wait on each other in a circle.
        for (const id of [...new Set(items.map((i) => i.configurationId!))].sort()) configs.set(id, await lockConfiguration(trx, directoryId, id));
        const seen = new Set<string>();
        const out: AccessTaskView[] = [];
        // Task ids in ascending order: lists order by (created time, id), and a batch is made within one
        // millisecond, so its tasks then list in the order of its items.
        const taskIds = items.map(() => prefixedId("t-", 20)).sort();
        for (const [i, item] of items.entries()) {
          const config = configs.get(item.configurationId!)!;
          const principalType = item.principalType as PrincipalType;
          const principalName = await this.principalName(trx, directoryId, principalType, item.principalId!);
          const targetType = await this.target(trx, org, item);
          const target = item.targetUin!;
          const key = `${config.configuration_id}:${target}:${principalType}:${item.principalId}`;
          const dup = await first(
            trx,
            trx
              .selectFrom("access_assignments")
              .select("assignment_id")
              .where("configuration_id", "=", config.configuration_id)
              .where("target_uin", "=", target)
              .where("principal_type", "=", principalType)
              .where("principal_id", "=", item.principalId!),
          );
          if (dup || seen.has(key)) fail("access.assignment_exists", `${principalType} ${item.principalId} is already assigned ${config.name} on account ${target}`);
          seen.add(key);
          // The first assignment deploys the configuration; a failed deployment is tried again; one being removed refuses.
          let d = await this.lockDeployment(trx, config.configuration_id, target);
          if (d && d.removing && busy(d)) fail("access.deployment_busy", `${config.name} is being undeployed from account ${target}; try again when its task has finished`);
          if (!d) d = await this.createDeployment(trx, config, targetType, target);
          else if (d.removing || d.status === "DeployFailed") d = await this.redeploy(trx, config, d);
          const now = this.clock.now();
          await exec(
            trx,
            trx.insertInto("access_assignments").values({
              assignment_id: prefixedId("aa-", 20),
              directory_id: directoryId,
              configuration_id: config.configuration_id,
              target_type: targetType,
              target_uin: target,
              principal_type: principalType,
              principal_id: item.principalId!,
              created_at: now,
              updated_at: now,
            }),
          );
          out.push(await this.insertTask(trx, d, "CreateAssignment", config.name, { type: principalType, id: item.principalId!, name: principalName }, taskIds[i]));
        }
        return out;
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("access.assignment_exists", "that principal is already assigned that configuration on that account");
      throw err;
    }
  }

  /**
   * Removes one assignment. With DeprovisionForLastAssignment, the configuration is also undeployed
   * from the account when no other assignment of it is left there; the task then waits for that.
   */
  async unassign(caller: Caller, directoryId: string, configurationId: string, ref: TargetRef & PrincipalRef, strategy?: string): Promise<AccessTaskView> {
    await this.directories.scope(caller, directoryId);
    checkPrincipal(ref, true);
    checkTargetShape(ref);
    const how = oneOf(strategy || undefined, DEPROVISION_STRATEGIES, "deprovisionStrategy") ?? "None";
    return this.write(caller, async (trx) => {
      const config = await lockConfiguration(trx, directoryId, configurationId);
      const target = ref.targetUin!;
      let q = trx
        .selectFrom("access_assignments")
        .selectAll()
        .where("configuration_id", "=", configurationId)
        .where("target_uin", "=", target)
        .where("principal_type", "=", ref.principalType as PrincipalType)
        .where("principal_id", "=", ref.principalId!);
      if (ref.targetType) q = q.where("target_type", "=", ref.targetType as TargetType);
      // A UIN that is not a whole number names no account (and PostgreSQL would refuse it in a bigint comparison).
      const assignment = isNumericId(target) ? await first(trx, q) : undefined;
      if (!assignment) return fail("access.assignment_not_found", `${ref.principalType} ${ref.principalId} is not assigned ${config.name} on account ${target}`);
      const d = await this.lockDeployment(trx, configurationId, target);
      // An assignment always has a deployment (it is removed only after its assignments); defend against none.
      if (!d) throw new Error(`assignment ${assignment.assignment_id} has no deployment`);
      const others = await first(
        trx,
        trx.selectFrom("access_assignments").select("assignment_id").where("configuration_id", "=", configurationId).where("target_uin", "=", target).where("assignment_id", "!=", assignment.assignment_id).limit(1),
      );
      const undeploy = how === "DeprovisionForLastAssignment" && !others;
      if (undeploy && busy(d) && !d.removing) fail("access.deployment_busy", `${config.name} is being deployed to account ${target}; try again when its task has finished`);
      await exec(trx, trx.deleteFrom("access_assignments").where("assignment_id", "=", assignment.assignment_id));
      const principalName = await this.principalNameOrId(trx, directoryId, assignment.principal_type, assignment.principal_id);
      const marked = undeploy && !d.removing ? await this.markRemoving(trx, d) : d;
      return this.insertTask(trx, marked, "DeleteAssignment", config.name, { type: assignment.principal_type, id: assignment.principal_id, name: principalName });
    });
  }

  async assignments(caller: Caller, directoryId: string, q: AssignmentQuery): Promise<Page<AssignmentView>> {
    await this.directories.scope(caller, directoryId);
    checkSearchText(q.configurationName, "configurationName");
    checkPrincipal(q, false);
    const targetType = oneOf(q.targetType, ACCESS_TARGET_TYPES, "targetType");
    let base = this.db
      .selectFrom("access_assignments as a")
      .innerJoin("access_configurations as c", "c.configuration_id", "a.configuration_id")
      .leftJoin("org_members as m", "m.member_uin", "a.target_uin")
      .leftJoin("dir_users as u", (j) => j.onRef("u.user_id", "=", "a.principal_id").on("a.principal_type", "=", "User"))
      .leftJoin("dir_groups as g", (j) => j.onRef("g.group_id", "=", "a.principal_id").on("a.principal_type", "=", "Group"))
      .selectAll("a")
      .select((eb) => ["c.name as configuration_name", eb.fn.coalesce("m.name", sql<string>`''`).as("target_name"), eb.fn.coalesce("u.user_name", "g.group_name", sql<string>`''`).as("principal_name")])
      .where("a.directory_id", "=", directoryId);
    if (q.configurationId !== undefined) base = base.where("a.configuration_id", "=", q.configurationId);
    if (q.targetUin !== undefined) base = isNumericId(q.targetUin) ? base.where("a.target_uin", "=", q.targetUin) : base.where(sql<boolean>`1 = 0`);
    if (targetType) base = base.where("a.target_type", "=", targetType);
    if (q.principalType) base = base.where("a.principal_type", "=", q.principalType as PrincipalType);
    if (q.principalId) base = base.where("a.principal_id", "=", q.principalId);
    if (q.configurationName) base = base.where(containsText("c.name", q.configurationName));
    const page = await this.page(base, "access_assignments", directoryId, q, "a.created_at", "a.assignment_id");
    return {
      ...page,
      items: page.items.map((r) => ({
        directoryId: r.directory_id,
        configurationId: r.configuration_id,
        configurationName: r.configuration_name,
        targetType: r.target_type,
        targetUin: Number(r.target_uin),
        targetName: r.target_name,
        principalType: r.principal_type,
        principalId: r.principal_id,
        principalName: r.principal_name,
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      })),
    };
  }

  // ---- deployments ----

  /** Deploys the configuration into the account as it is now, or redeploys it (only the difference is applied). */
  async provision(caller: Caller, directoryId: string, configurationId: string, ref: TargetRef): Promise<AccessTaskView> {
    await this.directories.scope(caller, directoryId);
    checkTargetShape(ref);
    return this.write(caller, async (trx, org) => {
      const config = await lockConfiguration(trx, directoryId, configurationId);
      const targetType = await this.target(trx, org, ref);
      const target = ref.targetUin!;
      let d = await this.lockDeployment(trx, configurationId, target);
      if (d && busy(d)) fail("access.deployment_busy", `${config.name} has a task running on account ${target}; try again when it has finished`);
      d = d ? await this.redeploy(trx, config, d) : await this.createDeployment(trx, config, targetType, target);
      return this.insertTask(trx, d, "Provision", config.name);
    });
  }

  /** Undeploys the configuration from the account; refused while assignments of it remain there. */
  async deprovision(caller: Caller, directoryId: string, configurationId: string, ref: TargetRef): Promise<AccessTaskView> {
    await this.directories.scope(caller, directoryId);
    checkTargetShape(ref);
    return this.write(caller, async (trx, org) => {
      const config = await lockConfiguration(trx, directoryId, configurationId);
      const target = ref.targetUin!;
      const d = await this.lockDeployment(trx, configurationId, target);
      if (!d || (ref.targetType && ref.targetType !== d.target_type)) {
        // An account outside the organization is told as such; a member without the deployment, as that.
        await this.target(trx, org, ref);
        return fail("access.deployment_not_found", `${config.name} is not deployed to account ${target}`);
      }
      const assigned = await first(trx, trx.selectFrom("access_assignments").select("assignment_id").where("configuration_id", "=", configurationId).where("target_uin", "=", target).limit(1));
      if (assigned) fail("access.deployment_has_assignments", `${config.name} is still assigned on account ${target}; delete those assignments first`);
      if (busy(d)) fail("access.deployment_busy", `${config.name} has a task running on account ${target}; try again when it has finished`);
      return this.insertTask(trx, await this.markRemoving(trx, d), "Deprovision", config.name);
    });
  }

  async deployments(caller: Caller, directoryId: string, q: DeploymentQuery): Promise<Page<DeploymentView>> {
    await this.directories.scope(caller, directoryId);
    checkSearchText(q.configurationName, "configurationName");
    const targetType = oneOf(q.targetType, ACCESS_TARGET_TYPES, "targetType");
    for (const s of q.states ?? []) oneOf(s, DEPLOYMENT_STATES, "state");
    let base = this.db
      .selectFrom("access_deployments as d")
      .innerJoin("access_configurations as c", "c.configuration_id", "d.configuration_id")
      .leftJoin("org_members as m", "m.member_uin", "d.target_uin")
      .selectAll("d")
      .select((eb) => ["c.name as configuration_name", eb.fn.coalesce("m.name", sql<string>`''`).as("target_name")])
      .where("d.directory_id", "=", directoryId);
    if (q.configurationId !== undefined) base = base.where("d.configuration_id", "=", q.configurationId);
    if (q.targetUin !== undefined) base = isNumericId(q.targetUin) ? base.where("d.target_uin", "=", q.targetUin) : base.where(sql<boolean>`1 = 0`);
    if (targetType) base = base.where("d.target_type", "=", targetType);
    if (q.configurationName) base = base.where(containsText("c.name", q.configurationName));
    if (q.states) base = base.where((eb) => eb.or(q.states!.map((s) => stateCondition(eb, s))));
    const page = await this.page(base, "access_deployments", directoryId, q, "d.created_at", "d.deployment_id");
    return {
      ...page,
      items: page.items.map((r) => ({
        directoryId: r.directory_id,
        configurationId: r.configuration_id,
        configurationName: r.configuration_name,
        targetType: r.target_type,
        targetUin: Number(r.target_uin),
        targetName: r.target_name,
        state: stateOf(r),
        failureReason: r.failure_reason,
        policies: parseRoleSpec(r.spec).policies.map((p) => ({ type: p.type, name: p.name })),
        createdAt: Number(r.created_at),
        updatedAt: Number(r.updated_at),
      })),
    };
  }

  // ---- tasks ----

  async task(caller: Caller, directoryId: string, taskId: string): Promise<AccessTaskView> {
    await this.directories.scope(caller, directoryId);
    const row = await first(this.db, this.taskQuery().where("t.task_id", "=", taskId).where("t.directory_id", "=", directoryId));
    return row ? taskView(row) : fail("access.task_not_found", `task ${taskId} does not exist`, "taskId");
  }

  /** Newest first, as both clouds list tasks. */
  async tasks(caller: Caller, directoryId: string, q: AccessTaskQuery): Promise<Page<AccessTaskView>> {
    await this.directories.scope(caller, directoryId);
    checkPrincipal(q, false);
    const targetType = oneOf(q.targetType, ACCESS_TARGET_TYPES, "targetType");
    const status = oneOf(q.status, TASK_STATUSES, "status");
    const type = oneOf(q.type, ACCESS_TASK_TYPES, "type");
    let base = this.taskQuery().where("t.directory_id", "=", directoryId);
    if (q.configurationId !== undefined) base = base.where("t.configuration_id", "=", q.configurationId);
    if (q.targetUin !== undefined) base = isNumericId(q.targetUin) ? base.where("t.target_uin", "=", q.targetUin) : base.where(sql<boolean>`1 = 0`);
    if (targetType) base = base.where("t.target_type", "=", targetType);
    if (q.principalType) base = base.where("t.principal_type", "=", q.principalType as PrincipalType);
    if (q.principalId) base = base.where("t.principal_id", "=", q.principalId);
    if (status) base = base.where("t.status", "=", status);
    if (type) base = base.where("t.task_type", "=", type);
    if (q.since !== undefined) base = base.where("t.created_at", ">=", q.since);
    // `since` is left out of the token's scope: a door's default window ("the last 24 hours") moves between pages.
    const request: AccessTaskQuery = { ...q, since: undefined, descending: q.descending ?? true };
    const page = await this.page(base, "access_tasks", directoryId, request, "t.created_at", "t.task_id");
    return { ...page, items: page.items.map(taskView) };
  }

  /** One page of a list, with its total; the NextToken is bound to the list and its filters. */
  private async page<R extends Record<string, unknown>>(base: SelectQueryBuilder<any, any, R>, kind: string, directoryId: string, q: PageRequest, timeColumn: string, idColumn: string): Promise<Page<R>> {
    const count = await first(this.db, base.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")) as never) as { n: number | string } | undefined;
    const scope = scopeOf(kind, directoryId, { ...q, nextToken: undefined, maxResults: undefined, offset: undefined });
    return readPage(base, { timeColumn, idColumn, tokens: this.tokens, scope, request: q, total: Number(count?.n ?? 0), db: this.db });
  }

  // ---- what configurations and the directory ask (inside their transactions) ----

  /** A policy change: every deployment of the configuration now differs from it until provisioned again. */
  async policiesChanged(trx: Kysely<Database>, configurationId: string): Promise<void> {
    await exec(trx, trx.updateTable("access_deployments").set({ redeploy_required: 1 }).where("configuration_id", "=", configurationId).where("removing", "=", 0));
  }

  /** Which of these configurations have a deployment holding an older version of their policies. */
  async needingRedeploy(configurationIds: string[], db: Kysely<Database> = this.db): Promise<Set<string>> {
    const rows = await all(db, db.selectFrom("access_deployments").select("configuration_id").distinct().where("configuration_id", "in", configurationIds).where("redeploy_required", "=", 1).where("removing", "=", 0));
    return new Set(rows.map((r) => r.configuration_id));
  }

  /** Which of these configurations are assigned on one of `targetUins` (to `principalId`, when given). */
  async assignedOn(configurationIds: string[], s: { targetUins: number[]; principalId?: string }): Promise<Set<string>> {
    const uins = s.targetUins.filter(isNumericId);
    if (uins.length === 0) return new Set();
    let q = this.db.selectFrom("access_assignments").select("configuration_id").distinct().where("configuration_id", "in", configurationIds).where("target_uin", "in", uins);
    if (s.principalId) q = q.where("principal_id", "=", s.principalId);
    return new Set((await all(this.db, q)).map((r) => r.configuration_id));
  }

  /** Why a configuration cannot be deleted now: still deployed somewhere, or still assigned. */
  async checkConfigurationUnused(trx: Kysely<Database>, configurationId: string): Promise<void> {
    const deployed = await first(trx, trx.selectFrom("access_deployments").select("target_uin").where("configuration_id", "=", configurationId).limit(1));
    if (deployed) fail("access.configuration_deployed", `the configuration is deployed to account ${deployed.target_uin}; undeploy it first`, "configurationId");
    const assigned = await first(trx, trx.selectFrom("access_assignments").select("target_uin").where("configuration_id", "=", configurationId).limit(1));
    if (assigned) fail("access.configuration_assigned", `the configuration is assigned on account ${assigned.target_uin}; delete its assignments first`, "configurationId");
  }

  // ---- inside one write ----

  /** One write transaction, after the organization's row (its member list is then stable until commit). */
  private async write<T>(caller: Caller, work: (trx: Kysely<Database>, org: Organization) => Promise<T>): Promise<T> {
    const org = (await this.organizations.findMembership(caller.accountUin))!.org;
    return this.announcer.transaction(this.db, async (trx) => {
      await lockRow(trx, "organizations", "org_id", org.org_id);
      return work(trx, org);
    });
  }

  /** The target's type, checked against the organization: a member, or the management account. */
  private async target(trx: Kysely<Database>, org: Organization, ref: TargetRef): Promise<TargetType> {
    const claimed = oneOf(ref.targetType, ACCESS_TARGET_TYPES, "targetType");
    const type = await this.organizations.targetType(trx, org, ref.targetUin!, claimed);
    return type ?? fail("access.target_not_member", `account ${ref.targetUin} is not ${claimed === "ManagerUin" ? "the management account" : "a member"} of the organization`, "targetUin");
  }

  private async lockDeployment(trx: Kysely<Database>, configurationId: string, targetUin: number): Promise<Deployment | undefined> {
    if (!isNumericId(targetUin)) return undefined;
    const row = await first(trx, trx.selectFrom("access_deployments").select("deployment_id").where("configuration_id", "=", configurationId).where("target_uin", "=", targetUin));
    if (!row) return undefined;
    await lockRow(trx, "access_deployments", "deployment_id", row.deployment_id);
    return first(trx, trx.selectFrom("access_deployments").selectAll().where("deployment_id", "=", row.deployment_id));
  }

  private async specOf(trx: Kysely<Database>, config: AccessConfiguration): Promise<string> {
    return JSON.stringify(roleSpec(config, await configurationPolicies(trx, config.configuration_id)));
  }

  private async createDeployment(trx: Kysely<Database>, config: AccessConfiguration, targetType: TargetType, targetUin: number): Promise<Deployment> {
    const now = this.clock.now();
    const d: Deployment = {
      deployment_id: prefixedId("dp-", 20),
      directory_id: config.directory_id,
      configuration_id: config.configuration_id,
      target_type: targetType,
      target_uin: targetUin,
      spec: await this.specOf(trx, config),
      status: "Deploying",
      redeploy_required: 0,
      removing: 0,
      generation: 1,
      reconciled_generation: 0,
      failure_reason: "",
      created_at: now,
      updated_at: now,
    };
    await exec(trx, trx.insertInto("access_deployments").values(d));
    await this.queue.enqueue(trx, [d.deployment_id]);
    return d;
  }

  /** The configuration as it is now becomes the deployment's desired role (a removal under way is called off). */
  private async redeploy(trx: Kysely<Database>, config: AccessConfiguration, d: Deployment): Promise<Deployment> {
    const patch = { spec: await this.specOf(trx, config), status: "Deploying" as const, redeploy_required: 0, removing: 0, failure_reason: "", generation: Number(d.generation) + 1 };
    await exec(trx, trx.updateTable("access_deployments").set(patch).where("deployment_id", "=", d.deployment_id));
    await this.queue.enqueue(trx, [d.deployment_id]);
    return { ...d, ...patch };
  }

  private async markRemoving(trx: Kysely<Database>, d: Deployment): Promise<Deployment> {
    const patch = { status: "Removing" as const, removing: 1, failure_reason: "", generation: Number(d.generation) + 1 };
    await exec(trx, trx.updateTable("access_deployments").set(patch).where("deployment_id", "=", d.deployment_id));
    await this.queue.enqueue(trx, [d.deployment_id]);
    return { ...d, ...patch };
  }

  /** A task waiting for the deployment's current generation: already Success when there is nothing to wait for. */
  private async insertTask(
    trx: Kysely<Database>,
    d: Deployment,
    type: AccessTaskType,
    configurationName: string,
    principal?: { type: PrincipalType; id: string; name: string },
    taskId = prefixedId("t-", 20),
  ): Promise<AccessTaskView> {
    const now = this.clock.now();
    const task: AccessTask = {
      task_id: taskId,
      directory_id: d.directory_id,
      task_type: type,
      status: busy(d) ? "InProgress" : "Success",
      failure_reason: "",
      deployment_id: d.deployment_id,
      generation: Number(d.generation),
      configuration_id: d.configuration_id,
      configuration_name: configurationName,
      target_type: d.target_type,
      target_uin: Number(d.target_uin),
      principal_type: principal?.type ?? null,
      principal_id: principal?.id ?? null,
      principal_name: principal?.name ?? null,
      created_at: now,
      updated_at: now,
    };
    await exec(trx, trx.insertInto("access_tasks").values(task));
    const name = await first(trx, trx.selectFrom("org_members").select("name").where("member_uin", "=", task.target_uin));
    return taskView({ ...task, target_name: name?.name ?? "" });
  }

  private async principalName(trx: Kysely<Database>, directoryId: string, type: PrincipalType, id: string): Promise<string> {
    return type === "User" ? (await this.users.find(trx, directoryId, id)).user_name : (await this.groups.find(trx, directoryId, id)).group_name;
  }

  /** The principal's name, or its id when it is gone (a task about a deleted user still reads). */
  private async principalNameOrId(trx: Kysely<Database>, directoryId: string, type: PrincipalType, id: string): Promise<string> {
    const row =
      type === "User"
        ? await first(trx, trx.selectFrom("dir_users").select("user_name as name").where("user_id", "=", id).where("directory_id", "=", directoryId))
        : await first(trx, trx.selectFrom("dir_groups").select("group_name as name").where("group_id", "=", id).where("directory_id", "=", directoryId));
    return row?.name ?? id;
  }

  private taskQuery() {
    return this.db
      .selectFrom("access_tasks as t")
      .leftJoin("org_members as m", "m.member_uin", "t.target_uin")
      .selectAll("t")
      .select((eb) => eb.fn.coalesce("m.name", sql<string>`''`).as("target_name"));
  }

  /**
   * An account left the organization: the directory's assignments and deployments there end, in the
   * transaction that removed the membership; their waiting tasks fail with why; what they landed in
   * the account goes (as CloudSSO documents for a member leaving the resource directory).
   */
  private async endForDepartedAccount(trx: Kysely<Database>, orgId: number, accountUin: number): Promise<void> {
    const dir = await first(trx, trx.selectFrom("directories").select("directory_id").where("org_id", "=", orgId));
    if (!dir) return;
    const rows = await all(trx, trx.selectFrom("access_deployments").select("deployment_id").where("directory_id", "=", dir.directory_id).where("target_uin", "=", accountUin).orderBy("deployment_id"));
    const ids = rows.map((r) => r.deployment_id);
    for (const id of ids) await lockRow(trx, "access_deployments", "deployment_id", id);
    if (ids.length) {
      await exec(
        trx,
        trx
          .updateTable("access_tasks")
          .set({ status: "Failed", failure_reason: `account ${accountUin} left the organization; its deployments and assignments were removed`, updated_at: this.clock.now() })
          .where("deployment_id", "in", ids)
          .where("status", "=", "InProgress"),
      );
      await this.queue.remove(trx, ids);
      await exec(trx, trx.deleteFrom("access_deployments").where("deployment_id", "in", ids));
    }
    await exec(trx, trx.deleteFrom("access_assignments").where("directory_id", "=", dir.directory_id).where("target_uin", "=", accountUin));
    // No account lock: every deployment that writes these rows is locked above, and taking the account
    // here would order it before provisionings (locked after, by their own listener), unlike their reconcile.
    await this.accountRoles.removeAll(trx, accountUin, dir.directory_id);
  }
}

/** Work is pending: a change the last reconcile has not seen yet. */
const busy = (d: Pick<Deployment, "generation" | "reconciled_generation">): boolean => Number(d.reconciled_generation) < Number(d.generation);

function stateOf(d: Deployment): DeploymentState {
  if (d.removing) return d.status === "RemoveFailed" ? "RemoveFailed" : "Removing";
  if (d.status === "DeployFailed") return "DeployFailed";
  if (busy(d)) return "Deploying";
  return d.redeploy_required ? "RedeployRequired" : "Deployed";
}

/** `stateOf` as a condition on the row (alias d), for filtering a list by state. */
function stateCondition(eb: any, s: DeploymentState) {
  const pending = eb("d.reconciled_generation", "<", eb.ref("d.generation"));
  const settled = eb("d.reconciled_generation", ">=", eb.ref("d.generation"));
  switch (s) {
    case "RemoveFailed":
      return eb.and([eb("d.removing", "=", 1), eb("d.status", "=", "RemoveFailed")]);
    case "Removing":
      return eb.and([eb("d.removing", "=", 1), eb("d.status", "!=", "RemoveFailed")]);
    case "DeployFailed":
      return eb.and([eb("d.removing", "=", 0), eb("d.status", "=", "DeployFailed")]);
    case "Deploying":
      return eb.and([eb("d.removing", "=", 0), eb("d.status", "!=", "DeployFailed"), pending]);
    case "RedeployRequired":
      return eb.and([eb("d.removing", "=", 0), eb("d.status", "!=", "DeployFailed"), settled, eb("d.redeploy_required", "=", 1)]);
    case "Deployed":
      return eb.and([eb("d.removing", "=", 0), eb("d.status", "!=", "DeployFailed"), settled, eb("d.redeploy_required", "=", 0)]);
  }
}

function taskView(t: AccessTask & { target_name: string }): AccessTaskView {
  return {
    taskId: t.task_id,
    directoryId: t.directory_id,
    type: t.task_type,
    status: t.status,
    failureReason: t.failure_reason,
    configurationId: t.configuration_id,
    configurationName: t.configuration_name,
    targetType: t.target_type,
    targetUin: Number(t.target_uin),
    targetName: t.target_name,
    principalType: t.principal_type ?? undefined,
    principalId: t.principal_id ?? undefined,
    principalName: t.principal_name ?? undefined,
    createdAt: Number(t.created_at),
    updatedAt: Number(t.updated_at),
  };
}

function checkPrincipal(ref: PrincipalRef, required: boolean): void {
  if (required) {
    if (!ref.principalType) fail("value.missing", "principalType is required", "principalType");
    if (!ref.principalId) fail("value.missing", "principalId is required", "principalId");
  }
  oneOf(ref.principalType || undefined, ACCESS_PRINCIPAL_TYPES, "principalType");
}

function checkTargetShape(ref: TargetRef): void {
  if (ref.targetUin === undefined) fail("value.missing", "targetUin is required", "targetUin");
  if (ref.targetType === "") fail("value.missing", "targetType is required", "targetType");
  oneOf(ref.targetType, ACCESS_TARGET_TYPES, "targetType");
}
