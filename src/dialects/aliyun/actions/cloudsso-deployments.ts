/**
 * CloudSSO 2021-05-15 provisioning of access configurations, access assignments and their tasks
 * (access spec §3.3–§3.6), over the core's assignments, deployments and tasks (core/access/deployments.ts),
 * the same ones the Tencent door's role assignments and provisionings show. Translation only.
 *
 * How the core's deployment states read as a provisioning's Status (CloudSSO documents three):
 * - Deployed, and Deploying (a first deployment or a re-provision under way): `Provisioned`; the
 *   task says whether the work is done (clients poll GetTaskStatus, as Terraform does);
 * - RedeployRequired (a policy changed since), and DeployFailed (the last deployment failed; the task
 *   says why): `ReprovisionRequired`, since provisioning again is what either needs;
 * - Removing (a deprovision under way): still `Provisioned` until the role is gone;
 * - RemoveFailed: `DeprovisionFailed`.
 */
import type { Caller } from "../../../core/accounts.js";
import { ACCESS_PRINCIPAL_TYPES } from "../../../core/access/deployments.js";
import type { AccessTaskType, AccessTaskView, AssignmentView, DeploymentState, DeploymentView } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import type { Core } from "../../../core/index.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { accessConfigurationIdIn, accessConfigurationIdOut, directoryIdIn, directoryIdOut, resourceDirectoryPath } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { DEPROVISION_STRATEGY_VALUES, PROVISIONING_STATUSES, TARGET_TYPES, TASK_STATUS_VALUES, TASK_TYPES } from "../wire-spec.js";
import { canonical } from "./cloudsso-common.js";

/** The name prefix of everything CloudSSO lands in an account (access spec §1.2). */
export const RESERVED_PREFIX = "AliyunReservedSSO-";
export const INLINE_POLICY_SUFFIX = "-InlinePolicy";

export const ramRoleName = (configurationName: string) => `${RESERVED_PREFIX}${configurationName}`;
export const inlinePolicyName = (configurationName: string) => `${RESERVED_PREFIX}${configurationName}${INLINE_POLICY_SUFFIX}`;
/** The identity provider's name carries the directory id as this door writes it (`d-…`). */
export const samlProviderName = (coreDirectoryId: string) => `${RESERVED_PREFIX}${directoryIdOut(coreDirectoryId)}`;

const TASK_TYPE: Record<AccessTaskType, (typeof TASK_TYPES)[number]> = {
  Provision: "ProvisionAccessConfiguration",
  Deprovision: "DeprovisionAccessConfiguration",
  CreateAssignment: "CreateAccessAssignment",
  DeleteAssignment: "DeleteAccessAssignment",
};
const CORE_TASK_TYPE = Object.fromEntries(Object.entries(TASK_TYPE).map(([k, v]) => [v.toLowerCase(), k])) as Record<string, AccessTaskType>;

type ProvisioningStatus = (typeof PROVISIONING_STATUSES)[number];
const STATUS_OF: Record<DeploymentState, ProvisioningStatus> = {
  Deployed: "Provisioned",
  Deploying: "Provisioned",
  Removing: "Provisioned",
  RedeployRequired: "ReprovisionRequired",
  DeployFailed: "ReprovisionRequired",
  RemoveFailed: "DeprovisionFailed",
};
const STATES_OF = (status: ProvisioningStatus): DeploymentState[] => (Object.keys(STATUS_OF) as DeploymentState[]).filter((s) => STATUS_OF[s] === status);

/** ListTasks looks back this far by default, and no further than the longest window (access spec §3.5). */
const DEFAULT_TASK_WINDOW_MS = 24 * 3600_000;
const MAX_TASK_WINDOW_MS = 7 * 24 * 3600_000;

/** Core field → this door's parameter name, for errors the core raises. */
const FIELDS = {
  configurationId: "AccessConfigurationId",
  targetUin: "TargetId",
  targetType: "TargetType",
  principalId: "PrincipalId",
  principalType: "PrincipalType",
  userId: "PrincipalId",
  groupId: "PrincipalId",
  taskId: "TaskId",
  deprovisionStrategy: "DeprovisionStrategy",
  status: "Status",
  type: "TaskType",
  state: "ProvisioningStatus",
};

/** A numeric account id on the wire; anything else names no account (the core answers as for an unknown one). */
function accountUin(id: string): number {
  return /^\d{1,16}$/.test(id) ? Number(id) : -1;
}

/** CloudSSO filters by a principal or a target only when both the id and its type are given (access spec §3.0). */
function pair<A, B>(id: A | undefined, type: B | undefined): [A, B] | undefined {
  return id !== undefined && id !== "" && type !== undefined && type !== "" ? [id, type] : undefined;
}

