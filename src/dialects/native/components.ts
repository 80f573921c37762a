/**
 * The shapes the native API answers with, in OpenCIC's own names: the core's views as they travel
 * (times as date-times). Routes name them with `ref(…)`; openapi.ts puts them under
 * `components.schemas`.
 */
import { arr, bool, int, nullable, obj, oneOfValues, ref, type Schema, str, time } from "./schema.js";

const tag = obj({ key: str(), value: str() });
const principalType = oneOfValues(["User", "Group"]);
const targetType = oneOfValues(["ManagerUin", "MemberUin"], { description: "The organization's management account, or a member account." });
const principal = obj({ type: principalType, id: str(), name: str({ description: "\"\" when it no longer exists." }) });
const taskStatus = oneOfValues(["InProgress", "Success", "Failed"]);

const member = obj({
  uin: int(),
  name: str(),
  accountName: str(),
  memberType: str(),
  policyType: str(),
  permissionIds: arr(int()),
  nodeId: int(),
  nodeName: str(),
  remark: str(),
  tags: arr(tag),
  isManager: bool(),
  joinedAt: time,
  updatedAt: time,
});

const user = {
  userId: str(),
  userName: str(),
  firstName: str(),
  lastName: str(),
  displayName: str(),
  description: str(),
  email: str({ description: "\"\" when the user has none." }),
  status: oneOfValues(["Enabled", "Disabled"]),
  origin: oneOfValues(["Manual", "Synchronized"], { description: "Made by hand, or synchronized from an identity provider (SCIM)." }),
  needResetPassword: bool(),
  createdAt: time,
  updatedAt: time,
  externalId: nullable(str()),
};

const group = {
  groupId: str(),
  groupName: str(),
  description: str(),
  origin: oneOfValues(["Manual", "Synchronized"]),
  memberCount: int({ minimum: 0 }),
  createdAt: time,
  updatedAt: time,
};

const provisioning = {
  provisioningId: str(),
  directoryId: str(),
  principal,
  target: obj({ type: targetType, accountUin: int(), name: str(), orgId: int() }),
  duplicationStrategy: oneOfValues(["KeepBoth", "TakeOver"]),
  deletionStrategy: oneOfValues(["Delete", "Keep"]),
  description: str(),
  status: oneOfValues(["Enabled", "Disabled"]),
  createdAt: time,
  updatedAt: time,
  annotations: { type: "object", additionalProperties: str(), description: "Notes a vendor door keeps with the provisioning." },
  deletionBreaker: { oneOf: [ref("DeletionBreaker"), { type: "null" }], description: "null: the server's breaker." },
};

/** Also a request body's part (bodies are validated without the components), so it is exported whole. */
export const DELETION_BREAKER: Schema = {
  description:
    'A provisioning\'s deletion circuit breaker: "off", or a threshold. One reconcile that would delete more than `count` sub-users and more than `percent` % of those the provisioning manages in its account holds them for an administrator instead.',
  oneOf: [{ type: "string", enum: ["off"] }, obj({ count: int({ minimum: 0, maximum: 1_000_000 }), percent: { type: "number", minimum: 0, maximum: 100 } })],
};

const plannedOpKind = oneOfValues(["create", "adopt", "reuse", "update", "delete", "keep", "hold", "fail"]);
const planCounts = obj(Object.fromEntries(["create", "adopt", "reuse", "update", "delete", "keep", "hold", "fail"].map((k) => [k, int({ minimum: 0 })])));
const change = obj({ from: str(), to: str() });

const accessTarget = { targetType, targetUin: int(), targetName: str() };

