/**
 * organization 2021-03-31, sub-user synchronization (user sync provisioning) and its tasks.
 * Translation only; the behaviour lives in core/provisioning.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import type { ProvisioningView } from "../../../core/provisioning/provisionings.js";
import type { ProvisioningTask } from "../../../store/schema.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";
import { pageFields, pageRequest } from "../paging.js";

/** KeepBoth names a clashing sub-user `<name>_cic` for provisionings made through this door. */
const DUPLICATE_SUFFIX = "_cic";

function userProvisioning(p: ProvisioningView): Sdk.UserProvisioning {
  return {
    UserProvisioningId: p.provisioning_id,
    Description: p.description,
    Status: p.status,
    PrincipalId: p.principal_id,
    PrincipalName: p.principalName,
    PrincipalType: p.principal_type,
    TargetUin: p.target_uin,
    TargetName: p.targetName,
    DuplicationStrategy: p.duplication_strategy,
    DeletionStrategy: p.deletion_strategy,
    CreateTime: tencentTime(p.created_at),
    UpdateTime: tencentTime(p.updated_at),
    TargetType: p.target_type,
  };
}

function provisioningTask(t: ProvisioningTask): Sdk.UserProvisioningsTask {
  return {
    TaskId: t.task_id,
    TargetUin: t.target_uin,
    TargetType: t.target_type,
    TaskType: t.task_type,
    TaskStatus: t.status,
    UserProvisioningId: t.provisioning_id,
    PrincipalId: t.principal_id,
    PrincipalType: t.principal_type,
    PrincipalName: t.principal_name,
    DuplicationStrategy: t.duplication_strategy,
    DeletionStrategy: t.deletion_strategy,
  };
}

function taskStatus(t: ProvisioningTask): Sdk.TaskStatus {
  return { Status: t.status, TaskId: t.task_id, TaskType: t.task_type, FailureReason: t.failure_reason };
}

const ITEM_FIELDS = {
  principalId: "UserSyncProvisionings.PrincipalId",
  principalType: "UserSyncProvisionings.PrincipalType",
  targetUin: "UserSyncProvisionings.TargetUin",
  targetType: "UserSyncProvisionings.TargetType",
  duplicationStrategy: "UserSyncProvisionings.DuplicationStrategy",
  deletionStrategy: "UserSyncProvisionings.DeletionStrategy",
  description: "UserSyncProvisionings.Description",
  provisionings: "UserSyncProvisionings",
  userId: "UserSyncProvisionings.PrincipalId",
  groupId: "UserSyncProvisionings.PrincipalId",
};

export const userSyncActions: ActionTable = {
  CreateUserSyncProvisioning: action<Sdk.CreateUserSyncProvisioningRequest, Sdk.CreateUserSyncProvisioningResponse>(
    async ({ core, caller }, req) => {
      const tasks = await core.provisionings.create(
        caller,
        req.ZoneId,
        req.UserSyncProvisionings.map((i) => ({
          principalType: i.PrincipalType,
          principalId: i.PrincipalId,
          targetType: i.TargetType,
          targetUin: i.TargetUin,
          duplicationStrategy: i.DuplicationStrategy,
          deletionStrategy: i.DeletionStrategy,
          description: i.Description,
        })),
        { duplicateSuffix: DUPLICATE_SUFFIX },
      );
      return { Tasks: tasks.map(provisioningTask) };
    },
    ITEM_FIELDS,
  ),

  GetUserSyncProvisioning: action<Sdk.GetUserSyncProvisioningRequest, Sdk.GetUserSyncProvisioningResponse>(async ({ core, caller }, req) => ({
    UserProvisioning: userProvisioning(await core.provisionings.get(caller, req.ZoneId, req.UserProvisioningId)),
  })),

  ListUserSyncProvisionings: action<Sdk.ListUserSyncProvisioningsRequest, Sdk.ListUserSyncProvisioningsResponse>(async ({ core, caller }, req) => {
    const page = await core.provisionings.list(caller, req.ZoneId, {
      ...pageRequest(req),
      principalId: req.PrincipalId || undefined,
      principalType: req.PrincipalType,
      targetUin: req.TargetUin,
      targetType: req.TargetType,
      filter: req.Filter || undefined,
    });
    return { ...pageFields(page), UserProvisionings: page.items.map(userProvisioning) };
  }),

  UpdateUserSyncProvisioning: action<Sdk.UpdateUserSyncProvisioningRequest, Sdk.UpdateUserSyncProvisioningResponse>(
    async ({ core, caller }, req) => {
      await core.provisionings.update(caller, req.ZoneId, req.UserProvisioningId, {
        description: req.NewDescription,
        duplicationStrategy: req.NewDuplicationStateful,
        deletionStrategy: req.NewDeletionStrategy,
      });
      return {};
    },
    { duplicationStrategy: "NewDuplicationStateful", deletionStrategy: "NewDeletionStrategy", description: "NewDescription" },
  ),

  DeleteUserSyncProvisioning: action<Sdk.DeleteUserSyncProvisioningRequest, Sdk.DeleteUserSyncProvisioningResponse>(async ({ core, caller }, req) => ({
    Tasks: provisioningTask(await core.provisionings.delete(caller, req.ZoneId, req.UserProvisioningId)),
  })),

  ListTasks: action<Sdk.ListTasksRequest, Sdk.ListTasksResponse>(async ({ core, caller }, req) => {
    // Role-assignment tasks do not exist yet; the sync tasks are listed with empty role fields.
    const page = await core.provisionings.tasks(caller, req.ZoneId, {
      ...pageRequest(req),
      principalId: req.PrincipalId || undefined,
      principalType: req.PrincipalType,
      targetUin: req.TargetUin,
      targetType: req.TargetType,
      status: req.Status,
      taskType: req.TaskType,
      roleConfigurationId: req.RoleConfigurationId || undefined,
    });
    return {
      ...pageFields(page),
      Tasks: page.items.map((t) => ({
        TaskId: t.task_id,
        RoleConfigurationId: "",
        RoleConfigurationName: "",
        TargetUin: t.target_uin,
        TargetType: t.target_type,
        PrincipalId: t.principal_id,
        PrincipalType: t.principal_type,
        TaskType: t.task_type,
        Status: t.status,
        FailureReason: t.failure_reason,
      })),
    };
  }),

  GetTaskStatus: action<Sdk.GetTaskStatusRequest, Sdk.GetTaskStatusResponse>(async ({ core, caller }, req) => ({
    TaskStatus: taskStatus(await core.provisionings.roleTask(caller, req.ZoneId, req.TaskId)),
  })),

  GetProvisioningTaskStatus: action<Sdk.GetProvisioningTaskStatusRequest, Sdk.GetProvisioningTaskStatusResponse>(async ({ core, caller }, req) => ({
    TaskStatus: taskStatus(await core.provisionings.task(caller, req.ZoneId, req.TaskId)),
  })),
};
