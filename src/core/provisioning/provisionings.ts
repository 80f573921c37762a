/**
 * Provisionings: a directory principal (a user, or a group and so its members) kept as sub-users
 * in a target account. API calls only record intent and mark the provisioning dirty; the
 * reconcile engine (reconcile.ts, core/engine/) does the work, and tasks report on it. Provisioning
 * listens to the directory's announcements (membership and user changes mark the provisionings that
 * cover them dirty) and to organizations' (an account that leaves takes its provisionings with it).
 */
import { type Kysely, sql } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockRow, precompiledRow } from "../../store/database.js";
import type { Database, Organization, ProvisioningTask } from "../../store/schema.js";
import { type BreakerSetting, storedBreaker } from "./breaker.js";
import type { Caller } from "../accounts.js";
import type { Announcer } from "../announcements.js";
import type { Clock } from "../clock.js";
import type { Directories } from "../directory/directories.js";
import type { Groups } from "../directory/groups.js";
import { type Page, type PageRequest, type PageTokens, readPage, scopeOf } from "../directory/paging.js";
import type { Users } from "../directory/users.js";
import type { ReconcileQueue } from "../engine/queue.js";
import { fail } from "../errors.js";
import { oneOf } from "../rules.js";
import type { SubUsers, SubUserView } from "../subusers.js";
import { checkSearchText, textLength } from "../text.js";
import { isNumericId, prefixedId } from "../ids.js";
import type { Limits } from "../limits.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import type { Organizations } from "../organizations.js";
import type { Timeline } from "./timeline.js";
import {
  type Annotations,
  type DeletionStrategy,
  type DuplicationStrategy,
  eventView,
  type PrincipalRef,
  type PrincipalType,
  type ProvisioningEventView,
  type ProvisioningTaskType,
  type ProvisioningTaskView,
  type ProvisioningView,
  provisioningView,
  type TargetType,
  taskView,
} from "./views.js";

export const PRINCIPAL_TYPES = ["User", "Group"] as const satisfies readonly PrincipalType[];
export const TARGET_TYPES = ["ManagerUin", "MemberUin"] as const satisfies readonly TargetType[];
export const DUPLICATION_STRATEGIES = ["KeepBoth", "TakeOver"] as const satisfies readonly DuplicationStrategy[];
export const DELETION_STRATEGIES = ["Delete", "Keep"] as const satisfies readonly DeletionStrategy[];
/** Largest batch one create call takes (as CreateRoleAssignment documents 50). */
export const MAX_BATCH = 50;
/** A provisioning's description: as long as a directory user's or group's (both doors document 1024). */
const MAX_DESCRIPTION = 1024;
/** Task types: the provisioning tasks, and the role-configuration family (none exist until role assignments are built). */
export const TASK_TYPES = ["StartProvisioning", "DeleteProvisioning"] as const satisfies readonly ProvisioningTaskType[];

export interface NewProvisioning {
  principalType?: string;
  principalId?: string;
  /**
   * Absent: whatever the target is (the management account or a member). Given, the target must be
   * that; given empty, it is missing (as an empty principal is).
   */
  targetType?: string;
  targetUin?: number;
  duplicationStrategy?: string;
  deletionStrategy?: string;
  description?: string;
  annotations?: Annotations;
}

export interface CreateOptions {
  /** Appended to a clashing name under KeepBoth ("_cic", "_sso"): the door the provisioning came through. */
  duplicateSuffix: string;
}

export interface ProvisioningPatch {
  description?: string;
  duplicationStrategy?: string;
  deletionStrategy?: string;
  /** Set over the provisioning's annotations, key by key; keys not named stay. */
  annotations?: Annotations;
  /** The provisioning's own deletion circuit breaker; null goes back to the server's. */
  deletionBreaker?: BreakerSetting | null;
}

/** A provisioning's progress in its target account, in directory users (see `progress`). */
export interface ProvisioningProgress {
  /** Directory users the provisioning covers now (the user, or the group's members). */
  total: number;
  /** Those that hold their sub-user in the target account. */
  done: number;
  /** Failures recorded for it (its own, or one of its users'). */
  failed: number;
  /** Sub-user deletions the circuit breaker holds for an administrator's decision. */
  heldDeletions: number;
}

/** A sub-user of an account, with what manages it. */
export interface AccountSubUserView extends SubUserView {
  /** The directory user it represents when provisioning manages it; null for one made by hand. */
  directoryUserId: string | null;
  /** The provisionings that hold it, each with its principal (the user, or the group it came through). */
  managedBy: { provisioningId: string; directoryId: string; principal: PrincipalRef }[];
}

/** Failed units and the last finished reconcile, for one provisioning or one target account. */
export interface ProvisioningStatistics {
  failedEventCount: number;
  latestAsyncTime: number | null;
}

