/**
 * CloudSSO 2021-05-15 user provisioning (spec §3.2, §4): provisionings, their failed-sync events,
 * statistics and the directory's provisioning configuration. Translation only: the same core
 * provisionings and reconcile engine serve the Tencent user-sync actions.
 */
import type { Caller } from "../../../core/accounts.js";
import type { Core } from "../../../core/index.js";
import type { EventView, ProvisioningStatistics, ProvisioningView, SubUserSettings } from "../../../core/provisioning/provisionings.js";
import { DELETION_STRATEGIES, DUPLICATION_STRATEGIES, PRINCIPAL_TYPES } from "../../../core/provisioning/provisionings.js";
import type { UnitFailureKind } from "../../../store/schema.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { directoryIdIn, directoryIdOut, resourceDirectoryId } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { TARGET_TYPES } from "../wire-spec.js";
import { canonical } from "./cloudsso-common.js";

/** KeepBoth names a clashing RAM user `<name>_sso` for provisionings made through this door. */
const DUPLICATE_SUFFIX = "_sso";

/** How a failed unit reads in CloudSSO's ErrorInfo: its documented code, then why. */
const ERROR_INFO: Record<UnitFailureKind, string> = {
  name_clash: "OperationConflict.UserProvisioning.Process.fail.ImsUserExists",
  quota: "LimitExceeded.UserProvisioning.Process.fail.ImsUserQuota",
  name_invalid: "InvalidParameter.UserProvisioning.Process.fail.ImsUserNameInvalid",
  // The provisioning as a whole (no one user): its sync kept failing and gave up until the next change or a retry.
  reconcile_failed: "InternalError.UserProvisioning.Process.fail",
};

/** The resource-directory path of a target, as TargetPath shows it. */
function targetPath(p: ProvisioningView): string {
  return `${resourceDirectoryId(p.orgId)}/root/${p.targetName}`;
}

/** Who is provisioned where, as both the provisioning and its events show it. */
function principalAndTarget(p: ProvisioningView) {
  return {
    PrincipalId: p.principal_id,
    PrincipalType: p.principal_type,
    PrincipalName: p.principalName,
    TargetId: String(p.target_uin),
    TargetType: TARGET_TYPES[0],
    TargetName: p.targetName,
    TargetPath: targetPath(p),
  };
}

function provisioningObject(p: ProvisioningView, ownerPk: number) {
  return {
    UserProvisioningId: p.provisioning_id,
    DirectoryId: directoryIdOut(p.directory_id),
    OwnerPk: String(ownerPk),
    ...principalAndTarget(p),
    // Echoed as the client spelled it (Terraform sends "Takeover" and compares).
    DuplicationStrategy: p.duplication_spelling ?? p.duplication_strategy,
    DeletionStrategy: p.deletion_spelling ?? p.deletion_strategy,
    Description: p.description,
    Status: p.status,
    CreateTime: aliyunTime(p.created_at),
    UpdateTime: aliyunTime(p.updated_at),
  };
}

function eventObject(e: EventView) {
  const p = e.provisioning;
  const created = aliyunTime(e.created_at);
  const updated = aliyunTime(e.updated_at);
  const lastRun = aliyunTime(e.last_attempt_at);
  return {
    EventId: e.event_id,
    UserProvisioningId: p.provisioning_id,
    DirectoryId: directoryIdOut(e.directory_id),
    ...principalAndTarget(p),
    DuplicationStrategy: e.duplication_override ?? p.duplication_spelling ?? p.duplication_strategy,
    DeletionStrategy: p.deletion_spelling ?? p.deletion_strategy,
    SourceType: e.source_type,
    ErrorCount: Number(e.error_count),
    ErrorInfo: `${ERROR_INFO[e.error_kind]}: ${e.error_info}`,
    LatestAsyncTime: lastRun,
    CreateTime: created,
    UpdateTime: updated,
    // The Terraform data source reads these names instead (spec §3.1 caveat).
    Content: JSON.stringify(
      e.error_kind === "reconcile_failed"
        ? { TargetId: String(p.target_uin), Operation: "SyncUserProvisioning" }
        : { UserId: e.user_id, UserName: e.userName, TargetId: String(p.target_uin), Operation: "CreateRamUser" },
    ),
    GmtCreate: created,
    GmtModified: updated,
    GmtLastExec: lastRun,
  };
}

