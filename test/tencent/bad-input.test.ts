/**
 * Bad input of every kind, swept over every action the Tencent door serves (the action tables:
 * organization, identity center, user sync, role configurations, role assignments, CAM sub-users and
 * CAM's view of the deployed roles). The cases are generated from each action's request
 * schema (generated/request-schemas.json, the SDK's own types), walked recursively, so a new action or
 * parameter is covered without touching this file; what a schema cannot say (an id, a name rule, a
 * range, an enum) comes from RULES below, and a test fails when a parameter has no rule.
 *
 * - each required parameter missing (at any depth): MissingParameter;
 * - each parameter of the wrong JSON type (string ↔ number, object ↔ array, boolean, null): InvalidParameter;
 * - unknown parameters, at the top and inside nested objects, `__proto__` included: UnknownParameter;
 * - text with control characters or a lone surrogate, 100 KB of text, numbers beyond 2^53 - 1, lists
 *   of 1001 items: InvalidParameterValue;
 * - then, per rule: names that break their grammar or length (in ASCII and in emoji), text over its
 *   limit, enums outside their set, numbers outside their range or fractions, empty lists: the
 *   action's own code;
 * - ids of the wrong shape, and the other tenant's real ids, with every other parameter naming the
 *   caller's own objects: the action's documented not-found code (a filter of a List lists nothing);
 * - wire-level garbage for a sample of actions: bad JSON, a JSON array or string body, wrong content
 *   types, binary bodies, GET with bad numbers and bad list positions, legacy form posts.
 *
 * Every case goes through the official SDK (`client.request(action, params)`) over real HTTP, or for what
 * no SDK can send, a POST signed with the SDK's own signer. Every case must get the HTTP 200 error
 * envelope with a UUID RequestId and exactly the expected code, never InternalError; every expected
 * code must be one the action documents (DOCUMENTED, from the spec and Tencent's SDK error lists) or a
 * common API 3.0 code; and the store must be unchanged after each action's cases.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { ActionTable } from "../../src/dialects/tencent/action.js";
import { camActions } from "../../src/dialects/tencent/actions/cam.js";
import { camRoleActions } from "../../src/dialects/tencent/actions/cam-roles.js";
import { identityCenterActions } from "../../src/dialects/tencent/actions/identity-center.js";
import { organizationActions } from "../../src/dialects/tencent/actions/organization.js";
import { roleAssignmentActions } from "../../src/dialects/tencent/actions/role-assignments.js";
import { roleConfigurationActions } from "../../src/dialects/tencent/actions/role-configurations.js";
import { userSyncActions } from "../../src/dialects/tencent/actions/user-sync.js";
import schemas from "../../src/dialects/tencent/generated/request-schemas.json" with { type: "json" };
import { camClient, ENGINES, isUuid, type Key, orgClient, orgWithMembers, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { Sign } from "../helpers/sdk-sign.js";

type Product = "organization" | "cam";

/** The tables, by the product whose schemas they serve. */
const TABLES: [Product, ActionTable][] = [
  ["organization", organizationActions],
  ["organization", identityCenterActions],
  ["organization", userSyncActions],
  ["organization", roleConfigurationActions],
  ["organization", roleAssignmentActions],
  ["cam", camActions],
  ["cam", camRoleActions],
];
const VERSIONS: Record<Product, string> = { organization: "2021-03-31", cam: "2019-01-16" };

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  definitions?: Record<string, Schema>;
}

const SCHEMAS = schemas.products as unknown as Record<Product, { actions: Record<string, Schema> }>;

function actionsOf(): { product: Product; action: string; schema: Schema }[] {
  const out: { product: Product; action: string; schema: Schema }[] = [];
  for (const [product, table] of TABLES) {
    for (const action of Object.keys(table)) {
      const schema = SCHEMAS[product].actions[action];
      assert.ok(schema, `${product} ${action} has no generated request schema`);
      out.push({ product, action, schema });
    }
  }
  return out;
}

// ---- documented codes (spec §1.8, §3, §4; Tencent's SDK error lists; ARCHITECTURE's decisions) ----

/** Spec §1.8: every action may return these. */
const COMMON = new Set([
  "ActionOffline", "AuthFailure.InvalidAuthorization", "AuthFailure.InvalidSecretId", "AuthFailure.MFAFailure", "AuthFailure.SecretIdNotFound",
  "AuthFailure.SignatureExpire", "AuthFailure.SignatureFailure", "AuthFailure.TokenFailure", "AuthFailure.UnauthorizedOperation", "DryRunOperation",
  "FailedOperation", "InvalidAction", "InvalidParameter", "InvalidParameterValue", "InvalidRequest", "IpInBlacklist", "IpNotInWhitelist",
  "LimitExceeded", "MissingParameter", "NoSuchProduct", "NoSuchVersion", "RequestLimitExceeded", "RequestSizeLimitExceeded", "ResourceInUse",
  "ResourceInsufficient", "ResourceNotFound", "ResourceUnavailable", "ResponseSizeLimitExceeded", "ServiceUnavailable", "UnauthorizedOperation",
  "UnknownParameter", "UnsupportedOperation", "UnsupportedProtocol", "UnsupportedRegion",
]);
// InternalError is common too, but a bad request must never produce it.

/** Spec §3.0 "zone errors" and §3.8's general CIC codes (paging, parameter errors), for every CIC action. */
const ZONE = [
  "FailedOperation.IdentityCenterNotOpen", "FailedOperation.ZoneIdNotExist", "FailedOperation.IdentityCenterNotOrganizationManager",
  "FailedOperation.IdentityCenterOrganizationNotOpen", "InvalidParameter.ParamError", "InvalidParameter.NextTokenInvalid",
];
const ZONE_NAME = ["InvalidParameterValue.ZoneNameFormatError", "InvalidParameterValue.IdentityCenterZoneNameAlreadyExist"];

/**
 * Per action. Codes marked OpenCIC are OpenCIC's choice where Tencent lists none for that action: the
 * code Tencent documents for the same condition on a sibling action, or a decision in ARCHITECTURE.md.
 */