/** Where the caller's resource directory puts a target: TargetPath and TargetPathName. */
async function pathOf(core: Core, caller: Caller): Promise<(name: string) => string> {
  const m = await core.organizations.findMembership(caller.accountUin);
  return (name) => (m ? resourceDirectoryPath(m.org.org_id, name) : "");
}

function target(v: { targetUin: number; targetName: string }, path: (name: string) => string) {
  return { TargetId: String(v.targetUin), TargetType: TARGET_TYPES[0], TargetName: v.targetName, TargetPath: path(v.targetName), TargetPathName: path(v.targetName) };
}

function configuration(v: { configurationId: string; configurationName: string }) {
  return { AccessConfigurationId: accessConfigurationIdOut(v.configurationId), AccessConfigurationName: v.configurationName };
}

function principal(v: { principalType?: string; principalId?: string; principalName?: string }) {
  return { PrincipalType: v.principalType, PrincipalId: v.principalId, PrincipalName: v.principalName };
}

/** A task as the writes answer it (no times). */
function taskSummary(t: AccessTaskView, path: (name: string) => string) {
  return { ...configuration(t), ...target(t, path), TaskId: t.taskId, TaskType: TASK_TYPE[t.type], Status: t.status };
}

const endTime = (t: AccessTaskView) => (t.status === "InProgress" ? undefined : aliyunTime(t.updatedAt));
const failureReason = (t: AccessTaskView) => (t.status === "Failed" ? t.failureReason : undefined);

function taskObject(t: AccessTaskView, path: (name: string) => string) {
  return { ...taskSummary(t, path), ...principal(t), StartTime: aliyunTime(t.createdAt), EndTime: endTime(t), FailureReason: failureReason(t) };
}

function assignmentObject(a: AssignmentView, path: (name: string) => string) {
  return { ...configuration(a), ...target(a, path), ...principal(a), CreateTime: aliyunTime(a.createdAt) };
}

function provisioningObject(d: DeploymentView, path: (name: string) => string) {
  const inline = d.policies.some((p) => p.type === "Inline");
  return {
    ...configuration(d),
    ...target(d, path),
    Status: STATUS_OF[d.state],
    RAMRoleName: ramRoleName(d.configurationName),
    RAMPolicyNames: [...d.policies.filter((p) => p.type === "System").map((p) => p.name), ...(inline ? [inlinePolicyName(d.configurationName)] : [])],
    SAMLProviderName: samlProviderName(d.directoryId),
    CreateTime: aliyunTime(d.createdAt),
    UpdateTime: aliyunTime(d.updatedAt),
  };
}

/** `StartTime ge 2021-11-02T08:44:23Z` (keyword and operator in any case) → the instant; absent → the last 24 hours. */
function taskWindow(filter: string | undefined, now: number): number {
  if (filter === undefined || filter.trim() === "") return now - DEFAULT_TASK_WINDOW_MS;
  const m = /^\s*StartTime\s+ge\s+"?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"?\s*$/i.exec(filter);
  const at = m ? Date.parse(m[1]!) : NaN;
  if (!Number.isFinite(at)) return fail("value.invalid", 'Filter must be "StartTime ge YYYY-MM-DDTHH:mm:SSZ"', "filter");
  if (at < now - MAX_TASK_WINDOW_MS) return fail("value.invalid", "Filter may look back at most 7 days", "filter");
  return at;
}