export interface SubUserSettings {
  /** Where provisioned sub-users land in a console; null when none was set (each door knows its console's default). */
  landingPage: string | null;
  sessionHours: number;
  createdAt: number;
  updatedAt: number;
}

/** Provisioned sub-users' console session length when none was set, in hours. */
export const DEFAULT_SESSION_HOURS = 6;

export interface ProvisioningQuery extends PageRequest {
  principalId?: string;
  principalType?: string;
  targetUin?: number;
  targetType?: string;
  filter?: string;
}

export interface TaskQuery extends PageRequest {
  principalId?: string;
  principalType?: string;
  targetUin?: number;
  targetType?: string;
  status?: string;
  taskType?: string;
}

/**
 * A provisioning with its principal's name and its target's member name and organization, in one
 * statement (the principal is a user or a group, by type).
 */
function viewQuery(db: Kysely<Database>) {
  return db
    .selectFrom("provisionings")
    .leftJoin("dir_users", (j) => j.onRef("dir_users.user_id", "=", "provisionings.principal_id").on("provisionings.principal_type", "=", "User"))
    .leftJoin("dir_groups", (j) => j.onRef("dir_groups.group_id", "=", "provisionings.principal_id").on("provisionings.principal_type", "=", "Group"))
    .leftJoin("org_members", "org_members.member_uin", "provisionings.target_uin")
    .selectAll("provisionings")
    .select((eb) => [eb.fn.coalesce("dir_users.user_name", "dir_groups.group_name").as("principal_name"), "org_members.name as target_name", "org_members.org_id as org_id"]);
}

// The reads of one provisioning or task, compiled once per database (GetUserSyncProvisioning,
// GetUserProvisioning and GetProvisioningTaskStatus make one on every call).
const provisioningById = precompiledRow((db: Kysely<Database>, directoryId: string, provisioningId: string) =>
  viewQuery(db).where("provisionings.provisioning_id", "=", provisioningId).where("provisionings.directory_id", "=", directoryId).where("provisionings.deleting", "=", 0),
);
/** Also while its deletion is under way. */
const provisioningByIdAny = precompiledRow((db: Kysely<Database>, directoryId: string, provisioningId: string) =>
  viewQuery(db).where("provisionings.provisioning_id", "=", provisioningId).where("provisionings.directory_id", "=", directoryId),
);
const taskById = precompiledRow((db: Kysely<Database>, directoryId: string, taskId: string) =>
  db.selectFrom("provisioning_tasks").selectAll().where("task_id", "=", taskId).where("directory_id", "=", directoryId),
);

const bumpGeneration = (trx: Kysely<Database>, provisioningId: string) =>
  trx.updateTable("provisionings").set((eb) => ({ generation: eb("generation", "+", 1) })).where("provisioning_id", "=", provisioningId);
const notFound = (provisioningId: string): never => fail("provisioning.not_found", `provisioning ${provisioningId} does not exist`, "provisioningId");