const DOCUMENTED: Record<string, string[]> = {
  "organization.CreateOrganization": ["FailedOperation.OrganizationExistAlready", "UnsupportedOperation.CreateMemberNotAllowCreateOrganization"],
  "organization.DescribeOrganization": ["ResourceNotFound.OrganizationNotExist"],
  "organization.CreateOrganizationMember": [
    "FailedOperation.OrganizationMemberNameUsed", "FailedOperation.OrganizationNodeNotExist", "ResourceNotFound.OrganizationNodeNotExist",
    "FailedOperation.OrganizationPermissionIllegal", "FailedOperation.OrganizationPolicyIllegal", "FailedOperation.PayUinIllegal",
    "FailedOperation.CreateRecordNotExist", "LimitExceeded.OrganizationMemberOverLimit", "ResourceNotFound.OrganizationNotExist",
    "InvalidParameter.TagError", // OpenCIC: the tag code Tencent's organization API uses for tag lists
  ],
  "organization.DescribeOrganizationMembers": [
    "ResourceNotFound.OrganizationNotExist",
    "ResourceNotFound.OrganizationNodeNotExist", // OpenCIC (ARCHITECTURE): other node ids
    "InvalidParameter.TagError",
  ],
  "organization.DeleteOrganizationMembers": [
    "FailedOperation.DisableQuitSelfCreatedOrganization", "FailedOperation.MemberShareResource", "ResourceNotFound.OrganizationNotExist",
    "ResourceNotFound.OrganizationMemberNotExist", // OpenCIC (ARCHITECTURE): removing a non-member
  ],
  "organization.QuitOrganization": ["FailedOperation.DisableQuitSelfCreatedOrganization", "ResourceNotFound.OrganizationNotExist", "ResourceNotFound.OrganizationMemberNotExist"],
  "organization.DeleteOrganization": ["FailedOperation.OrganizationNotEmpty", "ResourceNotFound.OrganizationNotExist"],
  "organization.OpenIdentityCenter": [
    "FailedOperation.IdentityCenterAlreadyOpen", "FailedOperation.IdentityCenterNotOrganizationManager", "FailedOperation.IdentityCenterOrganizationNotOpen",
    ...ZONE_NAME,
  ],
  "organization.DescribeIdentityCenter": ZONE,
  "organization.UpdateZone": [...ZONE, ...ZONE_NAME], // spec: "same rules as ZoneName"
  "organization.GetZoneStatistics": ZONE,
  "organization.CreateUser": [
    ...ZONE, "FailedOperation.UserOverUpperLimit", "InvalidParameter.EmailAlreadyExists", "InvalidParameter.UsernameAlreadyExists",
    "InvalidParameter.UsernameFormatError", "LimitExceeded.CreateUserLimitExceeded",
  ],
  "organization.GetUser": [...ZONE, "ResourceNotFound.UserNotExist"],
  "organization.ListUsers": ZONE,
  "organization.UpdateUser": [...ZONE, "InvalidParameter.EmailAlreadyExists", "InvalidParameter.UserTypeError", "ResourceNotFound.UserNotExist"],
  "organization.UpdateUserStatus": [...ZONE, "ResourceNotFound.UserNotExist"],
  "organization.DeleteUser": [
    ...ZONE, "FailedOperation.UserProvisioningExists", "InvalidParameter.UserAlreadyExistsGroup", "ResourceNotFound.UserNotExist",
    "FailedOperation.RoleConfigurationAuthorizationExist", // spec §2.6: a user that still has assignments
  ],
  "organization.CreateGroup": [...ZONE, "FailedOperation.GroupOverUpperLimit", "InvalidParameter.GroupNameAlreadyExists", "InvalidParameter.GroupNameFormatError"],
  "organization.GetGroup": [...ZONE, "InvalidParameter.GroupNotExist"],
  "organization.ListGroups": ZONE,
  "organization.UpdateGroup": [
    ...ZONE, "InvalidParameter.GroupNameAlreadyExists", "InvalidParameter.GroupNotExist",
    "InvalidParameter.GroupNameFormatError", // OpenCIC: CreateGroup's name rule and code
  ],
  "organization.DeleteGroup": [
    ...ZONE, "FailedOperation.DeleteGroupNotAllowExistUser", "FailedOperation.UserProvisioningExists", "InvalidParameter.GroupNotExist",
    "FailedOperation.RoleConfigurationAuthorizationExist", // spec §2.6: a group that still has assignments
  ],
  "organization.AddUserToGroup": [
    ...ZONE, "FailedOperation.GroupTypeUserTypeNotMatch", "FailedOperation.GroupUserCountOverUpperLimit", "FailedOperation.UserAddGroupCountOverUpperLimit",
    "InvalidParameter.GroupNotExist", "InvalidParameter.GroupUserAlreadyExists", "ResourceNotFound.UserNotExist",
  ],
  "organization.RemoveUserFromGroup": [
    ...ZONE, "InvalidParameter.GroupNotExist", "InvalidParameter.GroupUserNotExist",
    "ResourceNotFound.UserNotExist", // OpenCIC: AddUserToGroup's code for a user that does not exist at all
  ],
  "organization.ListGroupMembers": [...ZONE, "InvalidParameter.GroupNotExist"],
  "organization.ListJoinedGroupsForUser": [...ZONE, "ResourceNotFound.UserNotExist"],
  "organization.CreateUserSyncProvisioning": [
    ...ZONE, "FailedOperation.OrganizationMemberNotExist", "FailedOperation.UserProvisioningAlreadyExists", "FailedOperation.UserProvisioningOverLimit",
    "InvalidParameter.GroupNotExist", "ResourceNotFound.UserNotExist", "LimitExceeded.CreateUserSyncProvisioningLimitExceeded",
  ],
  "organization.GetUserSyncProvisioning": [...ZONE, "ResourceNotFound.UserProvisioningNotFound"],
  "organization.ListUserSyncProvisionings": ZONE,
  "organization.UpdateUserSyncProvisioning": [...ZONE, "ResourceNotFound.UserProvisioningNotFound"],
  "organization.DeleteUserSyncProvisioning": [...ZONE, "ResourceNotFound.UserProvisioningNotFound", "FailedOperation.UserProvisioningFailed"],
  "organization.ListTasks": ZONE,
  "organization.GetTaskStatus": [...ZONE, "ResourceNotFound.RoleConfigurationTaskNotFound"],
  "organization.GetProvisioningTaskStatus": [...ZONE, "ResourceNotFound.UserProvisioningTaskNotFound"],
  "organization.CreateSCIMCredential": [...ZONE, "FailedOperation.DBOperationError", "FailedOperation.ScimCredentialGenerateError", "LimitExceeded.ScimCredentialLimitExceeded"],
  "organization.ListSCIMCredentials": ZONE,
  "organization.UpdateSCIMCredentialStatus": [...ZONE, "InvalidParameter.ScimCredentialNotFound", "InvalidParameter.UserScimCredentialStatusError"],
  "organization.DeleteSCIMCredential": [...ZONE, "InvalidParameter.ScimCredentialNotFound"],
  "organization.GetSCIMSynchronizationStatus": ZONE,
  "organization.CreateRoleConfiguration": [
    ...ZONE, "FailedOperation.ConfigurationOverUpperLimit", "FailedOperation.DBOperationError", "InvalidParameter.ConfigurationNameAlreadyExists", "InvalidParameter.ConfigurationNameFormatError",
  ],
  "organization.GetRoleConfiguration": [...ZONE, "FailedOperation.DBOperationError", "InvalidParameter.RoleConfigurationNotExist"],
  "organization.ListRoleConfigurations": [...ZONE, "FailedOperation.DBOperationError"],
  "organization.UpdateRoleConfiguration": [...ZONE, "FailedOperation.DBOperationError", "InvalidParameter.RoleConfigurationNotExist"],
  "organization.DeleteRoleConfiguration": [
    ...ZONE, "FailedOperation.DBOperationError", "FailedOperation.RoleConfigurationProvisioningAlreadyDeployed", "InvalidParameter.RoleConfigurationNotExist", "InvalidParameter.RolePolicyAlreadyExist",
  ],
  "organization.AddPermissionPolicyToRoleConfiguration": [
    ...ZONE, "FailedOperation.CustomPolicyOverUpperLimit", "FailedOperation.SystemPolicyOverUpperLimit", "FailedOperation.DBOperationError", "InvalidParameter.BindPolicyNameNotAllowed",
    "InvalidParameter.PolicyDocumentEmpty", "InvalidParameter.PolicyNameAlreadyExists", "InvalidParameter.PolicyNameSizeOverUpperLimit", "InvalidParameter.RoleConfigurationNotExist",
  ],
  "organization.RemovePermissionPolicyFromRoleConfiguration": [...ZONE, "FailedOperation.DBOperationError", "InvalidParameter.RoleConfigurationNotExist", "InvalidParameter.RolePolicyNotExist"],
  "organization.UpdateCustomPolicyForRoleConfiguration": [
    ...ZONE, "FailedOperation.DBOperationError", "InvalidParameter.PolicyDocumentEmpty", "InvalidParameter.PolicyTypeError", "InvalidParameter.RoleConfigurationNotExist", "InvalidParameter.RolePolicyNotExist",
  ],
  "organization.ListPermissionPoliciesInRoleConfiguration": [...ZONE, "InvalidParameter.RoleConfigurationNotExist"],
  "organization.UpdateSCIMSynchronizationStatus": [...ZONE, "InvalidParameter.ScimSyncStatusError"],
  "organization.CreateRoleAssignment": [
    ...ZONE, "FailedOperation.OrganizationMemberNotExist", "FailedOperation.RoleConfigurationAuthorizationAlreadyExist", "FailedOperation.RoleConfigurationAuthorizationOverLimit",
    "InvalidParameter.GroupNotExist", "InvalidParameter.RoleConfigurationNotExist", "LimitExceeded.CreateRoleAssignmentLimitExceeded", "ResourceNotFound.UserNotExist",
  ],
  "organization.DeleteRoleAssignment": [
    ...ZONE, "ResourceNotFound.RoleConfigurationAuthorizationNotFound",
    "InvalidParameter.RoleConfigurationNotExist", // OpenCIC: the code every other action gives an unknown configuration
    "FailedOperation.RoleConfigurationProvisioningStatusError", // OpenCIC: Dismantle's code for a deployment with a task running
  ],
  "organization.ListRoleAssignments": ZONE,
  "organization.ProvisionRoleConfiguration": [
    ...ZONE, "FailedOperation.OrganizationMemberNotExist", "FailedOperation.UserOverUpperLimit", "InvalidParameter.EmailAlreadyExists", "InvalidParameter.UsernameAlreadyExists",
    "InvalidParameter.UsernameFormatError",
    "InvalidParameter.RoleConfigurationNotExist", // spec §2.3: an unknown configuration
    "FailedOperation.RoleConfigurationProvisioningStatusError", // OpenCIC: Dismantle's code for a deployment with a task running
  ],
  "organization.DismantleRoleConfiguration": [
    ...ZONE, "FailedOperation.OrganizationMemberNotExist", "FailedOperation.RoleConfigurationAuthorizationExist", "FailedOperation.RoleConfigurationProvisioningStatusError",
    "ResourceNotFound.RoleConfigurationProvisioningNotFound",
    "InvalidParameter.RoleConfigurationNotExist", // OpenCIC: the code every other action gives an unknown configuration
  ],
  "organization.ListRoleConfigurationProvisionings": ZONE,
  "cam.AddUser": [
    "FailedOperation.ExistHighRiskOperations", "FailedOperation.ForbidAdd", "InvalidParameter.ParamError", "InvalidParameter.PasswordViolatedRules",
    "InvalidParameter.SubUserFull", "InvalidParameter.SubUserNameInUse", "InvalidParameter.UserNameIllegal", "RequestLimitExceeded.CreateUser",
  ],
  "cam.GetUser": ["ResourceNotFound.UserNotExist"],
  "cam.ListUsers": [],
  "cam.UpdateUser": [
    "FailedOperation.ExistHighRiskOperations", "FailedOperation.Unmodifiable", "InvalidParameter.PasswordViolatedRules", "InvalidParameter.UserNameIllegal",
    "ResourceNotFound.UserNotExist",
    "InvalidParameter.ParamError", // OpenCIC: AddUser's code for the same fields and rules
  ],
  "cam.GetRole": ["InternalError.SystemError", "InvalidParameter.ParamError", "InvalidParameter.RoleNotExist"],
  "cam.DescribeRoleList": ["FailedOperation", "InternalError.SystemError", "InvalidParameter.ParamError"],
  "cam.ListAttachedRolePolicies": [
    "InternalError.SystemError", "InvalidParameter.ParamError",
    "InvalidParameter.RoleNotExist", // OpenCIC: GetRole's code for a role the account does not hold
  ],
  "cam.GetSAMLProvider": ["ResourceNotFound.IdentityNotExist", "ResourceNotFound.NotFound"],
  "cam.ListSAMLProviders": ["InternalError.SystemError", "InvalidParameter.ParamError"],
  // Spec §2.7: CAM lists OrganizationRoleOperateError for DeleteRole; OpenCIC gives it for every change to the role itself.
  "cam.DeleteRole": ["InvalidParameter.OrganizationRoleOperateError", "InvalidParameter.RoleNotExist", "InvalidParameter.ParamError"],
  "cam.UpdateRoleDescription": ["InvalidParameter.OrganizationRoleOperateError", "InvalidParameter.RoleNotExist", "InvalidParameter.ParamError"],
  "cam.UpdateAssumeRolePolicy": ["InvalidParameter.OrganizationRoleOperateError", "InvalidParameter.RoleNotExist", "InvalidParameter.ParamError"],
  // Spec §2.7: CAM lists OrganizationPolicyOperateError for AttachRolePolicy; OpenCIC gives it for detaching too.
  "cam.AttachRolePolicy": ["FailedOperation.OrganizationPolicyOperateError", "InvalidParameter.RoleNotExist", "InvalidParameter.ParamError"],
  "cam.DetachRolePolicy": ["FailedOperation.OrganizationPolicyOperateError", "InvalidParameter.RoleNotExist", "InvalidParameter.ParamError"],
  "cam.UpdateSAMLProvider": ["FailedOperation.CICIdentityForbidden", "ResourceNotFound.IdentityNotExist"],
  "cam.DeleteSAMLProvider": ["FailedOperation.CICIdentityForbidden", "ResourceNotFound.IdentityNotExist"],
  "cam.DeleteUser": [
    "FailedOperation.Unmodifiable", "OperationDenied.HaveKeys", "RequestLimitExceeded.UinLimitExceeded", "ResourceNotFound.UserNotExist",
    "UnauthorizedOperation.DeleteApiKey",
    "InvalidParameter.ParamError", // OpenCIC: AddUser's code for a 0/1 flag that is neither
  ],
};

function documented(product: Product, action: string, code: string): boolean {
  return COMMON.has(code) || (DOCUMENTED[`${product}.${action}`] ?? []).includes(code);
}

// ---- the world: two tenants, each with everything an action can name ----

interface Tenant {
  key: Key & { uin: number };
  /** A member account's key, for CAM: CAM acts on the calling account's own sub-users. */
  memberKey: Key;
  orgId: number;
  rootNodeId: number;
  members: number[];
  zoneId: string;
  zoneName: string;
  userId: string;
  otherUserId: string;
  groupId: string;
  provisioningId: string;
  taskId: string;
  camUser: string;
  /** A SCIM credential of the zone. */
  credentialId: string;
  /** A real NextToken of this tenant's ListUsers (MaxResults 1). */
  usersToken: string;
  /** A role configuration holding a system policy and the custom policy `customPolicyName`. */
  roleConfigurationId: string;
  customPolicyName: string;
  /** A group and a user with no other ties, each assigned the configuration on members[0] (where it is deployed). */
  roleGroupId: string;
  roleUserId: string;
  /** The CreateRoleAssignment task of the group's assignment. */
  roleTaskId: string;
  /** What members[0] holds: the role and the zone's SAML provider, by their CAM names. */
  roleName: string;
  roleId: string;
  providerName: string;
}

interface World {
  server: TestServer;
  a: Tenant;
  b: Tenant;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function tenant(server: TestServer, tag: string): Promise<Tenant> {
  const key = await server.newRoot(`sweep-${tag}`);
  const { rootNodeId, members } = await orgWithMembers(server, key, 2);
  const org = orgClient(server, key);
  const { OrgId } = await org.DescribeOrganization({});
  const zoneName = `sweep-${tag}-${randomBytes(3).toString("hex")}`;
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: zoneName });
  const zoneId = ZoneId!;
  const newUser = async (name: string) => (await org.CreateUser({ ZoneId: zoneId, UserName: name, Email: `${name}@example.com` })).UserInfo!.UserId!;
  const userId = await newUser(`alice-${tag}`);
  const otherUserId = await newUser(`bob-${tag}`);
  const groupId = (await org.CreateGroup({ ZoneId: zoneId, GroupName: `eng-${tag}` })).GroupInfo!.GroupId!;
  await org.AddUserToGroup({ ZoneId: zoneId, GroupId: groupId, UserId: userId });
  const { Tasks } = await org.CreateUserSyncProvisioning({
    ZoneId: zoneId,
    UserSyncProvisionings: [{ PrincipalType: "Group", PrincipalId: groupId, TargetType: "MemberUin", TargetUin: members[0]!, DeletionStrategy: "Delete" }],
  });
  const task = Tasks![0]!;
  await until(async () => (await org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: task.TaskId! })).TaskStatus?.Status === "Success", "the provisioning task");
  const memberKey = await server.keyFor(members[0]!);
  const camUser = `cam-${tag}`;
  await camClient(server, memberKey).AddUser({ Name: camUser, Remark: "sweep" });
  const usersToken = (await org.ListUsers({ ZoneId: zoneId, MaxResults: 1 })).NextToken!;
  const credentialId = (await org.CreateSCIMCredential({ ZoneId: zoneId })).CredentialId!;
  assert.ok(usersToken, "a truncated ListUsers gives a NextToken");
  const roleConfigurationId = (await org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: `sweep-${tag}` })).RoleConfigurationInfo!.RoleConfigurationId!;
  await org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: roleConfigurationId, RolePolicyType: "System", RolePolicies: [{ PolicyId: 2 }] });
  // Named per tenant, so that the other tenant's name names nothing here.
  const customPolicyName = `custom-${tag}`;
  await org.AddPermissionPolicyToRoleConfiguration({ ZoneId: zoneId, RoleConfigurationId: roleConfigurationId, RolePolicyType: "Custom", RolePolicyNames: [customPolicyName], CustomPolicyDocument: CAM_DOCUMENT });
  const roleGroupId = (await org.CreateGroup({ ZoneId: zoneId, GroupName: `roles-${tag}` })).GroupInfo!.GroupId!;
  const roleUserId = await newUser(`carol-${tag}`);
  const assigned = await org.CreateRoleAssignment({
    ZoneId: zoneId,
    RoleAssignmentInfo: [
      { RoleConfigurationId: roleConfigurationId, TargetType: "MemberUin", TargetUin: members[0]!, PrincipalType: "Group", PrincipalId: roleGroupId },
      { RoleConfigurationId: roleConfigurationId, TargetType: "MemberUin", TargetUin: members[0]!, PrincipalType: "User", PrincipalId: roleUserId },
    ],
  });
  for (const { TaskId } of assigned.Tasks!) await until(async () => (await org.GetTaskStatus({ ZoneId: zoneId, TaskId: TaskId! })).TaskStatus?.Status === "Success", "the role assignment task");
  return {
    key,
    memberKey,
    orgId: OrgId!,
    rootNodeId,
    members,
    zoneId,
    zoneName,
    userId,
    otherUserId,
    groupId,
    provisioningId: task.UserProvisioningId!,
    taskId: task.TaskId!,
    camUser,
    credentialId,
    usersToken,
    roleConfigurationId,
    customPolicyName,
    roleGroupId,
    roleUserId,
    roleTaskId: assigned.Tasks![0]!.TaskId!,
    roleName: `TencentCloudSSO-sweep-${tag}`,
    roleId: (await camClient(server, memberKey).GetRole({ RoleName: `TencentCloudSSO-sweep-${tag}` })).RoleInfo!.RoleId!,
    providerName: `TencentReservedSSO-${zoneId}`,
  };
}

