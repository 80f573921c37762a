/**
 * organization 2021-03-31 multi-account authorization (access spec §2.3, §2.4): role assignments,
 * the deployments of role configurations into accounts (provisionings) and the tasks of both.
 * Translation only; the rules live in core/access/deployments.ts.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import type { AccessTaskType, AccessTaskView, AssignmentView, DeploymentState, DeploymentView } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import { then } from "../../../lib/maybe-promise.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";
import { pageFields, pageRequest } from "../paging.js";

/** Tencent's task types (GetTaskStatus documents these four) for the core's neutral ones. */
const TASK_TYPES: Record<AccessTaskType, string> = {
  Provision: "ProvisionRoleConfiguration",
  Deprovision: "DeprovisionRoleConfiguration",
  CreateAssignment: "CreateRoleAssignment",
  DeleteAssignment: "DeleteRoleAssignment",
};
const NEUTRAL_TASK_TYPES: Record<string, AccessTaskType> = Object.fromEntries(Object.entries(TASK_TYPES).map(([neutral, wire]) => [wire, neutral as AccessTaskType]));

/**
 * Tencent documents three deployment statuses; the core has six. A deployment whose task is still
 * running shows where the account stands until it finishes: deploying is `DeployedRequired` (the account
 * does not hold the configuration as it is yet), being undeployed is still `Deployed` (its role is there
 * until the task removes it), and a failed undeploy is `DeployFailed` (the task says why). The
 * DeploymentStatus filter matches exactly what the list shows.
 */
const DEPLOYMENT_STATUS: Record<DeploymentState, string> = {
  Deployed: "Deployed",
  Removing: "Deployed",
  RedeployRequired: "DeployedRequired",
  Deploying: "DeployedRequired",
  DeployFailed: "DeployFailed",
  RemoveFailed: "DeployFailed",
};

function deploymentStates(wire: string | undefined): DeploymentState[] | undefined {
  if (wire === undefined) return undefined;
  const states = (Object.keys(DEPLOYMENT_STATUS) as DeploymentState[]).filter((s) => DEPLOYMENT_STATUS[s] === wire);
  return states.length ? states : fail("value.invalid", "DeploymentStatus must be Deployed, DeployedRequired or DeployFailed", "state");
}

function taskType(wire: string | undefined): AccessTaskType | undefined {
  if (wire === undefined) return undefined;
  return NEUTRAL_TASK_TYPES[wire] ?? fail("value.invalid", `TaskType must be one of ${Object.values(TASK_TYPES).join(", ")}`, "type");
}

function taskInfo(t: AccessTaskView): Sdk.TaskInfo {
  return {
    TaskId: t.taskId,
    RoleConfigurationId: t.configurationId,
    RoleConfigurationName: t.configurationName,
    TargetUin: t.targetUin,
    TargetType: t.targetType,
    PrincipalId: t.principalId ?? "",
    PrincipalType: t.principalType ?? "",
    TaskType: TASK_TYPES[t.type],
    Status: t.status,
    FailureReason: t.failureReason,
  };
}

/** Provision and Dismantle answer with this shape, whose status field is `TaskStatus`. */
function provisioningTask(t: AccessTaskView): Sdk.RoleProvisioningsTask {
  return {
    TaskId: t.taskId,
    RoleConfigurationId: t.configurationId,
    RoleConfigurationName: t.configurationName,
    TargetUin: t.targetUin,
    TargetType: t.targetType,
    TaskType: TASK_TYPES[t.type],
    TaskStatus: t.status,
  };
}

function roleAssignment(a: AssignmentView): Sdk.RoleAssignments {
  return {
    RoleConfigurationId: a.configurationId,
    RoleConfigurationName: a.configurationName,
    TargetUin: a.targetUin,
    TargetType: a.targetType,
    PrincipalId: a.principalId,
    PrincipalType: a.principalType,
    PrincipalName: a.principalName,
    CreateTime: tencentTime(a.createdAt),
    UpdateTime: tencentTime(a.updatedAt),
    TargetName: a.targetName,
  };
}

function roleConfigurationProvisioning(d: DeploymentView): Sdk.RoleConfigurationProvisionings {
  return {
    DeploymentStatus: DEPLOYMENT_STATUS[d.state],
    RoleConfigurationId: d.configurationId,
    RoleConfigurationName: d.configurationName,
    TargetUin: d.targetUin,
    TargetName: d.targetName,
    CreateTime: tencentTime(d.createdAt),
    UpdateTime: tencentTime(d.updatedAt),
    TargetType: d.targetType,
  };
}

const FIELDS = { configurationId: "RoleConfigurationId", configurationName: "Filter", state: "DeploymentStatus", type: "TaskType" };
const ITEM_FIELDS = {
  ...FIELDS,
  assignments: "RoleAssignmentInfo",
  configurationId: "RoleAssignmentInfo.RoleConfigurationId",
  principalId: "RoleAssignmentInfo.PrincipalId",
  principalType: "RoleAssignmentInfo.PrincipalType",
  targetUin: "RoleAssignmentInfo.TargetUin",
  targetType: "RoleAssignmentInfo.TargetType",
  userId: "RoleAssignmentInfo.PrincipalId",
  groupId: "RoleAssignmentInfo.PrincipalId",
};

