/**
 * organization 2021-03-31, sub-user synchronization (user sync provisioning) and its tasks.
 * Translation only; the behaviour lives in core/provisioning.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import { then } from "../../../lib/maybe-promise.js";
import type { ProvisioningTaskView, ProvisioningView } from "../../../core/provisioning/views.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";
import { pageFields, pageRequest } from "../paging.js";

/** KeepBoth names a clashing sub-user `<name>_cic` for provisionings made through this door. */
const DUPLICATE_SUFFIX = "_cic";

function userProvisioning(p: ProvisioningView): Sdk.UserProvisioning {
  return {
    UserProvisioningId: p.provisioningId,
    Description: p.description,
    Status: p.status,
    PrincipalId: p.principal.id,
    PrincipalName: p.principal.name,
    PrincipalType: p.principal.type,
    TargetUin: p.target.accountUin,
    TargetName: p.target.name,
    DuplicationStrategy: p.duplicationStrategy,
    DeletionStrategy: p.deletionStrategy,
    CreateTime: tencentTime(p.createdAt),
    UpdateTime: tencentTime(p.updatedAt),
    TargetType: p.target.type,
  };
}

function provisioningTask(t: ProvisioningTaskView): Sdk.UserProvisioningsTask {
  return {
    TaskId: t.taskId,
    TargetUin: t.target.accountUin,
    TargetType: t.target.type,
    TaskType: t.type,
    TaskStatus: t.status,
    UserProvisioningId: t.provisioningId,
    PrincipalId: t.principal.id,
    PrincipalType: t.principal.type,
    PrincipalName: t.principal.name,
    DuplicationStrategy: t.duplicationStrategy,
    DeletionStrategy: t.deletionStrategy,
  };
}

function taskStatus(t: ProvisioningTaskView): Sdk.TaskStatus {
  return { Status: t.status, TaskId: t.taskId, TaskType: t.type, FailureReason: t.failureReason };
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
          // Required on this wire: left out, it is empty, which the core refuses as missing (an absent
          // target type would mean "whatever the target is").
          targetType: i.TargetType ?? "",
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

  GetUserSyncProvisioning: action<Sdk.GetUserSyncProvisioningRequest, Sdk.GetUserSyncProvisioningResponse>(({ core, caller }, req) =>
    then(core.provisionings.get(caller, req.ZoneId, req.UserProvisioningId), (p) => ({ UserProvisioning: userProvisioning(p) })),
  ),

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

  GetProvisioningTaskStatus: action<Sdk.GetProvisioningTaskStatusRequest, Sdk.GetProvisioningTaskStatusResponse>(({ core, caller }, req) =>
    then(core.provisionings.task(caller, req.ZoneId, req.TaskId), (t) => ({ TaskStatus: taskStatus(t) })),
  ),
};