const CAM_DOCUMENT = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cvm:DescribeInstances"], resource: ["*"] }] });

/** Waits until the reconcile worker has nothing left to do, so only a request could change the store. */
async function quiescent(server: TestServer): Promise<void> {
  await until(async () => (await server.store.db.selectFrom("reconcile_queue").select("work_key").execute()).length === 0, "the reconcile queue to drain");
  let last = await snapshot(server.store);
  await until(async () => {
    await new Promise((r) => setTimeout(r, 100));
    const now = await snapshot(server.store);
    const settled = now === last;
    last = now;
    return settled;
  }, "the store to settle");
}

// ---- rules: what a schema cannot say about a parameter ----

type Params = Record<string, unknown>;
type Code = string | ((params: Params) => string);

/** How a parameter is checked beyond its JSON type, and the code each kind of bad value gets. */
type Rule =
  /** Names an existing object of the caller's: wrong shapes and the other tenant's get `notFound`. */
  | { kind: "id"; notFound: Code; numeric?: boolean; other: (t: Tenant) => unknown; valid: (t: Tenant) => unknown; otherCode?: string; emptyCode?: string }
  /** An optional id that filters a list: an unknown one lists nothing (or, `selects`, marks nothing selected). */
  | { kind: "filter"; numeric?: boolean; other: (t: Tenant) => unknown; selects?: boolean }
  /** A new name with a grammar and a length. */
  | { kind: "name"; code: string; max: number; bad: string[]; valid: (t: Tenant) => unknown }
  /** Free text with a length limit (and, for some, a format). */
  | { kind: "text"; code: string; max: number; bad?: string[] }
  /** One of a set. */
  | { kind: "enum"; values: string[]; code?: string; valid?: (t: Tenant) => unknown; empty?: string }
  /** A search: at most 1024 characters (core/text.ts). */
  | { kind: "search" }
  /** A paging token. */
  | { kind: "token"; other?: (t: Tenant) => string }
  /** An integer with a range. */
  | { kind: "int"; min: number; max?: number; code: string; valid: (t: Tenant) => unknown }
  /** A list of numbers each checked by `item`, with a minimum length. */
  | { kind: "list"; min?: number; code?: string; valid: (t: Tenant) => unknown }
  /** Accepted and ignored (ARCHITECTURE, organization.test.ts): only the door's generic checks apply. */
  | { kind: "ignored" };

type RuleExtra = { required?: boolean; why?: string };

const zoneId: Rule = { kind: "id", notFound: "FailedOperation.ZoneIdNotExist", other: (t) => t.zoneId, valid: (t) => t.zoneId };
const userId: Rule = { kind: "id", notFound: "ResourceNotFound.UserNotExist", other: (t) => t.userId, valid: (t) => t.userId };
const groupId: Rule = { kind: "id", notFound: "InvalidParameter.GroupNotExist", other: (t) => t.groupId, valid: (t) => t.groupId };
const provisioningId: Rule = { kind: "id", notFound: "ResourceNotFound.UserProvisioningNotFound", other: (t) => t.provisioningId, valid: (t) => t.provisioningId };
const maxResults: Rule = { kind: "int", min: 1, max: 100, code: "InvalidParameter.ParamError", valid: () => 10 };
const token: Rule = { kind: "token" };
const ORIGINS = ["Manual", "Synchronized"];
const STATUSES = ["Enabled", "Disabled"];
const PRINCIPAL_TYPES = ["User", "Group"];
const TARGET_TYPES = ["ManagerUin", "MemberUin"];
const DUPLICATION = ["KeepBoth", "TakeOver"];
const DELETION = ["Delete", "Keep"];
const BAD_EMAILS = ["not-an-address", "a@b", "a b@example.com", "@example.com"];
const directoryText = (max: number): Rule => ({ kind: "text", code: "InvalidParameter.ParamError", max });
const camFlag: Rule = { kind: "int", min: 0, max: 1, code: "InvalidParameter.ParamError", valid: () => 0 };
const camFields: Record<string, Rule> = {
  Remark: { kind: "text", code: "InvalidParameter.ParamError", max: 255 },
  ConsoleLogin: camFlag,
  NeedResetPassword: camFlag,
  Password: { kind: "text", code: "InvalidParameter.PasswordViolatedRules", max: 32, bad: ["weak", "alllowercase1!", "NOLOWER1!", "NoDigits!!", "NoSymbol11", "Aa1! spaced"] },
  PhoneNum: { kind: "text", code: "InvalidParameter.ParamError", max: 32, bad: ["abc", "+8613800000000", "138-0000"] },
  CountryCode: { kind: "text", code: "InvalidParameter.ParamError", max: 8, bad: ["abc", "12345678", "+"] },
  Email: { kind: "text", code: "InvalidParameter.ParamError", max: 128, bad: BAD_EMAILS },
};
const camName: Rule = { kind: "id", notFound: "ResourceNotFound.UserNotExist", other: (t) => t.camUser, valid: (t) => t.camUser };
const uinItem = (notFound: string): Rule => ({ kind: "id", numeric: true, notFound, other: (t) => t.members[1], valid: (t) => t.members[1] });
const principalNotFound = (p: Params) =>
  ((p.UserSyncProvisionings ?? p.RoleAssignmentInfo) as Params[] | undefined)?.[0]?.PrincipalType === "Group" ? "InvalidParameter.GroupNotExist" : "ResourceNotFound.UserNotExist";
/** An account, as the role actions name one: a member of the caller's organization. */
const memberTarget = (notFound: string, index: number): Rule => ({ kind: "id", numeric: true, notFound, other: (t) => t.members[index], valid: (t) => t.members[index] });
const camRoleName: Rule & RuleExtra = { kind: "id", required: true, notFound: "InvalidParameter.RoleNotExist", other: (t) => t.roleName, valid: (t) => t.roleName, emptyCode: "MissingParameter" };
const camRoleId: Rule & RuleExtra = { kind: "ignored", why: "RoleId and RoleName are exclusive: the baseline names the role by name; extraCases give ids alone" };
const camProviderName: Rule = { kind: "id", notFound: "ResourceNotFound.IdentityNotExist", other: (t) => t.providerName, valid: (t) => t.providerName };
const camPage: Rule = { kind: "int", min: 1, code: "InvalidParameter.ParamError", valid: () => 1 };
const camRp: Rule = { kind: "int", min: 1, max: 200, code: "InvalidParameter.ParamError", valid: () => 20 };
const refused = { kind: "ignored", why: "the change is refused whatever it says (the object belongs to the identity center)" } as const;

/**
 * By `product.Action.Param` first (CAM and organization share action names), then `Action.Param`, then `Param`. Nested parameters are named by their path with `[]` for a
 * list's items (`Tags[].TagKey`, `PermissionIds[]`).
 */
