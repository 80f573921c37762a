/**
 * CloudSSO 2021-05-15 user provisioning (spec §3.2, §4): provisionings, their failed-sync events,
 * statistics and the directory's provisioning configuration. Translation only: the same core
 * provisionings and reconcile engine serve the Tencent user-sync actions.
 */
import type { Caller } from "../../../core/accounts.js";
import type { Core } from "../../../core/index.js";
import { then } from "../../../lib/maybe-promise.js";
import type { ProvisioningStatistics, SubUserSettings } from "../../../core/provisioning/provisionings.js";
import { DELETION_STRATEGIES, DUPLICATION_STRATEGIES, PRINCIPAL_TYPES } from "../../../core/provisioning/provisionings.js";
import type { Annotations, ProvisioningEventView, ProvisioningView, UnitFailureKind } from "../../../core/provisioning/views.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { directoryIdIn, directoryIdOut, resourceDirectoryPath } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { TARGET_TYPES } from "../wire-spec.js";
import { canonical } from "./cloudsso-common.js";

/** KeepBoth names a clashing RAM user `<name>_sso` for provisionings made through this door. */
const DUPLICATE_SUFFIX = "_sso";

/** Where provisioned RAM users land when the directory set no page: CloudSSO's documented default. */
const DEFAULT_LANDING_PAGE = "https://homenew.console.aliyun.com";

/**
 * The provisioning's annotations under which this door keeps each strategy as the client spelled it
 * (enums are accepted in any case; Terraform sends "Takeover" and compares what it reads back).
 */
const SPELLING = { duplication: "cloudsso.DuplicationStrategy", deletion: "cloudsso.DeletionStrategy" } as const;

/** The spellings the client gave, as annotations; undefined when it gave none. */
function spellings(duplication: string | undefined, deletion: string | undefined): Annotations | undefined {
  if (duplication === undefined && deletion === undefined) return undefined;
  return { ...(duplication !== undefined ? { [SPELLING.duplication]: duplication } : {}), ...(deletion !== undefined ? { [SPELLING.deletion]: deletion } : {}) };
}

/** A strategy as its client spelled it, while that spelling still names the stored value (another door may have changed it since). */
function spelled(p: ProvisioningView, key: string, value: string): string {
  const spelling = p.annotations[key];
  return spelling !== undefined && spelling.toLowerCase() === value.toLowerCase() ? spelling : value;
}

/** How a failed unit reads in CloudSSO's ErrorInfo: its documented code, then why. */
const ERROR_INFO: Record<UnitFailureKind, string> = {
  name_clash: "OperationConflict.UserProvisioning.Process.fail.ImsUserExists",
  quota: "LimitExceeded.UserProvisioning.Process.fail.ImsUserQuota",
  name_invalid: "InvalidParameter.UserProvisioning.Process.fail.ImsUserNameInvalid",
  // The provisioning as a whole (no one user): its sync kept failing and gave up until the next change or a retry.
  reconcile_failed: "InternalError.UserProvisioning.Process.fail",
  // OpenCIC's deletion circuit breaker (no CloudSSO code exists): deletions wait for an administrator's approval.
  deletions_held: "OperationSuspended.UserProvisioning.DeletionHeld",
};

/** The resource-directory path of a target, as TargetPath shows it. */
function targetPath(p: ProvisioningView): string {
  return resourceDirectoryPath(p.target.orgId, p.target.name);
}

/** Who is provisioned where, as both the provisioning and its events show it. */
function principalAndTarget(p: ProvisioningView) {
  return {
    PrincipalId: p.principal.id,
    PrincipalType: p.principal.type,
    PrincipalName: p.principal.name,
    TargetId: String(p.target.accountUin),
    TargetType: TARGET_TYPES[0],
    TargetName: p.target.name,
    TargetPath: targetPath(p),
  };
}

function provisioningObject(p: ProvisioningView, ownerPk: number) {
  return {
    UserProvisioningId: p.provisioningId,
    DirectoryId: directoryIdOut(p.directoryId),
    OwnerPk: String(ownerPk),
    ...principalAndTarget(p),
    DuplicationStrategy: spelled(p, SPELLING.duplication, p.duplicationStrategy),
    DeletionStrategy: spelled(p, SPELLING.deletion, p.deletionStrategy),
    Description: p.description,
    Status: p.status,
    CreateTime: aliyunTime(p.createdAt),
    UpdateTime: aliyunTime(p.updatedAt),
  };
}

function eventObject(e: ProvisioningEventView) {
  const p = e.provisioning;
  const created = aliyunTime(e.createdAt);
  const updated = aliyunTime(e.updatedAt);
  const lastRun = aliyunTime(e.lastAttemptAt);
  return {
    EventId: e.eventId,
    UserProvisioningId: p.provisioningId,
    DirectoryId: directoryIdOut(e.directoryId),
    ...principalAndTarget(p),
    DuplicationStrategy: e.duplicationOverride ?? spelled(p, SPELLING.duplication, p.duplicationStrategy),
    DeletionStrategy: spelled(p, SPELLING.deletion, p.deletionStrategy),
    SourceType: e.source,
    ErrorCount: e.failureCount,
    ErrorInfo: `${ERROR_INFO[e.failureKind]}: ${e.failureReason}`,
    LatestAsyncTime: lastRun,
    CreateTime: created,
    UpdateTime: updated,
    // The Terraform data source reads these names instead (spec §3.1 caveat).
    Content: JSON.stringify(
      e.failureKind === "reconcile_failed"
        ? { TargetId: String(p.target.accountUin), Operation: "SyncUserProvisioning" }
        : e.failureKind === "deletions_held"
          ? { TargetId: String(p.target.accountUin), Operation: "DeleteRamUser" }
        : { UserId: e.userId, UserName: e.userName, TargetId: String(p.target.accountUin), Operation: "CreateRamUser" },
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
    DefaultLandingPage: s.landingPage ?? DEFAULT_LANDING_PAGE,
    SessionDuration: s.sessionHours,
    CreateTime: aliyunTime(s.createdAt),
    UpdateTime: aliyunTime(s.updatedAt),
  };
}

/** A numeric account id on the wire; anything else cannot name an account and so names none. */
function accountUin(id: string): number {
  return /^\d{1,16}$/.test(id) ? Number(id) : -1;
}

function readProvisioning(caller: Caller, core: Core, directoryId: string, id: string) {
  return then(core.provisionings.get(caller, directoryId, id), (p) => ({ UserProvisioning: provisioningObject(p, caller.accountUin) }));
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
            description: p.Description,
            annotations: spellings(p.DuplicationStrategy, p.DeletionStrategy),
          },
        ],
        // No target type: CloudSSO's one type (RD-Account) is any account of the resource directory.
        { duplicateSuffix: DUPLICATE_SUFFIX },
      );
      return readProvisioning(caller, core, directoryId, task!.provisioningId);
    },
    FIELDS,
  ),

  GetUserProvisioning: action(({ core, caller }, p) => readProvisioning(caller, core, directoryIdIn(p.DirectoryId), p.UserProvisioningId)),

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
        annotations: spellings(p.NewDuplicationStrategy, p.NewDeletionStrategy),
      });
      return readProvisioning(caller, core, directoryId, p.UserProvisioningId);
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