export const COMPONENTS: Record<string, Schema> = {
  DeletionBreaker: DELETION_BREAKER,
  PlannedOperation: obj(
    {
      op: plannedOpKind,
      userId: str({ description: "The directory user (\"\" when the user left the directory)." }),
      userName: str(),
      subUserName: str({ description: "The sub-user's final name (a create: with the suffix where a clash forces one)." }),
      subUserUin: nullable(int()),
      clashWith: str({ description: "A create: the name that was taken, forcing the suffix." }),
      changes: obj({ email: change, remark: change }, ["email", "remark"]),
      failure: obj({ kind: str(), reason: str() }),
    },
    ["clashWith", "changes", "failure"],
  ),
  ProvisioningPlan: obj({
    provisioningId: nullable(str({ description: "null for a proposed provisioning." })),
    principalType,
    principalId: str(),
    targetUin: int(),
    duplicationStrategy: oneOfValues(["KeepBoth", "TakeOver"]),
    deletionStrategy: oneOfValues(["Delete", "Keep"]),
    deleting: bool(),
    counts: planCounts,
    operations: arr(ref("PlannedOperation")),
  }),
  Plan: obj({ plans: arr(ref("ProvisioningPlan")), counts: planCounts }),
  HeldDeletions: obj({
    provisioningId: str(),
    holdId: str({ description: "Names this held set: approve or reject it by this id." }),
    targetUin: int(),
    heldAt: time,
    decision: nullable(oneOfValues(["approved", "rejected"])),
    count: int({ minimum: 0 }),
    subUsers: arr(obj({ userId: str(), userName: str(), subUserUin: int(), subUserName: str() })),
  }),
  Problem: obj(
    {
      type: str({ format: "uri", description: "One URI per reason: `urn:opencic:problem:<reason>`." }),
      title: str(),
      status: int(),
      detail: str(),
      reason: str({ description: "The neutral reason (src/core/errors.ts), or the door's own (`route.not_found`, `request.unsupported_media_type`…)." }),
      field: str({ description: "The request field at fault, when one is." }),
      requestId: str(),
    },
    ["field"],
    { description: "RFC 9457 problem details." },
  ),
  Tag: tag,
  Member: member,
  Organization: obj({ orgId: int(), managerUin: int(), managerName: str(), rootNodeId: int(), createdAt: time, caller: ref("Member") }),
  SubUser: obj({
    uin: int(),
    uid: int(),
    name: str(),
    remark: str(),
    description: str(),
    consoleLogin: int(),
    phoneNum: str(),
    countryCode: str(),
    email: str(),
    createdAt: time,
    updatedAt: time,
    directoryUserId: nullable(str({ description: "The directory user the sub-user represents when provisioning manages it; null for one made by hand." })),
    managedBy: arr(obj({ provisioningId: str(), directoryId: str(), principal })),
  }),
  Directory: obj({ directoryId: str(), name: str(), scimSyncStatus: oneOfValues(["Enabled", "Disabled"]), createdAt: time, updatedAt: time }),
  DirectoryStatistics: obj({
    directory: ref("Directory"),
    quotas: obj({ users: int(), groups: int(), membersPerGroup: int(), groupsPerUser: int() }),
    userCount: int(),
    groupCount: int(),
    provisionedUserCount: int(),
    scimCredentialCount: int(),
    accessConfigurationCount: int(),
    accessAssignmentCount: int(),
    deployedConfigurationCount: int(),
    inProgressAccessTaskCount: int(),
  }),
  User: obj(user),
  TaggedUser: obj({ ...user, tags: arr(tag) }),
  GroupMember: obj({ ...user, joinedAt: time }),
  Group: obj(group),
  JoinedGroup: obj({ ...group, joinedAt: time }),
  Progress: obj(
    {
      total: int({ minimum: 0, description: "Directory users the provisioning covers now." }),
      done: int({ minimum: 0, description: "Those whose sub-user is in the target account." }),
      failed: int({ minimum: 0, description: "Failures recorded for it." }),
      heldDeletions: int({ minimum: 0, description: "Sub-user deletions the circuit breaker holds for an administrator (see /held-deletions)." }),
    },
    [],
    { description: "A provisioning's progress in its target account, in directory users." },
  ),
  Provisioning: obj({ ...provisioning, progress: ref("Progress") }),
  ProvisioningTask: obj({
    taskId: str(),
    directoryId: str(),
    provisioningId: str(),
    type: oneOfValues(["StartProvisioning", "DeleteProvisioning"]),
    status: taskStatus,
    failureReason: str(),
    principal,
    target: obj({ type: targetType, accountUin: int() }),
    duplicationStrategy: oneOfValues(["KeepBoth", "TakeOver"]),
    deletionStrategy: oneOfValues(["Delete", "Keep"]),
    createdAt: time,
    updatedAt: time,
  }),
  Failure: obj({
    failureId: str(),
    directoryId: str(),
    provisioning: obj(provisioning),
    userId: str({ description: "\"\" when the failure is about the provisioning as a whole." }),
    userName: str(),
    source: str(),
    failureKind: str(),
    failureReason: str(),
    failureCount: int(),
    duplicationOverride: nullable(oneOfValues(["KeepBoth", "TakeOver"])),
    lastAttemptAt: time,
    createdAt: time,
    updatedAt: time,
  }),
  TimelineDecision: obj(
    {
      decisionId: str(),
      decidedAt: time,
      decision: oneOfValues(["created", "adopted", "reused", "updated", "held", "kept", "deleted", "released", "failed", "retried"], {
        description:
          "created, adopted (TakeOver), reused (it already represented the user), updated (attributes), held (the deletion circuit breaker holds its deletion for an administrator), kept (let go, unmanaged: DeletionStrategy Keep, or a held deletion rejected), deleted, released (another provisioning still claims it), failed, retried (a retry asked for).",
      }),
      cause: str({
        description:
          "Why, as a code: name_free, name_taken (KeepBoth), take_over, already_represented, user_changed, left_group, user_deleted, provisioning_deleted, no_longer_covered, a failure's kind (name_clash, quota, name_invalid), retry_requested.",
      }),
      explanation: str({ description: "The decision and its reason in a sentence." }),
      accountUin: int(),
      provisioningId: str(),
      principal: obj({ type: principalType, id: str(), name: str({ description: "As it was named when the decision was made." }) }),
      duplicationStrategy: oneOfValues(["KeepBoth", "TakeOver"]),
      deletionStrategy: oneOfValues(["Delete", "Keep"]),
      userId: str({ description: "The directory user; \"\" for a retry of the provisioning as a whole." }),
      userName: str(),
      subUser: nullable(obj({ uin: nullable(int()), name: str() })),
      clash: nullable(
        obj({
          name: str({ description: "The name the user wanted." }),
          uin: nullable(int({ description: "The sub-user that held it; null when another user of the same run was given it." })),
          heldBy: oneOfValues(["hand-made", "directory-user"]),
          directoryUserId: nullable(str()),
        }),
      ),
      changes: arr(obj({ attribute: oneOfValues(["email", "remark"]), from: str(), to: str() })),
      failure: nullable(obj({ kind: str(), reason: str() })),
      retryStrategy: nullable(oneOfValues(["KeepBoth", "TakeOver"])),
      breaker: nullable(
        obj(
          {
            decision: oneOfValues(["held", "approved", "rejected"]),
            holdId: nullable(str({ description: "held: the held set to approve or reject (`/held-deletions`)." })),
          },
          [],
          { description: "The deletion circuit breaker's part: a held deletion, or the administrator's decision a deleted (approved) or kept (rejected) sub-user followed." },
        ),
      ),
    },
    [],
    { description: "One decision the provisioning reconciler made about a directory user's sub-user in an account." },
  ),
  QueueStats: obj({
    depth: int({ description: "Keys with work (due, waiting out a backoff, or leased); parked keys are not counted." }),
    due: int({ description: "Keys a worker could take now." }),
    leased: int(),
    parked: int({ description: "Keys that gave up and wait for their next change." }),
    oldestDueAgeMs: nullable(int({ description: "How long the oldest due key has been due." })),
  }),
  Key: obj({ secretId: str(), accountUin: int(), subjectUin: int({ description: "The account, or the sub-user the key acts as." }), status: oneOfValues(["Enabled", "Disabled"]), createdAt: time }),
  NewKey: obj({ secretId: str(), secretKey: str({ description: "Shown this once." }), accountUin: int() }),
  ScimCredential: obj({ credentialId: str(), directoryId: str(), type: oneOfValues(["BearerToken"]), status: oneOfValues(["Enabled", "Disabled"]), createdAt: time, expiresAt: time }),
  NewScimCredential: obj({
    credentialId: str(),
    directoryId: str(),
    type: oneOfValues(["BearerToken"]),
    status: oneOfValues(["Enabled", "Disabled"]),
    createdAt: time,
    expiresAt: time,
    secret: str({ description: "The bearer token, shown this once." }),
  }),
  ScimSynchronization: obj({ status: oneOfValues(["Enabled", "Disabled"], { description: "Disabled: SCIM requests to the directory are refused." }) }),
  AccessConfiguration: obj(
    {
      configurationId: str(),
      directoryId: str(),
      name: str(),
      description: str(),
      sessionDuration: int(),
      relayState: str(),
      createdAt: time,
      updatedAt: time,
      redeployRequired: bool(),
      selected: bool(),
      policies: arr(ref("AccessPolicy")),
    },
    ["selected", "policies"],
  ),
  AccessPolicy: obj({ type: oneOfValues(["System", "Inline"]), name: str(), grammar: str(), policyId: int(), document: str(), addedAt: time }, ["policyId", "document"]),
  Assignment: obj({
    directoryId: str(),
    configurationId: str(),
    configurationName: str(),
    ...accessTarget,
    principalType,
    principalId: str(),
    principalName: str(),
    createdAt: time,
    updatedAt: time,
  }),
  Deployment: obj({
    directoryId: str(),
    configurationId: str(),
    configurationName: str(),
    ...accessTarget,
    state: oneOfValues(["Deployed", "RedeployRequired", "Deploying", "DeployFailed", "Removing", "RemoveFailed"]),
    failureReason: str(),
    policies: arr(obj({ type: oneOfValues(["System", "Inline"]), name: str() })),
    createdAt: time,
    updatedAt: time,
  }),
  AccessTask: obj(
    {
      taskId: str(),
      directoryId: str(),
      type: oneOfValues(["Provision", "Deprovision", "CreateAssignment", "DeleteAssignment"]),
      status: taskStatus,
      failureReason: str(),
      configurationId: str(),
      configurationName: str(),
      ...accessTarget,
      principalType,
      principalId: str(),
      principalName: str(),
      createdAt: time,
      updatedAt: time,
    },
    ["principalType", "principalId", "principalName"],
  ),
  EmulatorClock: obj({
    now: time,
    epochMs: int({ description: "The same instant as epoch milliseconds." }),
    frozen: bool({ description: "Whether the clock stands still (true) or runs with real time." }),
    offsetMs: int({ description: "How far the clock is from real time, in ms (now − real); 0 on real time." }),
  }),
  EmulatorSnapshot: obj({
    name: str(),
    takenAt: time,
    tables: int({ minimum: 0, description: "Tables captured (every table of the schema but the migration bookkeeping and the process registry)." }),
    rows: int({ minimum: 0, description: "Rows captured, all tables together." }),
  }),
};