const RULES: Record<string, Rule & RuleExtra> = {
  // organization
  "DescribeOrganization.Lang": { kind: "ignored", why: "organization.test.ts: Lang and Product are accepted and change nothing" },
  "DescribeOrganization.Product": { kind: "ignored" },
  "CreateOrganizationMember.Name": { kind: "name", code: "InvalidParameter", max: 25, bad: ["has space", "slash/", "emoji😀", "quote'"], valid: () => "sweep-new-member" },
  "CreateOrganizationMember.AccountName": { kind: "name", code: "InvalidParameter", max: 25, bad: ["has space", "slash/", "emoji😀"], valid: () => "sweep-new-account" },
  "CreateOrganizationMember.PolicyType": { kind: "enum", values: ["Financial"], code: "FailedOperation.OrganizationPolicyIllegal" },
  "CreateOrganizationMember.PermissionIds": { kind: "list", min: 1, code: "FailedOperation.OrganizationPermissionIllegal", valid: () => [1, 2, 7] },
  "CreateOrganizationMember.PermissionIds[]": { kind: "int", min: 1, max: 9, code: "FailedOperation.OrganizationPermissionIllegal", valid: () => 1 },
  "CreateOrganizationMember.NodeId": { kind: "id", numeric: true, notFound: "ResourceNotFound.OrganizationNodeNotExist", other: (t) => t.rootNodeId, valid: (t) => t.rootNodeId },
  "CreateOrganizationMember.Remark": { kind: "text", code: "InvalidParameterValue", max: 1024 },
  "CreateOrganizationMember.RecordId": { kind: "ignored", why: "member creation records (retries) do not exist in OpenCIC" },
  "CreateOrganizationMember.PayUin": { kind: "ignored", why: "OpenCIC keeps no billing" },
  "CreateOrganizationMember.IdentityRoleID": { kind: "ignored", why: "member access identities are not built" },
  "CreateOrganizationMember.IdentityRoleID[]": { kind: "ignored" },
  "CreateOrganizationMember.AuthRelationId": { kind: "ignored", why: "verified-entity relations are not built" },
  "Tags[].TagKey": { kind: "text", code: "InvalidParameter.TagError", max: 127 },
  "Tags[].TagValue": { kind: "text", code: "InvalidParameter.TagError", max: 255 },
  "DescribeOrganizationMembers.Offset": { kind: "int", min: 0, code: "InvalidParameterValue", valid: () => 0 },
  "DescribeOrganizationMembers.Limit": { kind: "int", min: 1, max: 50, code: "InvalidParameterValue", valid: () => 10 },
  "DescribeOrganizationMembers.Lang": { kind: "ignored" },
  "DescribeOrganizationMembers.SearchKey": { kind: "search" },
  "DescribeOrganizationMembers.AuthName": { kind: "ignored", why: "members have no verified entity names" },
  "DescribeOrganizationMembers.Product": { kind: "ignored" },
  "DescribeOrganizationMembers.NodeId": { kind: "id", numeric: true, notFound: "ResourceNotFound.OrganizationNodeNotExist", other: (t) => t.rootNodeId, valid: (t) => t.rootNodeId },
  "DescribeOrganizationMembers.NodeName": { kind: "enum", values: ["Root"], code: "ResourceNotFound.OrganizationNodeNotExist" },
  "DeleteOrganizationMembers.MemberUin": { kind: "list", min: 1, code: "InvalidParameterValue", valid: (t) => [t.members[1]] },
  "DeleteOrganizationMembers.MemberUin[]": uinItem("ResourceNotFound.OrganizationMemberNotExist"),
  "QuitOrganization.OrgId": {
    kind: "id",
    numeric: true,
    notFound: "ResourceNotFound.OrganizationNotExist",
    // Another organization exists, but the caller is not its member.
    other: (t) => t.orgId,
    otherCode: "ResourceNotFound.OrganizationMemberNotExist",
    valid: (t) => t.orgId,
  },
  // identity center
  ZoneId: zoneId,
  UserId: userId,
  GroupId: groupId,
  UserProvisioningId: provisioningId,
  NextToken: token,
  "ListUsers.NextToken": { kind: "token", other: (t) => t.usersToken },
  MaxResults: maxResults,
  "OpenIdentityCenter.ZoneName": { kind: "name", code: "InvalidParameterValue.ZoneNameFormatError", max: 64, bad: ["Upper", "a", "-lead", "trail-", "dou--ble", "under_score", "中文", "emoji😀"], valid: () => "sweep-new-zone" },
  "UpdateZone.NewZoneName": { kind: "name", code: "InvalidParameterValue.ZoneNameFormatError", max: 64, bad: ["Upper", "a", "-lead", "trail-", "dou--ble", "under_score", "中文", "emoji😀"], valid: (t) => t.zoneName },
  "CreateUser.UserName": { kind: "name", code: "InvalidParameter.UsernameFormatError", max: 64, bad: ["has space", "a/b", "中文", "emoji😀", "semi;colon", "quote'"], valid: () => "sweep-new-user" },
  "CreateUser.FirstName": directoryText(64),
  "CreateUser.LastName": directoryText(64),
  "CreateUser.DisplayName": directoryText(256),
  "CreateUser.Description": directoryText(1024),
  "CreateUser.Email": { kind: "text", code: "InvalidParameter.ParamError", max: 128, bad: BAD_EMAILS },
  "CreateUser.UserStatus": { kind: "enum", values: STATUSES },
  "CreateUser.UserType": { kind: "enum", values: ORIGINS },
  "ListUsers.UserStatus": { kind: "enum", values: STATUSES },
  "ListUsers.UserType": { kind: "enum", values: ORIGINS },
  "ListUsers.Filter": { kind: "search" },
  "ListUsers.FilterGroups[]": { kind: "filter", selects: true, other: (t) => t.groupId },
  "ListUsers.SortField": { kind: "enum", values: ["CreateTime"] },
  "ListUsers.SortType": { kind: "enum", values: ["Asc", "Desc"] },
  "ListUsers.Offset": { kind: "int", min: 0, code: "InvalidParameter.ParamError", valid: () => 0 },
  "UpdateUser.NewFirstName": directoryText(64),
  "UpdateUser.NewLastName": directoryText(64),
  "UpdateUser.NewDisplayName": directoryText(256),
  "UpdateUser.NewDescription": directoryText(1024),
  "UpdateUser.NewEmail": { kind: "text", code: "InvalidParameter.ParamError", max: 128, bad: BAD_EMAILS },
  "UpdateUserStatus.NewUserStatus": { kind: "enum", values: STATUSES, valid: () => "Enabled" },
  "CreateGroup.GroupName": { kind: "name", code: "InvalidParameter.GroupNameFormatError", max: 128, bad: ["has space", "a/b", "中文", "emoji😀", "a@b"], valid: () => "sweep-new-group" },
  "CreateGroup.Description": directoryText(1024),
  "CreateGroup.GroupType": { kind: "enum", values: ORIGINS },
  "ListGroups.Filter": { kind: "search" },
  "ListGroups.GroupType": { kind: "enum", values: ORIGINS },
  "ListGroups.FilterUsers[]": { kind: "filter", selects: true, other: (t) => t.userId },
  "ListGroups.SortField": { kind: "enum", values: ["CreateTime"] },
  "ListGroups.SortType": { kind: "enum", values: ["Asc", "Desc"] },
  "ListGroups.Offset": { kind: "int", min: 0, code: "InvalidParameter.ParamError", valid: () => 0 },
  "UpdateGroup.NewGroupName": { kind: "name", code: "InvalidParameter.GroupNameFormatError", max: 128, bad: ["has space", "a/b", "中文", "emoji😀"], valid: () => "sweep-renamed" },
  "UpdateGroup.NewDescription": directoryText(1024),
  "ListGroupMembers.UserType": { kind: "enum", values: ORIGINS },
  // SCIM credentials and the switch
  CredentialId: { kind: "id", notFound: "InvalidParameter.ScimCredentialNotFound", other: (t) => t.credentialId, valid: (t) => t.credentialId },
  "ListSCIMCredentials.CredentialId": { kind: "filter", other: (t) => t.credentialId },
  "CreateSCIMCredential.ExpireDuration": { kind: "int", min: 3600, max: 99 * 365 * 24 * 3600, code: "InvalidParameterValue", valid: () => 3600 },
  "UpdateSCIMCredentialStatus.NewStatus": { kind: "enum", values: STATUSES, code: "InvalidParameter.UserScimCredentialStatusError" },
  "UpdateSCIMSynchronizationStatus.SCIMSynchronizationStatus": { kind: "enum", values: STATUSES, code: "InvalidParameter.ScimSyncStatusError" },
  // user sync
  "CreateUserSyncProvisioning.UserSyncProvisionings": {
    kind: "list",
    min: 1,
    code: "InvalidParameterValue",
    valid: (t) => [{ PrincipalType: "User", PrincipalId: t.otherUserId, TargetType: "MemberUin", TargetUin: t.members[1] }],
  },
  "UserSyncProvisionings[].Description": { kind: "text", code: "InvalidParameterValue", max: 1024 },
  "UserSyncProvisionings[].PrincipalId": { kind: "id", required: true, notFound: principalNotFound, other: (t) => t.otherUserId, valid: (t) => t.otherUserId, emptyCode: "MissingParameter" },
  "UserSyncProvisionings[].PrincipalType": { kind: "enum", required: true, values: PRINCIPAL_TYPES, valid: () => "User" },
  "UserSyncProvisionings[].TargetUin": { ...uinItem("FailedOperation.OrganizationMemberNotExist"), required: true },
  "UserSyncProvisionings[].TargetType": { kind: "enum", required: true, values: TARGET_TYPES, valid: () => "MemberUin" },
  "UserSyncProvisionings[].DuplicationStrategy": { kind: "enum", values: DUPLICATION },
  "UserSyncProvisionings[].DeletionStrategy": { kind: "enum", values: DELETION },
  "ListUserSyncProvisionings.PrincipalId": { kind: "filter", other: (t) => t.groupId },
  "ListUserSyncProvisionings.PrincipalType": { kind: "enum", values: PRINCIPAL_TYPES },
  "ListUserSyncProvisionings.TargetUin": { kind: "filter", numeric: true, other: (t) => t.members[0] },
  "ListUserSyncProvisionings.TargetType": { kind: "enum", values: TARGET_TYPES },
  "ListUserSyncProvisionings.Filter": { kind: "search" },
  "UpdateUserSyncProvisioning.NewDescription": { kind: "text", code: "InvalidParameterValue", max: 1024 },
  "UpdateUserSyncProvisioning.NewDuplicationStateful": { kind: "enum", values: DUPLICATION },
  "UpdateUserSyncProvisioning.NewDeletionStrategy": { kind: "enum", values: DELETION },
  "ListTasks.PrincipalId": { kind: "filter", other: (t) => t.groupId },
  "ListTasks.PrincipalType": { kind: "enum", values: PRINCIPAL_TYPES, empty: "ok" }, // the core reads an empty principal type as none
  "ListTasks.TargetUin": { kind: "filter", numeric: true, other: (t) => t.members[0] },
  "ListTasks.TargetType": { kind: "enum", values: TARGET_TYPES },
  "ListTasks.RoleConfigurationId": { kind: "filter", other: () => "rc-000000000000" },
  "ListTasks.Status": { kind: "enum", values: ["InProgress", "Success", "Failed"] },
  // The role family's task types (user-sync tasks are GetProvisioningTaskStatus's).
  "ListTasks.TaskType": { kind: "enum", values: ["ProvisionRoleConfiguration", "DeprovisionRoleConfiguration", "CreateRoleAssignment", "DeleteRoleAssignment"] },
  "GetTaskStatus.TaskId": { kind: "id", notFound: "ResourceNotFound.RoleConfigurationTaskNotFound", other: (t) => t.roleTaskId, valid: (t) => t.roleTaskId },
  "GetProvisioningTaskStatus.TaskId": { kind: "id", notFound: "ResourceNotFound.UserProvisioningTaskNotFound", other: (t) => t.taskId, valid: (t) => t.taskId },
  // role configurations and their policies
  RoleConfigurationId: { kind: "id", notFound: "InvalidParameter.RoleConfigurationNotExist", other: (t) => t.roleConfigurationId, valid: (t) => t.roleConfigurationId },
  "CreateRoleConfiguration.RoleConfigurationName": { kind: "name", code: "InvalidParameter.ConfigurationNameFormatError", max: 128, bad: ["has space", "under_score", "dot.name", "中文", "emoji😀"], valid: () => "sweep-new-rc" },
  "CreateRoleConfiguration.Description": directoryText(1024),
  "CreateRoleConfiguration.SessionDuration": { kind: "int", min: 900, max: 43200, code: "InvalidParameter.ParamError", valid: () => 3600 },
  "CreateRoleConfiguration.RelayState": { kind: "text", code: "InvalidParameter.ParamError", max: 1024, bad: ["http://console.cloud.tencent.com", "https://example.com/", "not a url"] },
  "UpdateRoleConfiguration.NewDescription": directoryText(1024),
  "UpdateRoleConfiguration.NewSessionDuration": { kind: "int", min: 900, max: 43200, code: "InvalidParameter.ParamError", valid: () => 3600 },
  "UpdateRoleConfiguration.NewRelayState": { kind: "text", code: "InvalidParameter.ParamError", max: 1024, bad: ["ftp://console.cloud.tencent.com", "https://example.com/"] },
  "ListRoleConfigurations.Filter": { kind: "search" },
  "ListRoleConfigurations.FilterTargets[]": { kind: "filter", selects: true, numeric: true, other: (t) => t.members[0] },
  "ListRoleConfigurations.PrincipalId": { kind: "ignored", why: "narrows FilterTargets' selection to a principal's assignments; alone it is InvalidParameter.ParamError (extraCases, role-assignments.test.ts)" },
  "AddPermissionPolicyToRoleConfiguration.RolePolicyType": { kind: "enum", values: ["System", "Custom", "Inline"], code: "InvalidParameter.ParamError" },
  // System (the baseline type): an unknown name or id is InvalidParameter.ParamError, as Tencent lists no code of its own.
  "AddPermissionPolicyToRoleConfiguration.RolePolicyNames[]": { kind: "text", code: "InvalidParameter.ParamError", max: 32, bad: ["NoSuchPolicy", "AliyunECSFullAccess"] },
  "AddPermissionPolicyToRoleConfiguration.RolePolicies[].PolicyId": { kind: "int", min: 1, code: "InvalidParameter.ParamError", valid: () => 3 },
  "AddPermissionPolicyToRoleConfiguration.RolePolicies[].PolicyName": { kind: "text", code: "InvalidParameter.ParamError", max: 128, bad: ["NotTheIdsName"] },
  // Documents are checked for custom policies only; longer than any parameter may be is the door's InvalidParameterValue.
  "AddPermissionPolicyToRoleConfiguration.CustomPolicyDocument": { kind: "text", code: "InvalidParameterValue", max: 4096 },
  "AddPermissionPolicyToRoleConfiguration.CustomPolicyDocuments[]": { kind: "text", code: "InvalidParameterValue", max: 4096 },
  "AddPermissionPolicyToRoleConfiguration.PolicyType": { kind: "int", min: 0, max: 1, code: "InvalidParameter.ParamError", valid: () => 1 },
  "RemovePermissionPolicyFromRoleConfiguration.RolePolicyType": { kind: "enum", values: ["System", "Custom", "Inline"], code: "InvalidParameter.ParamError" },
  "RemovePermissionPolicyFromRoleConfiguration.RolePolicyName": { kind: "text", code: "InvalidParameter.RolePolicyNotExist", max: 32, bad: ["NoSuchPolicy"] },
  "RemovePermissionPolicyFromRoleConfiguration.RolePolicyId": { kind: "int", min: 0, code: "InvalidParameter.ParamError", valid: () => 0 },
  "UpdateCustomPolicyForRoleConfiguration.CustomPolicyName": { kind: "id", notFound: "InvalidParameter.RolePolicyNotExist", other: (t) => t.customPolicyName, valid: (t) => t.customPolicyName },
  "UpdateCustomPolicyForRoleConfiguration.NewCustomPolicyDocument": { kind: "text", code: "InvalidParameterValue", max: 4096 },
  "ListPermissionPoliciesInRoleConfiguration.RolePolicyType": { kind: "enum", values: ["System", "Custom", "Inline"], code: "InvalidParameter.ParamError" },
  "ListPermissionPoliciesInRoleConfiguration.Filter": { kind: "search" },
  // role assignments, deployments
  "CreateRoleAssignment.RoleAssignmentInfo": {
    kind: "list",
    min: 1,
    code: "MissingParameter",
    valid: (t) => [{ RoleConfigurationId: t.roleConfigurationId, TargetType: "MemberUin", TargetUin: t.members[1], PrincipalType: "User", PrincipalId: t.otherUserId }],
  },
  "RoleAssignmentInfo[].RoleConfigurationId": { kind: "id", required: true, notFound: "InvalidParameter.RoleConfigurationNotExist", other: (t) => t.roleConfigurationId, valid: (t) => t.roleConfigurationId, emptyCode: "MissingParameter" },
  "RoleAssignmentInfo[].PrincipalId": { kind: "id", required: true, notFound: principalNotFound, other: (t) => t.otherUserId, valid: (t) => t.otherUserId, emptyCode: "MissingParameter" },
  "RoleAssignmentInfo[].PrincipalType": { kind: "enum", required: true, values: PRINCIPAL_TYPES, valid: () => "User" },
  "RoleAssignmentInfo[].TargetUin": { ...memberTarget("FailedOperation.OrganizationMemberNotExist", 1), required: true },
  "RoleAssignmentInfo[].TargetType": { kind: "enum", required: true, values: TARGET_TYPES, valid: () => "MemberUin" },
  // DeleteRoleAssignment names the group's assignment on members[0].
  "DeleteRoleAssignment.TargetType": { kind: "enum", values: TARGET_TYPES, valid: () => "MemberUin" },
  "DeleteRoleAssignment.TargetUin": memberTarget("ResourceNotFound.RoleConfigurationAuthorizationNotFound", 0),
  "DeleteRoleAssignment.PrincipalType": { kind: "enum", values: PRINCIPAL_TYPES, valid: () => "Group" },
  "DeleteRoleAssignment.PrincipalId": { kind: "id", notFound: "ResourceNotFound.RoleConfigurationAuthorizationNotFound", other: (t) => t.roleGroupId, valid: (t) => t.roleGroupId, emptyCode: "MissingParameter" },
  "DeleteRoleAssignment.DeprovisionStrategy": { kind: "enum", values: ["DeprovisionForLastRoleAssignmentOnAccount", "None"] },
  "ListRoleAssignments.RoleConfigurationId": { kind: "filter", other: (t) => t.roleConfigurationId },
  "ListRoleAssignments.TargetType": { kind: "enum", values: TARGET_TYPES },
  "ListRoleAssignments.TargetUin": { kind: "filter", numeric: true, other: (t) => t.members[0] },
  "ListRoleAssignments.PrincipalType": { kind: "enum", values: PRINCIPAL_TYPES, empty: "ok" }, // the core reads an empty principal type as none
  "ListRoleAssignments.PrincipalId": { kind: "filter", other: (t) => t.roleGroupId },
  "ListRoleAssignments.Filter": { kind: "search" },
  // Provision and Dismantle name the deployment on members[0] (deployed, and assigned: Dismantle's baseline is refused too).
  "ProvisionRoleConfiguration.TargetType": { kind: "enum", values: TARGET_TYPES, valid: () => "MemberUin" },
  "ProvisionRoleConfiguration.TargetUin": memberTarget("FailedOperation.OrganizationMemberNotExist", 0),
  "DismantleRoleConfiguration.TargetType": { kind: "enum", values: TARGET_TYPES, valid: () => "MemberUin" },
  "DismantleRoleConfiguration.TargetUin": memberTarget("FailedOperation.OrganizationMemberNotExist", 0),
  "ListRoleConfigurationProvisionings.RoleConfigurationId": { kind: "filter", other: (t) => t.roleConfigurationId },
  "ListRoleConfigurationProvisionings.TargetType": { kind: "enum", values: TARGET_TYPES },
  "ListRoleConfigurationProvisionings.TargetUin": { kind: "filter", numeric: true, other: (t) => t.members[0] },
  "ListRoleConfigurationProvisionings.DeploymentStatus": { kind: "enum", values: ["Deployed", "DeployedRequired", "DeployFailed"] },
  "ListRoleConfigurationProvisionings.Filter": { kind: "search" },
  // cam: the deployed role and provider in members[0], read with that account's key
  "cam.GetRole.RoleName": camRoleName,
  "cam.GetRole.RoleId": camRoleId,
  "cam.DescribeRoleList.Page": camPage,
  "cam.DescribeRoleList.Rp": camRp,
  "cam.DescribeRoleList.Tags[].Key": { kind: "ignored", why: "no identity-center role carries tags: any tag lists nothing" },
  "cam.DescribeRoleList.Tags[].Value": { kind: "ignored" },
  "cam.ListAttachedRolePolicies.Page": camPage,
  "cam.ListAttachedRolePolicies.Rp": camRp,
  "cam.ListAttachedRolePolicies.RoleName": camRoleName,
  "cam.ListAttachedRolePolicies.RoleId": camRoleId,
  "cam.ListAttachedRolePolicies.PolicyType": { kind: "enum", values: ["QCS", "User"], code: "InvalidParameter.ParamError" },
  "cam.ListAttachedRolePolicies.Keyword": { kind: "search" },
  "cam.GetSAMLProvider.Name": camProviderName,
  "cam.DeleteRole.RoleName": camRoleName,
  "cam.DeleteRole.RoleId": camRoleId,
  "cam.UpdateRoleDescription.RoleName": camRoleName,
  "cam.UpdateRoleDescription.RoleId": camRoleId,
  "cam.UpdateRoleDescription.Description": refused,
  "cam.UpdateAssumeRolePolicy.RoleName": camRoleName,
  "cam.UpdateAssumeRolePolicy.RoleId": camRoleId,
  "cam.UpdateAssumeRolePolicy.PolicyDocument": refused,
  "cam.AttachRolePolicy.AttachRoleName": camRoleName,
  "cam.AttachRolePolicy.AttachRoleId": camRoleId,
  "cam.AttachRolePolicy.PolicyId": refused,
  "cam.AttachRolePolicy.PolicyName": refused,
  "cam.DetachRolePolicy.DetachRoleName": camRoleName,
  "cam.DetachRolePolicy.DetachRoleId": camRoleId,
  "cam.DetachRolePolicy.PolicyId": refused,
  "cam.DetachRolePolicy.PolicyName": refused,
  "cam.UpdateSAMLProvider.Name": camProviderName,
  "cam.UpdateSAMLProvider.Description": refused,
  "cam.UpdateSAMLProvider.SAMLMetadataDocument": refused,
  "cam.DeleteSAMLProvider.Name": camProviderName,
  // cam (called with a member account's key)
  "cam.AddUser.Name": { kind: "name", code: "InvalidParameter.UserNameIllegal", max: 64, bad: ["has space", "a/b", "中文", "emoji😀", "semi;colon"], valid: () => "sweep-new-cam" },
  "cam.AddUser.UseApi": camFlag,
  ...Object.fromEntries(Object.entries(camFields).flatMap(([k, r]) => [[`cam.AddUser.${k}`, r], [`cam.UpdateUser.${k}`, r]])),
  "cam.GetUser.Name": camName,
  "cam.UpdateUser.Name": camName,
  "cam.DeleteUser.Name": camName,
  "cam.DeleteUser.Force": camFlag,
};