export class Provisionings {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly organizations: Organizations,
    private readonly directories: Directories,
    private readonly users: Users,
    private readonly groups: Groups,
    private readonly tokens: PageTokens,
    private readonly limits: Limits,
    private readonly subUsers: SubUsers,
    private readonly queue: ReconcileQueue,
    private readonly announcer: Announcer,
    private readonly timeline?: Timeline,
  ) {}

  /** Subscribes provisioning to the changes it follows; listeners run in the announcing transaction. */
  /** The principals each open transaction has already marked (see markCoveringDirty). */
  private readonly markedIn = new WeakMap<Kysely<Database>, Set<string>>();

  listen(): void {
    this.announcer.on("directory.membership_changed", (trx, a) => this.markCoveringDirty(trx, { groupId: a.groupId }));
    // A sub-user's email and remark follow the user's email and display name; nothing else is copied.
    // A rename changes no sub-user (a claimed one keeps its name), but a unit that could not be
    // provisioned under the old name (a clash, an invalid sub-user name) is tried again under the new one.
    this.announcer.on("directory.user_changed", async (trx, a) => {
      if (a.changed.includes("email") || a.changed.includes("displayName") || a.changed.includes("userName")) await this.markCoveringDirty(trx, { userId: a.userId });
    });
    this.announcer.on("organization.member_left", (trx, a) => this.endForDepartedAccount(trx, a.orgId, a.accountUin));
  }

  /** All or nothing: every item is checked before any is stored. One StartProvisioning task per item. */
  async create(caller: Caller, directoryId: string, items: NewProvisioning[], opts: CreateOptions): Promise<ProvisioningTaskView[]> {
    await this.directories.scope(caller, directoryId);
    if (items.length === 0) fail("value.invalid", "give at least one provisioning", "provisionings");
    if (items.length > MAX_BATCH) fail("provisioning.batch_too_large", `one call creates at most ${MAX_BATCH} provisionings; ${items.length} were given`, "provisionings");
    const org = (await this.organizations.findMembership(caller.accountUin))!.org;
    const now = this.clock.now();
    try {
      return await this.announcer.transaction(this.db, async (trx) => {
        // One create at a time per directory, so the quota count below cannot be overshot by a concurrent batch.
        await lockRow(trx, "directories", "directory_id", directoryId);
        // And after any membership change of the organization: a target that is leaving has left (and
        // taken its provisionings) before the check below, or is still a member until this commits.
        await lockRow(trx, "organizations", "org_id", org.org_id);
        const seen = new Set<string>();
        const out: ProvisioningTaskView[] = [];
        for (const item of items) {
          const { principalType, principalName, target, targetType, duplication, deletion } = await this.checkNew(trx, directoryId, org, item);
          const key = `${principalType}:${item.principalId}:${target}`;
          if (seen.has(key)) fail("provisioning.already_exists", `${principalType} ${item.principalId} is already provisioned into ${target}`);
          seen.add(key);
          const provisioningId = prefixedId("up-", 20);
          await exec(
            trx,
            trx.insertInto("provisionings").values({
              provisioning_id: provisioningId,
              directory_id: directoryId,
              principal_type: principalType,
              principal_id: item.principalId!,
              target_type: targetType,
              target_uin: target,
              duplication_strategy: duplication,
              deletion_strategy: deletion,
              description: item.description ?? "",
              status: "Enabled",
              created_at: now,
              updated_at: now,
              duplicate_suffix: opts.duplicateSuffix,
              generation: 1,
              annotations: JSON.stringify(item.annotations ?? {}),
            }),
          );
          await this.queue.enqueue(trx, [provisioningId]);
          out.push(await this.insertTask(trx, provisioningId, "StartProvisioning", principalName));
        }
        const count = await first(trx, trx.selectFrom("provisionings").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", directoryId));
        if (Number(count!.n) > this.limits.provisioningsPerDirectory) fail("provisioning.quota", `a directory holds at most ${this.limits.provisioningsPerDirectory} provisionings`);
        return out;
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("provisioning.already_exists", "that principal is already provisioned into that account");
      throw err;
    }
  }

  /**
   * Checks a new provisioning as create stores it (and as a plan of one proposes it): every field,
   * the principal in the directory, the target in the organization, no provisioning of that
   * principal into that target yet.
   */
  async checkNew(db: Kysely<Database>, directoryId: string, org: Organization, item: NewProvisioning) {
    const principalId = item.principalId || fail("value.missing", "principalId is required", "principalId");
    if (!item.principalType) fail("value.missing", "principalType is required", "principalType");
    const target = item.targetUin ?? fail("value.missing", "targetUin is required", "targetUin");
    if (item.targetType === "") fail("value.missing", "targetType is required", "targetType");
    const principalType = oneOf(item.principalType, PRINCIPAL_TYPES, "principalType")!;
    const claimedType = oneOf(item.targetType, TARGET_TYPES, "targetType");
    const duplication = oneOf(item.duplicationStrategy, DUPLICATION_STRATEGIES, "duplicationStrategy") ?? "KeepBoth";
    const deletion = oneOf(item.deletionStrategy, DELETION_STRATEGIES, "deletionStrategy") ?? "Keep";
    checkDescription(item.description);
    const principalName = principalType === "User" ? (await this.users.find(db, directoryId, principalId)).user_name : (await this.groups.find(db, directoryId, principalId)).group_name;
    const targetType =
      (await this.organizations.targetType(db, org, target, claimedType)) ??
      fail("provisioning.target_not_member", `account ${target} is not ${claimedType === "ManagerUin" ? "the management account" : "a member"} of the organization`, "targetUin");
    const dup = await first(
      db,
      db.selectFrom("provisionings").select("provisioning_id").where("directory_id", "=", directoryId).where("principal_type", "=", principalType).where("principal_id", "=", principalId).where("target_uin", "=", target),
    );
    if (dup) fail("provisioning.already_exists", `${principalType} ${principalId} is already provisioned into ${target} (${dup.provisioning_id})`);
    return { principalType, principalId, principalName, target, targetType, duplication, deletion };
  }

  get(caller: Caller, directoryId: string, provisioningId: string): MaybePromise<ProvisioningView> {
    return then(this.directories.scope(caller, directoryId), () =>
      then(provisioningById(this.db, directoryId, provisioningId), (row) => (row ? provisioningView(row) : notFound(provisioningId))),
    );
  }

  /** One page, read with its views in one statement; the filter matches the principal's name or the provisioning id. */
  async list(caller: Caller, directoryId: string, q: ProvisioningQuery): Promise<Page<ProvisioningView>> {
    await this.directories.scope(caller, directoryId);
    const principalType = oneOf(q.principalType, PRINCIPAL_TYPES, "principalType");
    const targetType = oneOf(q.targetType, TARGET_TYPES, "targetType");
    checkSearchText(q.filter, "filter");
    let base = viewQuery(this.db).where("provisionings.directory_id", "=", directoryId).where("provisionings.deleting", "=", 0);
    if (q.principalId) base = base.where("provisionings.principal_id", "=", q.principalId);
    if (principalType) base = base.where("provisionings.principal_type", "=", principalType);
    if (q.targetUin !== undefined) base = isNumericId(q.targetUin) ? base.where("provisionings.target_uin", "=", q.targetUin) : base.where(sql<boolean>`1 = 0`);
    if (targetType) base = base.where("provisionings.target_type", "=", targetType);
    const f = q.filter;
    if (f) base = base.where((eb) => eb.or([containsText("dir_users.user_name", f), containsText("dir_groups.group_name", f), containsText("provisionings.provisioning_id", f)]));
    const count = await first(this.db, base.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")));
    const scope = scopeOf("provisionings", directoryId, { p: q.principalId, principalType, t: q.targetUin, targetType, f: q.filter });
    const page = await readPage(base, { timeColumn: "provisionings.created_at", idColumn: "provisionings.provisioning_id", tokens: this.tokens, scope, request: q, total: Number(count!.n), db: this.db });
    return { ...page, items: page.items.map(provisioningView) };
  }

  /** No task: the provisioning is marked dirty, so new strategies apply at once (and a parked one is re-armed). */
  async update(caller: Caller, directoryId: string, provisioningId: string, patch: ProvisioningPatch): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const duplication = oneOf(patch.duplicationStrategy, DUPLICATION_STRATEGIES, "duplicationStrategy");
    const deletion = oneOf(patch.deletionStrategy, DELETION_STRATEGIES, "deletionStrategy");
    checkDescription(patch.description);
    const breaker = patch.deletionBreaker === undefined ? undefined : storedBreaker(patch.deletionBreaker);
    await this.announcer.transaction(this.db, async (trx) => {
      // Read under the row's lock: the annotations are merged here, and a concurrent update must not be lost.
      await lockRow(trx, "provisionings", "provisioning_id", provisioningId);
      const p = await this.find(trx, directoryId, provisioningId);
      await exec(
        trx,
        trx
          .updateTable("provisionings")
          .set({
            updated_at: this.clock.now(),
            ...(patch.description !== undefined ? { description: patch.description } : {}),
            ...(duplication ? { duplication_strategy: duplication } : {}),
            ...(deletion ? { deletion_strategy: deletion } : {}),
            ...(patch.annotations ? { annotations: JSON.stringify({ ...p.annotations, ...patch.annotations }) } : {}),
            ...(breaker !== undefined ? { deletion_breaker: breaker } : {}),
          })
          .where("provisioning_id", "=", provisioningId),
      );
      await this.markDirty(trx, [provisioningId]);
    });
  }

  /** Asks the engine to remove the provisioning's sub-users (per its deletion strategy), then the provisioning. */
  async delete(caller: Caller, directoryId: string, provisioningId: string, override: { deletionStrategy?: string } = {}): Promise<ProvisioningTaskView> {
    await this.directories.scope(caller, directoryId);
    const deletion = oneOf(override.deletionStrategy, DELETION_STRATEGIES, "deletionStrategy");
    return this.announcer.transaction(this.db, async (trx) => {
      const p = await this.find(trx, directoryId, provisioningId, { includeDeleting: true });
      if (p.deleting) fail("provisioning.deleting", `provisioning ${provisioningId} is already being deleted`, "provisioningId");
      await exec(
        trx,
        trx
          .updateTable("provisionings")
          .set((eb) => ({ deleting: 1, generation: eb("generation", "+", 1), updated_at: this.clock.now(), ...(deletion ? { deletion_strategy: deletion } : {}) }))
          .where("provisioning_id", "=", provisioningId),
      );
      await this.queue.enqueue(trx, [provisioningId]);
      return this.insertTask(trx, provisioningId, "DeleteProvisioning", p.principal.name);
    });
  }

  task(caller: Caller, directoryId: string, taskId: string): MaybePromise<ProvisioningTaskView> {
    return then(this.directories.scope(caller, directoryId), () =>
      then(taskById(this.db, directoryId, taskId), (t) => (t ? taskView(t) : fail("provisioning.task_not_found", `task ${taskId} does not exist`, "taskId"))),
    );
  }

  /** The directory's sync tasks (role tasks are core/access's: AccessDeployments.tasks). */
  async tasks(caller: Caller, directoryId: string, q: TaskQuery): Promise<Page<ProvisioningTaskView>> {
    await this.directories.scope(caller, directoryId);
    const status = oneOf(q.status, ["InProgress", "Success", "Failed"] as const, "status");
    const principalType = oneOf(q.principalType, PRINCIPAL_TYPES, "principalType");
    const targetType = oneOf(q.targetType, TARGET_TYPES, "targetType");
    const taskType = oneOf(q.taskType, TASK_TYPES, "taskType");
    let base = this.db.selectFrom("provisioning_tasks").selectAll().where("directory_id", "=", directoryId);
    if (q.principalId) base = base.where("principal_id", "=", q.principalId);
    if (principalType) base = base.where("principal_type", "=", principalType);
    if (q.targetUin !== undefined) base = isNumericId(q.targetUin) ? base.where("target_uin", "=", q.targetUin) : base.where(sql<boolean>`1 = 0`);
    if (targetType) base = base.where("target_type", "=", targetType);
    if (status) base = base.where("status", "=", status);
    if (taskType) base = base.where("task_type", "=", taskType);
    const count = await first(this.db, base.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")));
    const scope = scopeOf("tasks", directoryId, { ...q, nextToken: undefined, maxResults: undefined, offset: undefined });
    const page = await readPage(base, { timeColumn: "created_at", idColumn: "task_id", tokens: this.tokens, scope, request: q, total: Number(count!.n), db: this.db });
    return { ...page, items: page.items.map(taskView) };
  }

  private async insertTask(trx: Kysely<Database>, provisioningId: string, type: ProvisioningTaskType, principalName: string): Promise<ProvisioningTaskView> {
    const p = (await first(trx, trx.selectFrom("provisionings").selectAll().where("provisioning_id", "=", provisioningId)))!;
    const now = this.clock.now();
    const task: ProvisioningTask = {
      task_id: prefixedId("t-"),
      directory_id: p.directory_id,
      provisioning_id: provisioningId,
      task_type: type,
      status: "InProgress",
      failure_reason: "",
      generation: p.generation,
      principal_type: p.principal_type,
      principal_id: p.principal_id,
      principal_name: principalName,
      target_type: p.target_type,
      target_uin: p.target_uin,
      duplication_strategy: p.duplication_strategy,
      deletion_strategy: p.deletion_strategy,
      created_at: now,
      updated_at: now,
    };
    await exec(trx, trx.insertInto("provisioning_tasks").values(task));
    return taskView(task);
  }

  /** The provisioning as its view and its `deleting` mark; `db` is the caller's transaction when there is one. */
  private async find(db: Kysely<Database>, directoryId: string, provisioningId: string, opts: { includeDeleting?: boolean } = {}): Promise<ProvisioningView & { deleting: boolean }> {
    const row = await (opts.includeDeleting ? provisioningByIdAny : provisioningById)(db, directoryId, provisioningId);
    return row ? { ...provisioningView(row), deleting: row.deleting !== 0 } : notFound(provisioningId);
  }

  // ---- failed-sync events: one per (provisioning, user) that could not converge ----

  async events(caller: Caller, directoryId: string, q: PageRequest & { provisioningId?: string }): Promise<Page<ProvisioningEventView>> {
    await this.directories.scope(caller, directoryId);
    let base = this.eventQuery(this.db).where("provisioning_events.directory_id", "=", directoryId);
    if (q.provisioningId) base = base.where("provisioning_events.provisioning_id", "=", q.provisioningId);
    const count = await first(this.db, base.clearSelect().select((eb) => eb.fn.countAll<number>().as("n")));
    const scope = scopeOf("events", directoryId, { p: q.provisioningId });
    const page = await readPage(base, { timeColumn: "provisioning_events.created_at", idColumn: "provisioning_events.event_id", tokens: this.tokens, scope, request: q, total: Number(count!.n), db: this.db });
    const provisionings = new Map<string, ProvisioningView>();
    const ids = [...new Set(page.items.map((e) => e.provisioning_id))];
    if (ids.length) for (const row of await all(this.db, viewQuery(this.db).where("provisionings.provisioning_id", "in", ids))) provisionings.set(row.provisioning_id, provisioningView(row));
    // An event whose provisioning was deleted since the page was read went with it.
    return { ...page, items: page.items.flatMap((e) => (provisionings.has(e.provisioning_id) ? [eventView(e, provisionings.get(e.provisioning_id)!)] : [])) };
  }

  async event(caller: Caller, directoryId: string, eventId: string): Promise<ProvisioningEventView> {
    await this.directories.scope(caller, directoryId);
    const e = await this.findEvent(this.db, directoryId, eventId);
    const p = await first(this.db, viewQuery(this.db).where("provisionings.provisioning_id", "=", e.provisioning_id));
    return p ? eventView(e, provisioningView(p)) : fail("provisioning.event_not_found", `event ${eventId} does not exist`, "eventId");
  }

  /**
   * Runs the event's unit again (optionally under another duplication strategy); success clears the
   * event. An event about the whole provisioning (a reconcile that gave up) re-arms it.
   */
  async retryEvent(caller: Caller, directoryId: string, eventId: string, duplicationStrategy?: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const strategy = oneOf(duplicationStrategy, DUPLICATION_STRATEGIES, "duplicationStrategy");
    await this.announcer.transaction(this.db, async (trx) => {
      const e = await this.findEvent(trx, directoryId, eventId);
      await exec(trx, trx.updateTable("provisioning_events").set({ duplication_override: strategy ?? null, updated_at: this.clock.now() }).where("event_id", "=", e.event_id));
      await this.timeline?.retried(trx, e.provisioning_id, e.user_id, strategy);
      await this.markDirty(trx, [e.provisioning_id]);
    });
  }

  /** Discards a failed event without retrying; the unit runs again with the next change that covers it. */
  async deleteEvent(caller: Caller, directoryId: string, eventId: string, provisioningId?: string): Promise<void> {
    await this.directories.scope(caller, directoryId);
    const e = await this.findEvent(this.db, directoryId, eventId);
    if (provisioningId !== undefined && e.provisioning_id !== provisioningId) fail("provisioning.event_not_found", `event ${eventId} does not belong to provisioning ${provisioningId}`, "eventId");
    await exec(this.db, this.db.deleteFrom("provisioning_events").where("event_id", "=", eventId));
  }

  async statistics(caller: Caller, directoryId: string, provisioningId: string): Promise<ProvisioningStatistics> {
    await this.directories.scope(caller, directoryId);
    const p = await first(this.db, this.db.selectFrom("provisionings").select("reconciled_at").where("provisioning_id", "=", provisioningId).where("directory_id", "=", directoryId).where("deleting", "=", 0));
    if (!p) return notFound(provisioningId);
    const count = await first(this.db, this.db.selectFrom("provisioning_events").select((eb) => eb.fn.countAll<number>().as("n")).where("provisioning_id", "=", provisioningId));
    return { failedEventCount: Number(count!.n), latestAsyncTime: p.reconciled_at };
  }

  /**
   * How far a provisioning got in its target account: the directory users it covers now, how many of
   * them hold their sub-user there (claimed), and how many have a failure recorded.
   */
  async progress(caller: Caller, directoryId: string, provisioningId: string): Promise<ProvisioningProgress> {
    await this.directories.scope(caller, directoryId);
    const p = await first(this.db, this.db.selectFrom("provisionings").select(["principal_type", "principal_id"]).where("provisioning_id", "=", provisioningId).where("directory_id", "=", directoryId).where("deleting", "=", 0));
    if (!p) return notFound(provisioningId);
    const count = (row: { n: unknown } | undefined) => Number(row?.n ?? 0);
    let total: number;
    let done: number;
    if (p.principal_type === "User") {
      total = count(await first(this.db, this.db.selectFrom("dir_users").select((eb) => eb.fn.countAll().as("n")).where("user_id", "=", p.principal_id)));
      done = total === 0 ? 0 : count(await first(this.db, this.db.selectFrom("provisioning_claims").select((eb) => eb.fn.countAll().as("n")).where("provisioning_id", "=", provisioningId).where("user_id", "=", p.principal_id)));
    } else {
      total = count(await first(this.db, this.db.selectFrom("dir_memberships").select((eb) => eb.fn.countAll().as("n")).where("group_id", "=", p.principal_id)));
      done = count(
        await first(
          this.db,
          this.db
            .selectFrom("provisioning_claims")
            .innerJoin("dir_memberships", "dir_memberships.user_id", "provisioning_claims.user_id")
            .select((eb) => eb.fn.countAll().as("n"))
            .where("provisioning_claims.provisioning_id", "=", provisioningId)
            .where("dir_memberships.group_id", "=", p.principal_id),
        ),
      );
    }
    const failed = count(
      await first(this.db, this.db.selectFrom("provisioning_events").select((eb) => eb.fn.countAll().as("n")).where("provisioning_id", "=", provisioningId).where("error_kind", "!=", "deletions_held")),
    );
    const heldDeletions = count(await first(this.db, this.db.selectFrom("held_deletions").select((eb) => eb.fn.countAll().as("n")).where("provisioning_id", "=", provisioningId).where("decision", "is", null)));
    return { total, done, failed, heldDeletions };
  }

  /**
   * An account's sub-users, each with the directory user it represents when provisioning manages it
   * and the provisionings that hold it (through which user or group). The account itself may read
   * them, and so may the management account of the organization it is a member of; to anyone else
   * the account does not exist.
   */
  async accountSubUsers(caller: Caller, accountUin: number): Promise<AccountSubUserView[]> {
    const outside = () => fail("organization.member_not_found", `account ${accountUin} is not a member of this organization`, "accountUin");
    if (!isNumericId(accountUin)) return outside();
    if (accountUin !== caller.accountUin) {
      const m = await this.organizations.findMembership(accountUin);
      if (!m || m.org.manager_uin !== caller.accountUin) return outside();
    }
    const users = await this.subUsers.list({ accountUin, principalUin: accountUin, isSubUser: false });
    const managed = await all(this.db, this.db.selectFrom("sub_users").select(["uin", "directory_user_id"]).where("account_uin", "=", accountUin).where("directory_user_id", "is not", null));
    const claims = await all(this.db, viewQuery(this.db).innerJoin("provisioning_claims", "provisioning_claims.provisioning_id", "provisionings.provisioning_id").select("provisioning_claims.sub_user_uin").where("provisioning_claims.target_uin", "=", accountUin).orderBy("provisionings.provisioning_id"));
    const userOf = new Map(managed.map((r) => [r.uin, r.directory_user_id]));
    const holders = new Map<number, AccountSubUserView["managedBy"]>();
    for (const c of claims) {
      const v = provisioningView(c);
      let list = holders.get(c.sub_user_uin);
      if (!list) holders.set(c.sub_user_uin, (list = []));
      list.push({ provisioningId: v.provisioningId, directoryId: v.directoryId, principal: v.principal });
    }
    return users.map((u) => ({ ...u, directoryUserId: userOf.get(u.uin) ?? null, managedBy: holders.get(u.uin) ?? [] }));
  }

  /** Every provisioning of the directory that targets one account, added up. */
  async targetStatistics(caller: Caller, directoryId: string, targetUin: number): Promise<ProvisioningStatistics> {
    await this.directories.scope(caller, directoryId);
    const member =
      isNumericId(targetUin) &&
      (await first(
        this.db,
        this.db
          .selectFrom("org_members")
          .innerJoin("directories", "directories.org_id", "org_members.org_id")
          .select("org_members.member_uin")
          .where("directories.directory_id", "=", directoryId)
          .where("org_members.member_uin", "=", targetUin),
      ));
    if (!member) fail("provisioning.target_not_member", `account ${targetUin} is not a member of the organization`, "targetUin");
    const events = await first(this.db, this.db.selectFrom("provisioning_events").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", directoryId).where("target_uin", "=", targetUin));
    const last = await first(this.db, this.db.selectFrom("provisionings").select((eb) => eb.fn.max("reconciled_at").as("at")).where("directory_id", "=", directoryId).where("target_uin", "=", targetUin));
    const at = last?.at;
    return { failedEventCount: Number(events!.n), latestAsyncTime: at === null || at === undefined ? null : Number(at) };
  }

  // ---- directory-wide settings for provisioned sub-users ----

  async subUserSettings(caller: Caller, directoryId: string): Promise<SubUserSettings> {
    // The directory's row carries its settings: one read.
    const s = await this.directories.resolve(caller, directoryId);
    return {
      landingPage: s.subuser_landing_page,
      sessionHours: s.subuser_session_hours ?? DEFAULT_SESSION_HOURS,
      createdAt: s.created_at,
      updatedAt: s.subuser_settings_updated_at ?? s.created_at,
    };
  }

  async updateSubUserSettings(caller: Caller, directoryId: string, patch: { landingPage?: string; sessionHours?: number }): Promise<SubUserSettings> {
    await this.directories.scope(caller, directoryId);
    if (patch.sessionHours !== undefined && (!Number.isInteger(patch.sessionHours) || patch.sessionHours < 1 || patch.sessionHours > 24)) {
      fail("value.invalid", "the session duration is 1 to 24 hours", "sessionHours");
    }
    if (patch.landingPage !== undefined && !/^https?:\/\/[^\s]{1,1000}$/.test(patch.landingPage)) fail("value.invalid", "the landing page must be an http(s) URL", "landingPage");
    await exec(
      this.db,
      this.db
        .updateTable("directories")
        .set({
          subuser_settings_updated_at: this.clock.now(),
          ...(patch.landingPage !== undefined ? { subuser_landing_page: patch.landingPage } : {}),
          ...(patch.sessionHours !== undefined ? { subuser_session_hours: patch.sessionHours } : {}),
        })
        .where("directory_id", "=", directoryId),
    );
    return this.subUserSettings(caller, directoryId);
  }

  /** Events with their user's name. */
  private eventQuery(db: Kysely<Database>) {
    return db.selectFrom("provisioning_events").leftJoin("dir_users", "dir_users.user_id", "provisioning_events.user_id").selectAll("provisioning_events").select("dir_users.user_name");
  }

  private async findEvent(db: Kysely<Database>, directoryId: string, eventId: string) {
    const e = await first(db, this.eventQuery(db).where("provisioning_events.event_id", "=", eventId).where("provisioning_events.directory_id", "=", directoryId));
    return e ?? fail("provisioning.event_not_found", `event ${eventId} does not exist`, "eventId");
  }

  // ---- marking work, and the end of a departed account's provisionings (inside the caller's transaction) ----

  /** Marks provisionings dirty: bumps their generation and puts them on the durable queue (coalescing). */
  async markDirty(trx: Kysely<Database>, provisioningIds: string[]): Promise<void> {
    if (provisioningIds.length === 0) return;
    // One row at a time in id order (one UPDATE … IN would lock them in whatever order PostgreSQL's
    // plan visits them): every transaction that locks several provisionings (here, a departing
    // member's end, the reconciler) takes them in id order, so none waits on another in a circle.
    const ids = [...new Set(provisioningIds)].sort();
    for (const id of ids) await exec(trx, bumpGeneration(trx, id));
    await this.queue.enqueue(trx, ids);
  }

  /**
   * Marks every provisioning that covers these principals dirty: a group's provisionings when its
   * membership changes, a user's (directly, or through any of its groups) when the user changes.
   */
  async markCoveringDirty(trx: Kysely<Database>, principals: { groupId?: string; userId?: string }): Promise<void> {
    // Marking is level-triggered: once per principal and transaction is enough, however many of its
    // changes the transaction makes (a SCIM PATCH adds 50 members to a group in one transaction).
    const key = `${principals.groupId ?? ""}/${principals.userId ?? ""}`;
    let marked = this.markedIn.get(trx);
    if (!marked) this.markedIn.set(trx, (marked = new Set()));
    if (marked.has(key)) return;
    marked.add(key);
    const groupIds: string[] = [];
    if (principals.groupId) groupIds.push(principals.groupId);
    if (principals.userId) {
      const groups = await all(trx, trx.selectFrom("dir_memberships").select("group_id").where("user_id", "=", principals.userId));
      groupIds.push(...groups.map((g) => g.group_id));
    }
    const ids = await all(
      trx,
      trx
        .selectFrom("provisionings")
        .select("provisioning_id")
        .where((eb) =>
          eb.or([
            ...(groupIds.length ? [eb.and([eb("principal_type", "=", "Group"), eb("principal_id", "in", groupIds)])] : []),
            ...(principals.userId ? [eb.and([eb("principal_type", "=", "User"), eb("principal_id", "=", principals.userId)])] : []),
          ]),
        ),
    );
    await this.markDirty(
      trx,
      ids.map((r) => r.provisioning_id),
    );
  }

  /**
   * An account left the organization: every provisioning of the organization's directory into it
   * ends, in the transaction that removed the membership (which holds the organization's row, so
   * provisionings are locked after it). Waiting tasks fail with why; claims, events and the queue row
   * go with the provisioning; the sub-users it made stay in the account as ordinary ones. A reconcile
   * still running finds the provisioning gone at its next write and stops.
   */
  async endForDepartedAccount(trx: Kysely<Database>, orgId: number, accountUin: number): Promise<void> {
    const rows = await all(
      trx,
      trx
        .selectFrom("provisionings")
        .innerJoin("directories", "directories.directory_id", "provisionings.directory_id")
        .select("provisionings.provisioning_id")
        .where("directories.org_id", "=", orgId)
        .where("provisionings.target_uin", "=", accountUin)
        .orderBy("provisionings.provisioning_id"),
    );
    const ids = rows.map((r) => r.provisioning_id);
    if (ids.length === 0) return;
    // Locked in id order, so two transactions that lock several provisionings cannot wait on each other in a circle.
    for (const id of ids) await lockRow(trx, "provisionings", "provisioning_id", id);
    const now = this.clock.now();
    await exec(
      trx,
      trx
        .updateTable("provisioning_tasks")
        .set({ status: "Failed", failure_reason: `account ${accountUin} left the organization; the provisioning was removed`, updated_at: now })
        .where("provisioning_id", "in", ids)
        .where("status", "=", "InProgress"),
    );
    await exec(trx, trx.deleteFrom("provisioning_claims").where("provisioning_id", "in", ids));
    await exec(trx, trx.deleteFrom("provisioning_events").where("provisioning_id", "in", ids));
    await this.queue.remove(trx, ids);
    await exec(trx, trx.deleteFrom("provisionings").where("provisioning_id", "in", ids));
    // The sub-users stay, unmanaged: nothing manages them from outside the organization any more.
    const orphans = await all(
      trx,
      trx
        .selectFrom("sub_users")
        .select("uin")
        .where("account_uin", "=", accountUin)
        .where("directory_user_id", "is not", null)
        // By (user, target), which the claims are indexed on.
        .where((eb) =>
          eb.not(
            eb.exists(
              eb.selectFrom("provisioning_claims").select("provisioning_claims.user_id").whereRef("provisioning_claims.user_id", "=", "sub_users.directory_user_id").where("provisioning_claims.target_uin", "=", accountUin),
            ),
          ),
        ),
    );
    await this.subUsers.release(
      trx,
      accountUin,
      orphans.map((o) => o.uin),
      "keep",
    );
  }
}

function checkDescription(description: string | undefined): void {
  if (description !== undefined && textLength(description) > MAX_DESCRIPTION) fail("value.invalid", `description is longer than ${MAX_DESCRIPTION} characters`, "description");
}