export const cloudssoDeploymentActions = actions("cloudsso", {
  ProvisionAccessConfiguration: action(async ({ core, caller }, p) => {
    const t = await core.accessDeployments.provision(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), { targetUin: accountUin(p.TargetId) });
    return { Tasks: [taskSummary(t, await pathOf(core, caller))] };
  }, FIELDS),

  DeprovisionAccessConfiguration: action(async ({ core, caller }, p) => {
    const t = await core.accessDeployments.deprovision(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), { targetUin: accountUin(p.TargetId) });
    return { Tasks: [taskSummary(t, await pathOf(core, caller))] };
  }, FIELDS),

  ListAccessConfigurationProvisionings: action(
    async ({ core, caller }, p) => {
      const targetPair = pair(p.TargetId, p.TargetType);
      const status = canonical(p.ProvisioningStatus || undefined, PROVISIONING_STATUSES);
      const page = await core.accessDeployments.deployments(caller, directoryIdIn(p.DirectoryId), {
        configurationId: p.AccessConfigurationId ? accessConfigurationIdIn(p.AccessConfigurationId) : undefined,
        targetUin: targetPair ? accountUin(targetPair[0]) : undefined,
        states: status ? STATES_OF(status) : undefined,
        ...pageRequest(p),
      });
      const path = await pathOf(core, caller);
      return { AccessConfigurationProvisionings: page.items.map((d) => provisioningObject(d, path)), ...pageFields(page) };
    },
    FIELDS,
  ),

  CreateAccessAssignment: action(async ({ core, caller }, p) => {
    const [t] = await core.accessDeployments.assign(caller, directoryIdIn(p.DirectoryId), [
      {
        configurationId: accessConfigurationIdIn(p.AccessConfigurationId),
        // No target type: CloudSSO's one type (RD-Account) is any account of the resource directory.
        targetUin: accountUin(p.TargetId),
        principalType: canonical(p.PrincipalType, ACCESS_PRINCIPAL_TYPES),
        principalId: p.PrincipalId,
      },
    ]);
    return { Task: { ...taskSummary(t!, await pathOf(core, caller)), ...principal(t!) } };
  }, FIELDS),

  DeleteAccessAssignment: action(async ({ core, caller }, p) => {
    const strategy = canonical(p.DeprovisionStrategy || undefined, DEPROVISION_STRATEGY_VALUES);
    const t = await core.accessDeployments.unassign(
      caller,
      directoryIdIn(p.DirectoryId),
      accessConfigurationIdIn(p.AccessConfigurationId),
      { targetUin: accountUin(p.TargetId), principalType: canonical(p.PrincipalType, ACCESS_PRINCIPAL_TYPES), principalId: p.PrincipalId },
      strategy === "DeprovisionForLastAccessAssignmentOnAccount" ? "DeprovisionForLastAssignment" : "None",
    );
    return { Task: { ...taskSummary(t, await pathOf(core, caller)), ...principal(t) } };
  }, FIELDS),

  ListAccessAssignments: action(
    async ({ core, caller }, p) => {
      const targetPair = pair(p.TargetId, p.TargetType);
      const principalPair = pair(p.PrincipalId, p.PrincipalType);
      const page = await core.accessDeployments.assignments(caller, directoryIdIn(p.DirectoryId), {
        configurationId: p.AccessConfigurationId ? accessConfigurationIdIn(p.AccessConfigurationId) : undefined,
        targetUin: targetPair ? accountUin(targetPair[0]) : undefined,
        principalId: principalPair?.[0],
        principalType: principalPair ? canonical(principalPair[1], ACCESS_PRINCIPAL_TYPES) : undefined,
        ...pageRequest(p),
      });
      const path = await pathOf(core, caller);
      return { AccessAssignments: page.items.map((a) => assignmentObject(a, path)), ...pageFields(page) };
    },
    FIELDS,
  ),

  GetTask: action(async ({ core, caller }, p) => {
    const t = await core.accessDeployments.task(caller, directoryIdIn(p.DirectoryId), p.TaskId);
    return { Task: taskObject(t, await pathOf(core, caller)) };
  }, FIELDS),

  GetTaskStatus: action(async ({ core, caller }, p) => {
    const t = await core.accessDeployments.task(caller, directoryIdIn(p.DirectoryId), p.TaskId);
    return { TaskStatus: { TaskId: t.taskId, TaskType: TASK_TYPE[t.type], Status: t.status, StartTime: aliyunTime(t.createdAt), EndTime: endTime(t), FailureReason: failureReason(t) } };
  }, FIELDS),

  ListTasks: action(
    async ({ core, caller }, p) => {
      const since = taskWindow(p.Filter, core.opts.clock.now());
      const targetPair = pair(p.TargetId, p.TargetType);
      const principalPair = pair(p.PrincipalId, p.PrincipalType);
      const page = await core.accessDeployments.tasks(caller, directoryIdIn(p.DirectoryId), {
        configurationId: p.AccessConfigurationId ? accessConfigurationIdIn(p.AccessConfigurationId) : undefined,
        targetUin: targetPair ? accountUin(targetPair[0]) : undefined,
        principalId: principalPair?.[0],
        principalType: principalPair ? canonical(principalPair[1], ACCESS_PRINCIPAL_TYPES) : undefined,
        status: p.Status ? canonical(p.Status, TASK_STATUS_VALUES) : undefined,
        type: p.TaskType ? CORE_TASK_TYPE[p.TaskType.toLowerCase()] : undefined,
        since,
        ...pageRequest(p),
      });
      const path = await pathOf(core, caller);
      return { Tasks: page.items.map((t) => taskObject(t, path)), ...pageFields(page) };
    },
    { ...FIELDS, filter: "Filter" },
  ),
});