const keyOf = (path: (string | number)[]) => path.map((p) => (typeof p === "number" ? "[]" : p)).join(".").replace(/\.\[\]/g, "[]");

function ruleFor(product: Product, action: string, path: (string | number)[]): (Rule & RuleExtra) | undefined {
  const key = keyOf(path);
  return RULES[`${product}.${action}.${key}`] ?? RULES[`${action}.${key}`] ?? RULES[key];
}

// ---- the schema, walked ----

interface Field {
  path: (string | number)[];
  schema: Schema;
  /** Required by the schema, or by the rule (the spec's §5.6 fields the SDK marks optional). */
  required: boolean;
  rule: (Rule & RuleExtra) | undefined;
}

function resolve(s: Schema, root: Schema): Schema {
  return s.$ref ? (root.definitions?.[s.$ref.replace("#/definitions/", "")] ?? {}) : s;
}

const typeOf = (s: Schema): string => (Array.isArray(s.type) ? s.type[0]! : (s.type ?? "object"));

function fields(product: Product, action: string, root: Schema): Field[] {
  const out: Field[] = [];
  const walk = (s: Schema, path: (string | number)[]) => {
    for (const [name, sub] of Object.entries(s.properties ?? {})) {
      const fs = resolve(sub, root);
      const p = [...path, name];
      const rule = ruleFor(product, action, p);
      out.push({ path: p, schema: fs, required: (s.required ?? []).includes(name) || rule?.required === true, rule });
      if (typeOf(fs) === "array" && fs.items) {
        const items = resolve(fs.items, root);
        const ip = [...p, 0];
        out.push({ path: ip, schema: items, required: false, rule: ruleFor(product, action, ip) });
        if (typeOf(items) === "object") walk(items, ip);
      }
    }
  };
  walk(root, []);
  return out;
}

// ---- baselines: values that pass every check and name the caller's own objects ----

/** A valid value for a field, from its rule; a list gets one valid item. */
function validValue(t: Tenant, f: Field, all: Field[]): unknown {
  const r = f.rule;
  if (r && "valid" in r && r.valid) return r.valid(t);
  if (r?.kind === "enum") return r.values[0];
  if (typeOf(f.schema) === "array") {
    const item = all.find((x) => x.path.length === f.path.length + 1 && keyOf(x.path) === `${keyOf(f.path)}[]`);
    return item ? [validValue(t, item, all)] : [];
  }
  if (typeOf(f.schema) === "object") {
    const obj: Params = {};
    for (const sub of all.filter((x) => x.path.length === f.path.length + 1 && keyOf(x.path).startsWith(`${keyOf(f.path)}.`))) {
      if (sub.required) obj[sub.path.at(-1) as string] = validValue(t, sub, all);
    }
    return obj;
  }
  return { string: "sweep", number: 1, boolean: false }[typeOf(f.schema)];
}

function baseline(t: Tenant, all: Field[]): Params {
  const out: Params = {};
  for (const f of all) if (f.path.length === 1 && f.required) out[f.path[0] as string] = validValue(t, f, all);
  return out;
}

/** `base` with the value at `path` replaced (or removed), creating the containers on the way with valid contents. */
function withValue(t: Tenant, base: Params, all: Field[], path: (string | number)[], value: unknown, remove = false): Params {
  const out = structuredClone(base) as Params;
  let node: Record<string | number, unknown> = out;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i]!;
    if (node[seg] === undefined || typeof node[seg] !== "object" || node[seg] === null) {
      const f = all.find((x) => keyOf(x.path) === keyOf(path.slice(0, i + 1)))!;
      node[seg] = structuredClone(validValue(t, f, all));
    }
    const next = node[seg] as Record<string | number, unknown>;
    if (Array.isArray(next) && next.length === 0 && typeof path[i + 1] === "number") {
      const itemField = all.find((x) => keyOf(x.path) === keyOf(path.slice(0, i + 2)))!;
      next.push(structuredClone(validValue(t, itemField, all)));
    }
    node = next;
  }
  const last = path.at(-1)!;
  if (remove) delete node[last];
  else node[last] = value;
  return out;
}

// ---- the cases ----

interface Case {
  product: Product;
  action: string;
  label: string;
  params: Params;
  /** The expected error code, "ok" for a call that must succeed, "empty" for a list call that must find nothing. */
  expect: string | ((params: Params) => string);
  /**
   * Sent as JSON.stringify writes it, signed with the SDK's signer: what the SDK cannot send, since it
   * drops nulls, rebuilds objects (so an own `__proto__` key is lost) and writes a lone surrogate as
   * raw UTF-8 (which arrives as U+FFFD) where JSON.stringify escapes it (`\ud800`).
   */
  raw?: boolean;
}

const KB100 = "x".repeat(100 * 1024);
const CONTROL: Record<string, string> = { NUL: "a\u0000b", "a control character": "a\u0001b", "a terminal escape": "\u001b[2J", "a C1 control": "a\u009bb", DEL: "a\u007fb" };
const LONE_SURROGATES: Record<string, string> = { "a lone high surrogate": "a\ud800b", "a lone low surrogate": "\udc00" };
const WRONG_TYPES: Record<string, [string, unknown][]> = {
  string: [["a number", 1], ["a boolean", true], ["an object", { a: 1 }], ["a list", ["x"]], ["null", null]],
  number: [["a word", "abc"], ["a numeric word", "12abc"], ["an exponent string", "1e3"], ["an empty string", ""], ["a boolean", true], ["an object", {}], ["a list", [1]], ["null", null]],
  boolean: [["a word", "maybe"], ["a number", 1], ["an upper-case word", "TRUE"], ["an object", {}], ["a list", [true]], ["null", null]],
  array: [["a string", "x"], ["a number", 1], ["an object", {}], ["a boolean", true], ["null", null]],
  object: [["a string", "x"], ["a number", 1], ["a list", []], ["null", null]],
};
const WRONG_SHAPE_IDS = ["no-such-id", "z-000000000000", "u-000000000000", "g-000000000000", "up-0000000000000000000", "t-000000000000", "' OR '1'='1", "%", "_", "..", "-1", "\uff11\uff12\uff13", "\u{1F600}", "a".repeat(4096)];
/** Never a real UIN, organization or node id (those come from sequences; 1 might be one). */
const WRONG_NUMERIC_IDS = [-1, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.5];