/** DeleteRoleAssignment's strategies, in the core's names. */
const DEPROVISION_STRATEGIES: Record<string, string> = { DeprovisionForLastRoleAssignmentOnAccount: "DeprovisionForLastAssignment", None: "None" };

export const roleAssignmentActions: ActionTable = {
  CreateRoleAssignment: action<Sdk.CreateRoleAssignmentRequest, Sdk.CreateRoleAssignmentResponse>(async ({ core, caller }, req) => {
    const tasks = await core.accessDeployments.assign(
      caller,
      req.ZoneId,
      (req.RoleAssignmentInfo ?? []).map((i) => ({
        configurationId: i.RoleConfigurationId,
        principalType: i.PrincipalType,
        principalId: i.PrincipalId,
        // Required on this wire: left out, it is empty, which the core refuses as missing.
        targetType: i.TargetType ?? "",
        targetUin: i.TargetUin,
      })),
    );
    return { Tasks: tasks.map(taskInfo) };
  }, ITEM_FIELDS),

  DeleteRoleAssignment: action<Sdk.DeleteRoleAssignmentRequest, Sdk.DeleteRoleAssignmentResponse>(async ({ core, caller }, req) => {
    const wire = req.DeprovisionStrategy;
    const strategy = wire === undefined ? undefined : (DEPROVISION_STRATEGIES[wire] ?? fail("value.invalid", "DeprovisionStrategy must be DeprovisionForLastRoleAssignmentOnAccount or None", "deprovisionStrategy"));
    const task = await core.accessDeployments.unassign(
      caller,
      req.ZoneId,
      req.RoleConfigurationId,
      { targetType: req.TargetType, targetUin: req.TargetUin, principalType: req.PrincipalType, principalId: req.PrincipalId },
      strategy,
    );
    return { Task: taskInfo(task) };
  }, FIELDS),

  ListRoleAssignments: action<Sdk.ListRoleAssignmentsRequest, Sdk.ListRoleAssignmentsResponse>(({ core, caller }, req) =>
    then(
      core.accessDeployments.assignments(caller, req.ZoneId, {
        ...pageRequest(req),
        configurationId: req.RoleConfigurationId || undefined,
        targetType: req.TargetType,
        targetUin: req.TargetUin,
        principalType: req.PrincipalType || undefined,
        principalId: req.PrincipalId || undefined,
        // "Currently only supports querying by permission configuration name" (spec §2.3).
        configurationName: req.Filter || undefined,
      }),
      (page) => ({ ...pageFields(page), RoleAssignments: page.items.map(roleAssignment) }),
    ), FIELDS),

  ProvisionRoleConfiguration: action<Sdk.ProvisionRoleConfigurationRequest, Sdk.ProvisionRoleConfigurationResponse>(async ({ core, caller }, req) => ({
    Task: provisioningTask(await core.accessDeployments.provision(caller, req.ZoneId, req.RoleConfigurationId, { targetType: req.TargetType, targetUin: req.TargetUin })),
  }), FIELDS),

  DismantleRoleConfiguration: action<Sdk.DismantleRoleConfigurationRequest, Sdk.DismantleRoleConfigurationResponse>(async ({ core, caller }, req) => ({
    Task: provisioningTask(await core.accessDeployments.deprovision(caller, req.ZoneId, req.RoleConfigurationId, { targetType: req.TargetType, targetUin: req.TargetUin })),
  }), FIELDS),

  ListRoleConfigurationProvisionings: action<Sdk.ListRoleConfigurationProvisioningsRequest, Sdk.ListRoleConfigurationProvisioningsResponse>(({ core, caller }, req) =>
    then(
      core.accessDeployments.deployments(caller, req.ZoneId, {
        ...pageRequest(req),
        configurationId: req.RoleConfigurationId || undefined,
        targetType: req.TargetType,
        targetUin: req.TargetUin,
        states: deploymentStates(req.DeploymentStatus),
        configurationName: req.Filter || undefined,
      }),
      (page) => ({ ...pageFields(page), RoleConfigurationProvisionings: page.items.map(roleConfigurationProvisioning) }),
    ), FIELDS),

  /** The role family's tasks only; user-sync tasks are read with GetProvisioningTaskStatus (spec §2.4). */
  ListTasks: action<Sdk.ListTasksRequest, Sdk.ListTasksResponse>(({ core, caller }, req) =>
    then(
      core.accessDeployments.tasks(caller, req.ZoneId, {
        ...pageRequest(req),
        configurationId: req.RoleConfigurationId || undefined,
        targetType: req.TargetType,
        targetUin: req.TargetUin,
        principalType: req.PrincipalType || undefined,
        principalId: req.PrincipalId || undefined,
        status: req.Status,
        type: taskType(req.TaskType),
      }),
      (page) => ({ ...pageFields(page), Tasks: page.items.map(taskInfo) }),
    ), FIELDS),

  GetTaskStatus: action<Sdk.GetTaskStatusRequest, Sdk.GetTaskStatusResponse>(({ core, caller }, req) =>
    then(core.accessDeployments.task(caller, req.ZoneId, req.TaskId), (t) => ({
      TaskStatus: { Status: t.status, TaskId: t.taskId, TaskType: TASK_TYPES[t.type], FailureReason: t.failureReason },
    })), FIELDS),
};