function statisticsObject(directoryId: string, entityId: string, type: string, s: ProvisioningStatistics, ownerPk: number) {
  return {
    DirectoryId: directoryIdOut(directoryId),
    EntityId: entityId,
    Type: type,
    FailedEventCount: s.failedEventCount,
    ...(s.latestAsyncTime !== null ? { LatestAsyncTime: aliyunTime(s.latestAsyncTime) } : {}),
    OwnerPk: String(ownerPk),
  };
}

function configurationObject(directoryId: string, s: SubUserSettings) {
  return {
    DirectoryId: directoryIdOut(directoryId),
    DefaultLandingPage: s.landingPage,
    SessionDuration: s.sessionHours,
    CreateTime: aliyunTime(s.createdAt),
    UpdateTime: aliyunTime(s.updatedAt),
  };
}

/** A numeric account id on the wire; anything else cannot name an account and so names none. */
function accountUin(id: string): number {
  return /^\d{1,16}$/.test(id) ? Number(id) : -1;
}

async function readProvisioning(caller: Caller, core: Core, directoryId: string, id: string) {
  return provisioningObject(await core.provisionings.get(caller, directoryId, id), caller.accountUin);
}

/** Core field → this door's parameter name, for errors the core raises. */
const FIELDS = { principalId: "PrincipalId", principalType: "PrincipalType", targetUin: "TargetId", targetType: "TargetType", provisioningId: "UserProvisioningId", userId: "PrincipalId", groupId: "PrincipalId" };