function paramCases(w: World, product: Product, action: string, schema: Schema): Case[] {
  const t = w.a;
  const all = fields(product, action, schema);
  const base = baseline(t, all);
  const cases: Case[] = [];
  const add = (label: string, params: Params, expect: Case["expect"], raw = false) => cases.push({ product, action, label, params, expect, raw });

  // Unknown parameters: a made-up one, a real one in the wrong case, and __proto__ (prototype smuggling).
  const withProto = (top: Params, inner: Params) => JSON.parse(JSON.stringify({ ...top, __x__: inner }).replace('"__x__"', '"__proto__"')) as Params;
  add("an unknown parameter", { ...base, NoSuchParameter: "x" }, "UnknownParameter");
  add("an unknown parameter that is null", { ...base, NoSuchParameter: null }, "UnknownParameter", true);
  add("a __proto__ parameter", withProto(base, { NoSuchParameter: 1 }), "UnknownParameter", true);
  // The parameters smuggled in __proto__ (with control characters, which the door refuses in parameters).
  const smuggled = Object.fromEntries(Object.entries(base).map(([k, v]) => [k, typeof v === "string" ? `${v}\u0000` : v]));
  // The door reports a parameter its schema requires as missing before it looks at unknown ones.
  add("the parameters inside __proto__", withProto({}, smuggled), schema.required?.length ? "MissingParameter" : "UnknownParameter", true);
  const first = all[0];
  if (first) add(`${first.path[0]} spelled in lower case`, { ...base, [String(first.path[0]).toLowerCase()]: base[first.path[0] as string] ?? "x" }, "UnknownParameter");

  for (const f of all) {
    const name = keyOf(f.path);
    const type = typeOf(f.schema);
    const rule = f.rule;
    const set = (value: unknown) => withValue(t, base, all, f.path, value);
    const bad = (label: string, value: unknown, expect: Case["expect"], raw = value === null) => add(`${name}: ${label}`, set(value), expect, raw);

    if (f.required) add(`${name}: missing`, withValue(t, base, all, f.path, undefined, true), "MissingParameter");
    for (const [label, value] of WRONG_TYPES[type] ?? []) bad(label, value, "InvalidParameter");
    if (type === "object") add(`${name}: an unknown field inside`, withValue(t, base, all, [...f.path, "NoSuchField"], "x"), "UnknownParameter");
    if (type === "array") bad(`${1001} items`, Array.from({ length: 1001 }, () => (validValue(t, all.find((x) => keyOf(x.path) === `${name}[]`)!, all))), "InvalidParameterValue");
    if (type === "string") {
      for (const [label, value] of Object.entries(CONTROL)) bad(label, value, "InvalidParameterValue");
      for (const [label, value] of Object.entries(LONE_SURROGATES)) bad(label, value, "InvalidParameterValue", true);
      bad("100 KB", KB100, "InvalidParameterValue");
      bad("4097 emoji", "\u{1F600}".repeat(4097), "InvalidParameterValue");
    }
    if (type === "number") {
      // Beyond 2^53 - 1 at the door; a fraction is a bad value of its field, with the field's own code.
      bad("2^53", 2 ** 53, "InvalidParameterValue");
      bad("1e20", 1e20, "InvalidParameterValue");
      bad("-1e20", -1e20, "InvalidParameterValue");
    }
    if (!rule) continue;
    switch (rule.kind) {
      case "name":
        for (const v of rule.bad) bad(JSON.stringify(v), v, rule.code);
        bad(`${rule.max + 1} characters`, "a".repeat(rule.max + 1), rule.code);
        bad(`${rule.max + 1} emoji`, "\u{1F600}".repeat(rule.max + 1), rule.code);
        bad("empty", "", rule.code);
        break;
      case "text":
        for (const v of rule.bad ?? []) bad(JSON.stringify(v), v, rule.code);
        bad(`${rule.max + 1} characters`, "a".repeat(rule.max + 1), rule.code);
        bad(`${rule.max + 1} emoji`, "\u{1F600}".repeat(rule.max + 1), rule.code);
        break;
      case "enum": {
        const code = rule.code ?? "InvalidParameterValue";
        bad("a value outside the set", "NoSuchValue", code);
        bad("a value in another case", rule.values[0]!.toLowerCase() === rule.values[0] ? rule.values[0]!.toUpperCase() : rule.values[0]!.toLowerCase(), code);
        bad("a value with a space", ` ${rule.values[0]}`, code);
        bad("an emoji", "\u{1F600}", code);
        if (!f.required) bad("empty", "", rule.empty ?? code);
        break;
      }
      case "search":
        bad("1025 characters", "s".repeat(1025), "InvalidParameterValue");
        bad("1025 emoji", "\u{1F600}".repeat(1025), "InvalidParameterValue");
        // LIKE wildcards are text: accepted, matching only themselves.
        for (const v of ["%", "_", "\\", "' OR '1'='1"]) bad(`the text ${JSON.stringify(v)}`, v, "ok");
        break;
      case "token":
        for (const v of ["forged", "forged.token", "a.b.c", "\u{1F600}", "e30.AAAA", "%00"]) bad(`the token ${JSON.stringify(v)}`, v, "InvalidParameter.NextTokenInvalid");
        if (rule.other) bad("the other tenant's token", rule.other(w.b), "InvalidParameter.NextTokenInvalid");
        break;
      case "int":
        bad("a fraction", rule.min + 0.5, rule.code);
        bad(`${rule.min - 1} (below ${rule.min})`, rule.min - 1, rule.code);
        if (rule.min !== 0) bad("-1", -1, rule.code);
        if (rule.max !== undefined) {
          bad(`${rule.max + 1} (above ${rule.max})`, rule.max + 1, rule.code);
          bad("2^53-1", Number.MAX_SAFE_INTEGER, rule.code);
        }
        break;
      case "list":
        if (rule.min) bad("empty", [], rule.code ?? "InvalidParameterValue");
        break;
      case "id":
        for (const v of rule.numeric ? WRONG_NUMERIC_IDS : WRONG_SHAPE_IDS) bad(`the id ${JSON.stringify(v).slice(0, 30)}`, v, rule.notFound);
        if (rule.numeric) bad("a fraction of a real id", Number(rule.valid(t)) + 0.5, rule.notFound);
        bad("the other tenant's", rule.other(w.b), rule.otherCode ?? rule.notFound);
        if (!rule.numeric) bad("empty", "", rule.emptyCode ?? rule.notFound);
        break;
      case "filter":
        for (const v of rule.numeric ? WRONG_NUMERIC_IDS : WRONG_SHAPE_IDS) bad(`the filter ${JSON.stringify(v).slice(0, 30)}`, v, rule.selects ? "ok" : "empty");
        if (rule.numeric) bad("a fraction of a real id", Number(rule.other(t)) + 0.5, rule.selects ? "ok" : "empty");
        bad("the other tenant's", rule.other(w.b), rule.selects ? "ok" : "empty");
        break;
      case "ignored":
        break;
    }
  }
  return cases;
}

/** Cases a schema walk does not produce: rules that involve two parameters, or the core's own bounds. */
function extraCases(w: World): Case[] {
  const t = w.a;
  const cases: Case[] = [];
  const add = (product: Product, action: string, label: string, params: Params, expect: Case["expect"]) => cases.push({ product, action, label, params, expect });
  const item = { PrincipalType: "User", PrincipalId: t.otherUserId, TargetType: "MemberUin", TargetUin: t.members[1] };
  const sync = (items: Params[]) => ({ ZoneId: t.zoneId, UserSyncProvisionings: items });
  add("organization", "CreateUserSyncProvisioning", "51 items", sync(Array.from({ length: 51 }, () => item)), "LimitExceeded.CreateUserSyncProvisioningLimitExceeded");
  add("organization", "CreateUserSyncProvisioning", "a Group principal that is a user id", sync([{ ...item, PrincipalType: "Group" }]), "InvalidParameter.GroupNotExist");
  add("organization", "CreateUserSyncProvisioning", "a User principal that is a group id", sync([{ ...item, PrincipalId: t.groupId }]), "ResourceNotFound.UserNotExist");
  add("organization", "CreateUserSyncProvisioning", "ManagerUin naming a member", sync([{ ...item, TargetType: "ManagerUin" }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateUserSyncProvisioning", "MemberUin naming the manager", sync([{ ...item, TargetUin: t.key.uin }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateUserSyncProvisioning", "a good item then a bad one (all or nothing)", sync([item, { ...item, TargetUin: w.b.members[0] }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateUserSyncProvisioning", "one item twice (all or nothing)", sync([item, item]), "FailedOperation.UserProvisioningAlreadyExists");
  add("organization", "DeleteOrganizationMembers", "the manager among them", { MemberUin: [t.members[1], t.key.uin] }, "FailedOperation.DisableQuitSelfCreatedOrganization");
  add("organization", "DeleteOrganizationMembers", "a member and a stranger (all or nothing)", { MemberUin: [t.members[1], w.b.members[1]] }, "ResourceNotFound.OrganizationMemberNotExist");
  add("organization", "DeleteOrganizationMembers", "one member 1000 times", { MemberUin: Array(1000).fill(w.b.members[1]) }, "ResourceNotFound.OrganizationMemberNotExist");
  add("organization", "CreateOrganizationMember", "11 tags", { ...memberBase(t), Tags: Array.from({ length: 11 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" })) }, "InvalidParameter.TagError");
  add("organization", "CreateOrganizationMember", "a tag key twice", { ...memberBase(t), Tags: [{ TagKey: "k", TagValue: "1" }, { TagKey: "k", TagValue: "2" }] }, "InvalidParameter.TagError");
  add("organization", "CreateOrganizationMember", "an empty tag key", { ...memberBase(t), Tags: [{ TagKey: "", TagValue: "v" }] }, "InvalidParameter.TagError");
  add("organization", "CreateOrganizationMember", "permissions without 2", { ...memberBase(t), PermissionIds: [1, 7] }, "FailedOperation.OrganizationPermissionIllegal");
  add("organization", "CreateOrganizationMember", "permission 3 (not offered)", { ...memberBase(t), PermissionIds: [1, 2, 3, 7] }, "FailedOperation.OrganizationPermissionIllegal");
  add("organization", "CreateOrganizationMember", "the name of an existing member", { ...memberBase(t), Name: memberName(t) }, "FailedOperation.OrganizationMemberNameUsed");
  add("organization", "DescribeOrganizationMembers", "an offset that is not a multiple of the limit", { Offset: 3, Limit: 10 }, "InvalidParameterValue");
  add("organization", "DescribeOrganizationMembers", "11 tags", { Offset: 0, Limit: 10, Tags: Array.from({ length: 11 }, (_, i) => ({ TagKey: `k${i}`, TagValue: "v" })) }, "InvalidParameter.TagError");
  add("organization", "OpenIdentityCenter", "the other tenant's zone name", { ZoneName: w.b.zoneName }, "FailedOperation.IdentityCenterAlreadyOpen");
  add("organization", "UpdateZone", "the other tenant's zone name", { ZoneId: t.zoneId, NewZoneName: w.b.zoneName }, "InvalidParameterValue.IdentityCenterZoneNameAlreadyExist");
  add("organization", "CreateUser", "the name of an existing user in another case", { ZoneId: t.zoneId, UserName: "ALICE-A" }, "InvalidParameter.UsernameAlreadyExists");
  add("organization", "CreateUser", "the email of an existing user in another case", { ZoneId: t.zoneId, UserName: "sweep-new-user", Email: "Alice-a@Example.com" }, "InvalidParameter.EmailAlreadyExists");
  add("organization", "UpdateUser", "the email of another user", { ZoneId: t.zoneId, UserId: t.userId, NewEmail: "bob-a@example.com" }, "InvalidParameter.EmailAlreadyExists");
  add("organization", "CreateGroup", "the name of an existing group in another case", { ZoneId: t.zoneId, GroupName: "ENG-A" }, "InvalidParameter.GroupNameAlreadyExists");
  add("organization", "AddUserToGroup", "a member already in the group", { ZoneId: t.zoneId, GroupId: t.groupId, UserId: t.userId }, "InvalidParameter.GroupUserAlreadyExists");
  add("organization", "RemoveUserFromGroup", "a user not in the group", { ZoneId: t.zoneId, GroupId: t.groupId, UserId: t.otherUserId }, "InvalidParameter.GroupUserNotExist");
  add("organization", "DeleteUser", "a user in a group", { ZoneId: t.zoneId, UserId: t.userId }, "InvalidParameter.UserAlreadyExistsGroup");
  add("organization", "DeleteGroup", "a group with members", { ZoneId: t.zoneId, GroupId: t.groupId }, "FailedOperation.DeleteGroupNotAllowExistUser");
  add("organization", "ListUsers", "a token with other filters", { ZoneId: t.zoneId, MaxResults: 1, NextToken: t.usersToken, Filter: "a" }, "InvalidParameter.NextTokenInvalid");
  add("organization", "ListUsers", "a token with another page size (same query: accepted)", { ZoneId: t.zoneId, MaxResults: 5, NextToken: t.usersToken }, "ok");
  add("organization", "ListUsers", "an offset far past the end", { ZoneId: t.zoneId, Offset: Number.MAX_SAFE_INTEGER }, "ok");
  add("organization", "ListUsers", "1000 group filters", { ZoneId: t.zoneId, FilterGroups: Array.from({ length: 1000 }, (_, i) => `g-${i}`) }, "ok");
  add("organization", "QuitOrganization", "the caller's own organization (the manager)", { OrgId: t.orgId }, "FailedOperation.DisableQuitSelfCreatedOrganization");
  // Role assignments and deployments
  const assignment = { RoleConfigurationId: t.roleConfigurationId, TargetType: "MemberUin", TargetUin: t.members[1], PrincipalType: "User", PrincipalId: t.otherUserId };
  const assign = (items: Params[]) => ({ ZoneId: t.zoneId, RoleAssignmentInfo: items });
  add("organization", "CreateRoleAssignment", "51 items", assign(Array.from({ length: 51 }, () => assignment)), "LimitExceeded.CreateRoleAssignmentLimitExceeded");
  add("organization", "CreateRoleAssignment", "an assignment that exists", assign([{ ...assignment, TargetUin: t.members[0], PrincipalType: "Group", PrincipalId: t.roleGroupId }]), "FailedOperation.RoleConfigurationAuthorizationAlreadyExist");
  add("organization", "CreateRoleAssignment", "one item twice (all or nothing)", assign([assignment, assignment]), "FailedOperation.RoleConfigurationAuthorizationAlreadyExist");
  add("organization", "CreateRoleAssignment", "a good item then a bad one (all or nothing)", assign([assignment, { ...assignment, TargetUin: w.b.members[0] }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateRoleAssignment", "ManagerUin naming a member", assign([{ ...assignment, TargetType: "ManagerUin" }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateRoleAssignment", "MemberUin naming the manager", assign([{ ...assignment, TargetUin: t.key.uin }]), "FailedOperation.OrganizationMemberNotExist");
  add("organization", "CreateRoleAssignment", "a Group principal that is a user id", assign([{ ...assignment, PrincipalType: "Group" }]), "InvalidParameter.GroupNotExist");
  add("organization", "CreateRoleAssignment", "the other tenant's configuration", assign([{ ...assignment, RoleConfigurationId: w.b.roleConfigurationId }]), "InvalidParameter.RoleConfigurationNotExist");
  const deployment = { ZoneId: t.zoneId, RoleConfigurationId: t.roleConfigurationId, TargetType: "MemberUin", TargetUin: t.members[0] };
  add("organization", "DismantleRoleConfiguration", "a deployment that is still assigned", deployment, "FailedOperation.RoleConfigurationAuthorizationExist");
  add("organization", "DismantleRoleConfiguration", "a member it is not deployed to", { ...deployment, TargetUin: t.members[1] }, "ResourceNotFound.RoleConfigurationProvisioningNotFound");
  add("organization", "DismantleRoleConfiguration", "ManagerUin naming a member", { ...deployment, TargetType: "ManagerUin", TargetUin: t.members[1] }, "FailedOperation.OrganizationMemberNotExist");
  add("organization", "ProvisionRoleConfiguration", "ManagerUin naming a member", { ...deployment, TargetType: "ManagerUin" }, "FailedOperation.OrganizationMemberNotExist");
  add("organization", "DeleteRoleAssignment", "the user's assignment named as the group's", { ...deployment, PrincipalType: "Group", PrincipalId: t.roleUserId }, "ResourceNotFound.RoleConfigurationAuthorizationNotFound");
  add("organization", "DeleteRoleAssignment", "ManagerUin naming the member", { ...deployment, TargetType: "ManagerUin", PrincipalType: "Group", PrincipalId: t.roleGroupId }, "ResourceNotFound.RoleConfigurationAuthorizationNotFound");
  add("organization", "DeleteUser", "a user with an assignment", { ZoneId: t.zoneId, UserId: t.roleUserId }, "FailedOperation.RoleConfigurationAuthorizationExist");
  add("organization", "DeleteGroup", "a group with an assignment", { ZoneId: t.zoneId, GroupId: t.roleGroupId }, "FailedOperation.RoleConfigurationAuthorizationExist");
  add("organization", "ListRoleConfigurations", "PrincipalId without FilterTargets", { ZoneId: t.zoneId, PrincipalId: t.roleGroupId }, "InvalidParameter.ParamError");
  add("organization", "ListRoleConfigurations", "PrincipalId with FilterTargets", { ZoneId: t.zoneId, PrincipalId: t.roleGroupId, FilterTargets: [t.members[0]] }, "ok");
  add("organization", "ListRoleConfigurations", "the other tenant's principal with FilterTargets", { ZoneId: t.zoneId, PrincipalId: w.b.roleGroupId, FilterTargets: [w.b.members[0]] }, "ok");
  add("organization", "GetTaskStatus", "a user-sync task id", { ZoneId: t.zoneId, TaskId: t.taskId }, "ResourceNotFound.RoleConfigurationTaskNotFound");
  // CAM's view of the deployed role: RoleId instead of RoleName, both, neither.
  for (const [action, idField, nameField] of [["GetRole", "RoleId", "RoleName"], ["ListAttachedRolePolicies", "RoleId", "RoleName"], ["DeleteRole", "RoleId", "RoleName"], ["UpdateRoleDescription", "RoleId", "RoleName"], ["UpdateAssumeRolePolicy", "RoleId", "RoleName"], ["AttachRolePolicy", "AttachRoleId", "AttachRoleName"], ["DetachRolePolicy", "DetachRoleId", "DetachRoleName"]] as const) {
    const rest: Params = { ListAttachedRolePolicies: { Page: 1, Rp: 20 }, UpdateRoleDescription: { Description: "x" }, UpdateAssumeRolePolicy: { PolicyDocument: "{}" } }[action as string] ?? {};
    for (const id of ["4611686018427844696", "no-such-id", "", w.b.roleId]) add("cam", action, `${idField} ${JSON.stringify(id).slice(0, 24)}`, { ...rest, [idField]: id }, id === "" ? "MissingParameter" : "InvalidParameter.RoleNotExist");
    add("cam", action, `${idField} and ${nameField} both`, { ...rest, [idField]: t.roleId, [nameField]: t.roleName }, "InvalidParameter.ParamError");
    add("cam", action, `neither ${idField} nor ${nameField}`, rest, "MissingParameter");
  }
  add("cam", "GetRole", "the role by its id", { RoleId: t.roleId }, "ok");
  add("cam", "DeleteRole", "the role by its id", { RoleId: t.roleId }, "InvalidParameter.OrganizationRoleOperateError");
  add("cam", "AttachRolePolicy", "the role by its id", { AttachRoleId: t.roleId, PolicyId: 1 }, "FailedOperation.OrganizationPolicyOperateError");
  add("cam", "DetachRolePolicy", "the role by its name", { DetachRoleName: t.roleName, PolicyName: "ReadOnlyAccess" }, "FailedOperation.OrganizationPolicyOperateError");
  add("cam", "UpdateSAMLProvider", "the zone's provider", { Name: t.providerName }, "FailedOperation.CICIdentityForbidden");
  add("cam", "DeleteSAMLProvider", "the zone's provider", { Name: t.providerName }, "FailedOperation.CICIdentityForbidden");
  add("cam", "GetRole", "the role's name without its prefix", { RoleName: t.roleName.replace("TencentCloudSSO-", "") }, "InvalidParameter.RoleNotExist");
  add("cam", "GetSAMLProvider", "the zone id without the prefix", { Name: t.zoneId }, "ResourceNotFound.IdentityNotExist");
  add("cam", "AddUser", "the name of an existing sub-user", { Name: t.camUser }, "InvalidParameter.SubUserNameInUse");
  add("cam", "AddUser", "a password with console login off is still checked", { Name: "sweep-new-cam", ConsoleLogin: 0, Password: "weak" }, "InvalidParameter.PasswordViolatedRules");
  add("cam", "UpdateUser", "a weak password", { Name: t.camUser, Password: "weak" }, "InvalidParameter.PasswordViolatedRules");
  return cases;
}

/** Member names by UIN, read once the world exists (for the "name of an existing member" case). */
let memberNames: Record<number, string> = {};
const memberBase = (t: Tenant) => ({ Name: "sweep-new-member", PolicyType: "Financial", PermissionIds: [1, 2, 7], NodeId: t.rootNodeId, AccountName: "sweep-new-account" });
const memberName = (t: Tenant) => memberNames[t.members[1]!]!;

// ---- running the cases ----

interface Outcome {
  ok: boolean;
  response?: Record<string, unknown>;
  code?: string;
  message?: string;
  requestId?: string;
  httpCode?: number;
}

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, response: (await call) as Record<string, unknown> };
  } catch (e) {
    const err = e as { code?: string; message?: string; requestId?: string; httpCode?: number };
    return { ok: false, code: err.code, message: err.message, requestId: err.requestId, httpCode: err.httpCode };
  }
}

/** Why an outcome is wrong, or undefined when it is right. */
function verdict(expect: string, o: Outcome): string | undefined {
  if (o.httpCode !== undefined) return `HTTP ${o.httpCode} instead of the error envelope: ${o.message}`;
  if (!o.ok && !o.code) return `no API error envelope: ${o.message}`;
  if (o.code === "InternalError") return `InternalError (RequestId ${o.requestId})`;
  if (expect === "ok") return o.ok ? undefined : `expected success, got ${o.code}: ${o.message}`;
  if (expect === "empty") {
    if (!o.ok) return `expected an empty list, got ${o.code}: ${o.message}`;
    const selected = Object.values(o.response ?? {}).find(Array.isArray) ?? [];
    return o.response?.TotalCounts === 0 && selected.length === 0 ? undefined : `expected an empty list, got ${JSON.stringify(o.response).slice(0, 200)}`;
  }
  if (o.ok) return `expected ${expect}, but the call succeeded`;
  if (o.code !== expect) return `expected ${expect}, got ${o.code}: ${o.message}`;
  if (!isUuid(o.requestId)) return `RequestId ${o.requestId} is not a UUID`;
  return undefined;
}

/** The SDK client, and the key it signs with (for the raw cases), per product. */
type Clients = Record<Product, { sdk: { request(action: string, params: Params): Promise<unknown> }; key: Key }>;

/**
 * Runs the cases grouped by action and checks each outcome, and that the store is unchanged after each
 * action's cases (one snapshot per action: a change names the action and the cases that succeeded, the
 * usual culprits; a partial write by a refused case would show with none). Returns every failure.
 */
async function sweep(server: TestServer, clients: Clients, cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  const groups = new Map<string, Case[]>();
  for (const c of cases) groups.set(`${c.product} ${c.action}`, [...(groups.get(`${c.product} ${c.action}`) ?? []), c]);
  let before = await snapshot(server.store);
  for (const [group, list] of groups) {
    const accepted: string[] = [];
    for (const c of list) {
      const expect = typeof c.expect === "function" ? c.expect(c.params) : c.expect;
      const { sdk, key } = clients[c.product];
      const o = c.raw ? await rawPost(server, key, c.product, c.action, JSON.stringify(c.params), "application/json") : await outcome(sdk.request(c.action, c.params));
      const why = verdict(expect, o);
      if (why) failures.push(`${group} ${c.label}: ${why}`);
      if (o.ok) accepted.push(c.label);
    }
    const after = await snapshot(server.store);
    if (after !== before) failures.push(`${group}: its cases changed the store (accepted: ${accepted.join("; ") || "none"})`);
    before = after;
  }
  return failures;
}

function report(failures: string[], total: number): void {
  const shown = failures.slice(0, 80);
  assert.equal(failures.length, 0, `${failures.length} of ${total} cases failed:\n  ${shown.join("\n  ")}${failures.length > shown.length ? `\n  … and ${failures.length - shown.length} more` : ""}`);
}

// ---- wire-level garbage ----

/** A POST signed exactly as the SDK signs (its own signer), with any body and content type. */
async function rawPost(server: TestServer, key: Key, product: Product, action: string, body: string | Buffer, contentType: string): Promise<Outcome & { status: number }> {
  const timestamp = Math.floor(Date.now() / 1000);
  const payload = Buffer.from(body);
  const authorization = Sign.sign3({
    method: "POST",
    url: server.url,
    payload,
    timestamp,
    service: "127",
    secretId: key.secretId,
    secretKey: key.secretKey,
    multipart: false,
    boundary: "",
    headers: { "Content-Type": contentType },
  });
  const res = await fetch(server.url, {
    method: "POST",
    headers: { "Content-Type": contentType, "X-TC-Timestamp": String(timestamp), "X-TC-Action": action, "X-TC-Version": VERSIONS[product], Authorization: authorization },
    body: new Uint8Array(payload),
  });
  const json = (await res.json().catch(() => null)) as { Response?: { Error?: { Code?: string; Message?: string }; RequestId?: string } } | null;
  const error = json?.Response?.Error;
  return {
    status: res.status,
    ok: res.status === 200 && json?.Response !== undefined && !error,
    response: json?.Response as Record<string, unknown> | undefined,
    code: error?.Code,
    message: error?.Message ?? (json ? undefined : "not JSON"),
    requestId: json?.Response?.RequestId,
    httpCode: res.status === 200 ? undefined : res.status,
  };
}

/** Tencent's flattened form (`A.0.B=x`), as GET and form requests carry parameters. */
function flatten(v: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  else out[prefix] = String(v);
  return out;
}

interface WireCase {
  label: string;
  run: () => Promise<Outcome>;
  expect: string;
}

/** Write actions (so "changes nothing" means something) with valid parameters and the first required one. */
function wireSamples(w: World): { product: Product; action: string; params: Params; first: string }[] {
  const t = w.a;
  return [
    { product: "organization", action: "CreateUser", params: { ZoneId: t.zoneId, UserName: "wire-user" }, first: "ZoneId" },
    { product: "organization", action: "CreateUserSyncProvisioning", params: { ZoneId: t.zoneId, UserSyncProvisionings: [{ PrincipalType: "User", PrincipalId: t.otherUserId, TargetType: "MemberUin", TargetUin: t.members[1] }] }, first: "ZoneId" },
    { product: "organization", action: "DeleteOrganizationMembers", params: { MemberUin: [t.members[1]] }, first: "MemberUin" },
    { product: "organization", action: "CreateOrganizationMember", params: memberBase(t), first: "Name" },
    { product: "cam", action: "AddUser", params: { Name: "wire-cam" }, first: "Name" },
  ];
}

function wireCases(w: World): WireCase[] {
  const { server, a: t } = w;
  const cases: WireCase[] = [];
  const keyFor = (p: Product) => (p === "cam" ? t.memberKey : t.key);
  for (const s of wireSamples(w)) {
    const { product, action, params, first } = s;
    const key = keyFor(product);
    const post = (label: string, body: string | Buffer, contentType: string, expect: string) =>
      cases.push({ label: `${product} ${action}: ${label}`, run: () => rawPost(server, key, product, action, body, contentType), expect });
    const json = "application/json";
    post("bad JSON", '{"' + first + '":', json, "InvalidParameter");
    post("JSON with a trailing comma", JSON.stringify(params).replace(/}$/, ",}"), json, "InvalidParameter");
    post("a JSON array body", JSON.stringify([params]), json, "InvalidParameter");
    post("a JSON string body", JSON.stringify(JSON.stringify(params)), json, "InvalidParameter");
    post("a JSON number body", "42", json, "InvalidParameter");
    post("an empty body", "", json, "MissingParameter");
    post("a null body", "null", json, "MissingParameter");
    post("binary noise", Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x7b]), json, "InvalidParameter");
    post("JSON with a NUL escape in a key", JSON.stringify({ ...params, "A\u0000": 1 }), json, "UnknownParameter");
    post("JSON nested 10,000 deep", "[".repeat(10_000) + "]".repeat(10_000), json, "InvalidParameter");
    post("a text/plain body", JSON.stringify(params), "text/plain", "InvalidParameter");
    post("an octet-stream body", JSON.stringify(params), "application/octet-stream", "InvalidParameter");
    post("a multipart content type", JSON.stringify(params), "multipart/form-data; boundary=x", "InvalidParameter");
    const form = new URLSearchParams(flatten(params));
    post("a form body with __proto__", `${form}&__proto__.${first}=x`, "application/x-www-form-urlencoded", "UnknownParameter");
    post("a form body with constructor.prototype", `${form}&constructor.prototype.polluted=1`, "application/x-www-form-urlencoded", "UnknownParameter");
    post("a form body with a list position of 4294967294", `${first}.4294967294=1`, "application/x-www-form-urlencoded", "InvalidParameterValue");
    post("a form body naming one parameter as a value and as a list", `${form}&${Array.isArray(params[first]) ? first : `${first}.0`}=1`, "application/x-www-form-urlencoded", "InvalidParameter");
  }
  // GET (the SDK's GET shape: every value a string, lists flattened), with bad numbers and positions.
  const get = orgClient(server, t.key, { reqMethod: "GET" });
  const viaGet = (label: string, action: string, params: Params, expect: string) => cases.push({ label: `GET ${action}: ${label}`, run: () => outcome(get.request(action, params)), expect });
  const z = { ZoneId: t.zoneId };
  viaGet("MaxResults=abc", "ListUsers", { ...z, MaxResults: "abc" }, "InvalidParameter");
  viaGet("MaxResults=1.5", "ListUsers", { ...z, MaxResults: "1.5" }, "InvalidParameter.ParamError");
  viaGet("MaxResults=0x10", "ListUsers", { ...z, MaxResults: "0x10" }, "InvalidParameter");
  viaGet("MaxResults=1e3", "ListUsers", { ...z, MaxResults: "1e3" }, "InvalidParameter");
  viaGet("MaxResults=-0", "ListUsers", { ...z, MaxResults: "-0" }, "InvalidParameter.ParamError");
  viaGet("MaxResults=101", "ListUsers", { ...z, MaxResults: "101" }, "InvalidParameter.ParamError");
  viaGet("Offset=99999999999999999999", "ListUsers", { ...z, Offset: "99999999999999999999" }, "InvalidParameterValue");
  viaGet("TargetUin=99999999999999999999", "ListUserSyncProvisionings", { ...z, TargetUin: "99999999999999999999" }, "InvalidParameterValue");
  viaGet("TargetUin=1.5", "ListTasks", { ...z, TargetUin: "1.5" }, "empty");
  viaGet("MemberUin.0=1.5", "DeleteOrganizationMembers", { "MemberUin.0": "1.5" }, "ResourceNotFound.OrganizationMemberNotExist");
  viaGet("NeedResetPassword=yes", "UpdateUser", { ...z, UserId: t.userId, NeedResetPassword: "yes" }, "InvalidParameter");
  viaGet("MemberUin.0=99999999999999999999", "DeleteOrganizationMembers", { "MemberUin.0": "99999999999999999999" }, "InvalidParameterValue");
  viaGet("MemberUin.0=1e3", "DeleteOrganizationMembers", { "MemberUin.0": "1e3" }, "InvalidParameter");
  viaGet("a list position of 4294967294", "ListUsers", { ...z, "FilterGroups.4294967294": "g-x" }, "InvalidParameterValue");
  viaGet("a list position of 1000", "ListUsers", { ...z, "FilterGroups.1000": "g-x" }, "InvalidParameterValue");
  viaGet("a list position of 999 (sparse: one item)", "ListUsers", { ...z, "FilterGroups.999": "g-x" }, "ok");
  viaGet("a list given as an object", "ListUsers", { ...z, "FilterGroups.a": "g-x" }, "InvalidParameter");
  viaGet("a list and a value at one name", "ListUsers", { ...z, FilterGroups: "g-x", "FilterGroups.0": "g-y" }, "InvalidParameter");
  viaGet("__proto__.polluted", "ListUsers", { ...z, "__proto__.polluted": "yes" }, "UnknownParameter");
  viaGet("constructor.prototype.polluted", "ListUsers", { ...z, "constructor.prototype.polluted": "yes" }, "UnknownParameter");
  viaGet("a nested __proto__", "CreateUserSyncProvisioning", { ...z, "UserSyncProvisionings.0.__proto__.PrincipalId": t.otherUserId }, "UnknownParameter");
  viaGet("MaxResults= 5 (spaces, as a number)", "ListUsers", { ...z, MaxResults: " 5 " }, "ok");
  // The legacy HmacSHA256 form POST flattens like GET.
  const legacy = orgClient(server, t.key, { signMethod: "HmacSHA256" });
  cases.push({ label: "legacy form CreateUser: __proto__.UserName", run: () => outcome(legacy.request("CreateUser", { ...z, UserName: "legacy-user", "__proto__.UserName": "x" })), expect: "UnknownParameter" });
  cases.push({ label: "legacy form ListUsers: MaxResults=1.5", run: () => outcome(legacy.request("ListUsers", { ...z, MaxResults: "1.5" })), expect: "InvalidParameter.ParamError" });
  return cases;
}

// ---- the tests ----

test("every parameter of every action has a rule, and every expected code is documented for its action", () => {
  const missing: string[] = [];
  for (const { product, action, schema } of actionsOf()) {
    assert.ok(DOCUMENTED[`${product}.${action}`], `${product} ${action} has no list of documented codes`);
    for (const f of fields(product, action, schema)) {
      // Structural containers need no rule of their own: their items' fields have them.
      const type = typeOf(f.schema);
      if (type === "object" || type === "array" || type === "boolean") continue;
      if (!f.rule) missing.push(`${product} ${action} ${keyOf(f.path)}`);
    }
  }
  assert.deepEqual(missing, [], "parameters without a rule (add one to RULES: id, name, text, enum, …)");
});

for (const engine of ENGINES) {
  describe(`bad input of every kind, on every Tencent action (${engine})`, () => {
    let w: World;
    let clients: Clients;
    before(async () => {
      const server = await startServer(engine);
      const [a, b] = [await tenant(server, "a"), await tenant(server, "b")];
      w = { server, a, b };
      const described = await orgClient(server, a.key).DescribeOrganizationMembers({ Offset: 0, Limit: 50 });
      memberNames = Object.fromEntries((described.Items ?? []).map((m) => [m.MemberUin!, m.Name!]));
      clients = { organization: { sdk: orgClient(server, a.key), key: a.key }, cam: { sdk: camClient(server, a.memberKey), key: a.memberKey } };
      await quiescent(server);
    });
    after(() => w?.server.close());

    test("parameters: missing, wrong types, unknown, control characters, 100 KB, ranges, enums, names, lists, ids", async (t) => {
      const cases = [...actionsOf().flatMap(({ product, action, schema }) => paramCases(w, product, action, schema)), ...extraCases(w)];
      const undocumented = [...new Set(cases.flatMap((c) => {
        const code = typeof c.expect === "function" ? c.expect(c.params) : c.expect;
        return code === "ok" || code === "empty" || documented(c.product, c.action, code) ? [] : [`${c.product} ${c.action} → ${code}`];
      }))];
      assert.deepEqual(undocumented, [], "expected codes the action does not document");
      t.diagnostic(`${cases.length} cases over ${new Set(cases.map((c) => `${c.product} ${c.action}`)).size} actions`);
      const byCode = new Map<string, number>();
      for (const c of cases) {
        const code = typeof c.expect === "function" ? c.expect(c.params) : c.expect;
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
      }
      t.diagnostic([...byCode].sort((x, y) => y[1] - x[1]).map(([code, n]) => `${code} ${n}`).join(", "));
      report(await sweep(w.server, clients, cases), cases.length);
    });

    test("wire-level garbage: bad JSON, array and string bodies, content types, GET with bad numbers and positions, __proto__", async (t) => {
      const cases = wireCases(w);
      t.diagnostic(`${cases.length} cases`);
      const failures: string[] = [];
      const before = await snapshot(w.server.store);
      for (const c of cases) {
        const why = verdict(c.expect, await c.run());
        if (why) failures.push(`${c.label}: ${why}`);
      }
      if ((await snapshot(w.server.store)) !== before) failures.push("the wire-level cases changed the store");
      assert.equal(({} as Record<string, unknown>).polluted, undefined, "Object.prototype was polluted");
      report(failures, cases.length);
    });

    test("the server still answers normally afterwards", async () => {
      const org = orgClient(w.server, w.a.key);
      assert.equal((await org.GetUser({ ZoneId: w.a.zoneId, UserId: w.a.userId })).UserInfo?.UserId, w.a.userId);
      assert.equal((await camClient(w.server, w.a.memberKey).GetUser({ Name: w.a.camUser })).Name, w.a.camUser);
    });
  });
}