export const cloudssoProvisioningActions = actions("cloudsso", {
  /** Synchronous: returns the object; the RAM users follow in the background, reported through events. */
  CreateUserProvisioning: action(
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const [task] = await core.provisionings.create(
        caller,
        directoryId,
        [
          {
            principalId: p.PrincipalId,
            principalType: canonical(p.PrincipalType, PRINCIPAL_TYPES),
            targetUin: accountUin(p.TargetId),
            duplicationStrategy: canonical(p.DuplicationStrategy, DUPLICATION_STRATEGIES),
            deletionStrategy: canonical(p.DeletionStrategy, DELETION_STRATEGIES),
            duplicationSpelling: p.DuplicationStrategy,
            deletionSpelling: p.DeletionStrategy,
            description: p.Description,
          },
        ],
        { duplicateSuffix: DUPLICATE_SUFFIX, inferTargetType: true },
      );
      return { UserProvisioning: await readProvisioning(caller, core, directoryId, task!.provisioning_id) };
    },
    FIELDS,
  ),

  GetUserProvisioning: action(async ({ core, caller }, p) => ({
    UserProvisioning: await readProvisioning(caller, core, directoryIdIn(p.DirectoryId), p.UserProvisioningId),
  })),

  ListUserProvisionings: action(
    async ({ core, caller }, p) => {
      const page = await core.provisionings.list(caller, directoryIdIn(p.DirectoryId), {
        principalId: p.PrincipalId || undefined,
        principalType: canonical(p.PrincipalType, PRINCIPAL_TYPES),
        targetUin: p.TargetId ? accountUin(p.TargetId) : undefined,
        ...pageRequest(p),
      });
      return { UserProvisionings: page.items.map((v) => provisioningObject(v, caller.accountUin)), ...pageFields(page) };
    },
    FIELDS,
  ),

  UpdateUserProvisioning: action(
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      await core.provisionings.update(caller, directoryId, p.UserProvisioningId, {
        description: p.NewDescription,
        duplicationStrategy: canonical(p.NewDuplicationStrategy, DUPLICATION_STRATEGIES),
        deletionStrategy: canonical(p.NewDeletionStrategy, DELETION_STRATEGIES),
        duplicationSpelling: p.NewDuplicationStrategy,
        deletionSpelling: p.NewDeletionStrategy,
      });
      return { UserProvisioning: await readProvisioning(caller, core, directoryId, p.UserProvisioningId) };
    },
    { duplicationStrategy: "NewDuplicationStrategy", deletionStrategy: "NewDeletionStrategy", description: "NewDescription" },
  ),

  /** The RAM users are removed (or let go) in the background; DeletionStrategy overrides the stored one for this call. */
  DeleteUserProvisioning: action(
    async ({ core, caller }, p) => {
      await core.provisionings.delete(caller, directoryIdIn(p.DirectoryId), p.UserProvisioningId, { deletionStrategy: canonical(p.DeletionStrategy, DELETION_STRATEGIES) });
      return {};
    },
  ),

  GetUserProvisioningConfiguration: action(async ({ core, caller }, p) => {
    const directoryId = directoryIdIn(p.DirectoryId);
    return { UserProvisioningConfiguration: configurationObject(directoryId, await core.provisionings.subUserSettings(caller, directoryId)) };
  }),

  UpdateUserProvisioningConfiguration: action(
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const settings = await core.provisionings.updateSubUserSettings(caller, directoryId, { landingPage: p.NewDefaultLandingPage, sessionHours: p.NewSessionDuration });
      return { UserProvisioningConfiguration: configurationObject(directoryId, settings) };
    },
    { landingPage: "NewDefaultLandingPage", sessionHours: "NewSessionDuration" },
  ),

  GetUserProvisioningStatistics: action(async ({ core, caller }, p) => {
    const directoryId = directoryIdIn(p.DirectoryId);
    const stats = await core.provisionings.statistics(caller, directoryId, p.UserProvisioningId);
    return { UserProvisioningStatistics: statisticsObject(directoryId, p.UserProvisioningId, "User Provisioning", stats, caller.accountUin) };
  }),

  GetUserProvisioningRdAccountStatistics: action(
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const stats = await core.provisionings.targetStatistics(caller, directoryId, accountUin(p.RdMemberId));
      return { UserProvisioningStatistics: statisticsObject(directoryId, p.RdMemberId, "RD Account", stats, caller.accountUin) };
    },
    { targetUin: "RdMemberId" },
  ),

  /** The failed events (dead letters) of the directory, or of one provisioning. */
  ListUserProvisioningEvents: action(
    async ({ core, caller }, p) => {
      const page = await core.provisionings.events(caller, directoryIdIn(p.DirectoryId), { provisioningId: p.UserProvisioningId || undefined, ...pageRequest(p) });
      return { UserProvisioningEvents: page.items.map(eventObject), ...pageFields(page) };
    },
  ),

  GetUserProvisioningEvent: action(async ({ core, caller }, p) => ({
    UserProvisioningEvent: eventObject(await core.provisionings.event(caller, directoryIdIn(p.DirectoryId), p.EventId)),
  })),

  /** Runs the event's unit again under the given duplication strategy; success removes the event. */
  RetryUserProvisioningEvent: action(
    async ({ core, caller }, p) => {
      await core.provisionings.retryEvent(caller, directoryIdIn(p.DirectoryId), p.EventId, canonical(p.DuplicationStrategy, DUPLICATION_STRATEGIES));
      return {};
    },
  ),

  DeleteUserProvisioningEvent: action(
    async ({ core, caller }, p) => {
      await core.provisionings.deleteEvent(caller, directoryIdIn(p.DirectoryId), p.EventId, p.UserProvisioningId);
      return {};
    },
  ),
});
