/**
 * What the Alibaba door says about its actions beyond the vendor's SDK models (generated/), in one
 * place. The models give every parameter's wire name and type and every answer's fields; they mark
 * nothing required and carry no value rules. So this file holds, per action:
 *
 * - REQUIRED: the parameters the API reference marks required (`Missing{Param}` when absent or empty);
 * - RULES: the value rules the API reference documents that no core rule already enforces: enums
 *   (accepted in any case, passed on as spelled), and limits of the wire itself. Limits the core
 *   enforces (name and description lengths, page sizes, session hours) are the core's alone, so the
 *   door cannot go on refusing what the core has loosened;
 * - REQUEST_ADDITIONS / RESPONSE_ADDITIONS: parameters and answer fields OpenCIC takes or sends that
 *   the pinned vendor model lacks, each with why. scripts/generate-aliyun-schemas.ts merges them into
 *   generated/*.json (marked `x-opencic-addition`), so nothing is dropped silently.
 *
 * This file imports nothing at run time: the generator reads it too.
 */
import type { DELETION_STRATEGIES, DUPLICATION_STRATEGIES, PRINCIPAL_TYPES } from "../../core/provisioning/provisionings.js";
import type { PrincipalOrigin, UserStatus } from "../../core/directory/views.js";
import type { PolicyType, TaskStatus } from "../../core/access/views.js";

export type Product = "cloudsso" | "ram" | "resourcemanager" | "ims";

export const STATUSES = ["Enabled", "Disabled"] as const satisfies readonly UserStatus[];
export const PROVISION_TYPES = ["Manual", "Synchronized"] as const satisfies readonly PrincipalOrigin[];
export const PRINCIPAL_TYPE_VALUES = ["User", "Group"] as const satisfies typeof PRINCIPAL_TYPES;
export const DUPLICATION_STRATEGY_VALUES = ["KeepBoth", "TakeOver"] as const satisfies typeof DUPLICATION_STRATEGIES;
export const DELETION_STRATEGY_VALUES = ["Delete", "Keep"] as const satisfies typeof DELETION_STRATEGIES;
export const PERMISSION_POLICY_TYPES = ["System", "Inline"] as const satisfies readonly PolicyType[];
/** The one status notification CloudSSO documents (a configuration whose provisionings need redoing). */
export const STATUS_NOTIFICATIONS = ["ReprovisionRequired"] as const;
/** CloudSSO's only provisioning target type: a resource-directory member account (the management account included). */
export const TARGET_TYPES = ["RD-Account"] as const;
/** A provisioning's documented statuses (ListAccessConfigurationProvisionings' filter and answer). */
export const PROVISIONING_STATUSES = ["Provisioned", "ReprovisionRequired", "DeprovisionFailed"] as const;
/** What removing an access assignment does to the provisioning it used. */
export const DEPROVISION_STRATEGY_VALUES = ["DeprovisionForLastAccessAssignmentOnAccount", "None"] as const;
export const TASK_TYPES = ["ProvisionAccessConfiguration", "DeprovisionAccessConfiguration", "CreateAccessAssignment", "DeleteAccessAssignment"] as const;
export const TASK_STATUS_VALUES = ["InProgress", "Success", "Failed"] as const satisfies readonly TaskStatus[];
/** RAM's two policy types: Alibaba's own (system) and the account's (custom). */
export const RAM_POLICY_TYPES = ["System", "Custom"] as const;
/** The three lists CloudSSO pages by at most 20 (access spec §3.0); the core allows 100. */
const PAGE_OF_20: Rule = { min: 1, max: 20 };

/** Parameters each action requires, by wire name. */
export const REQUIRED = {
  cloudsso: {
    GetDirectory: ["DirectoryId"],
    UpdateDirectory: ["DirectoryId", "NewDirectoryName"],
    DeleteDirectory: ["DirectoryId"],
    GetDirectoryStatistics: ["DirectoryId"],
    CreateGroup: ["DirectoryId", "GroupName"],
    GetGroup: ["DirectoryId", "GroupId"],
    ListGroups: ["DirectoryId"],
    UpdateGroup: ["DirectoryId", "GroupId"],
    DeleteGroup: ["DirectoryId", "GroupId"],
    AddUserToGroup: ["DirectoryId", "GroupId", "UserId"],
    RemoveUserFromGroup: ["DirectoryId", "GroupId", "UserId"],
    ListGroupMembers: ["DirectoryId", "GroupId"],
    CreateUser: ["DirectoryId", "UserName"],
    GetUser: ["DirectoryId", "UserId"],
    GetUserId: ["DirectoryId", "ExternalId"],
    ListUsers: ["DirectoryId"],
    UpdateUser: ["DirectoryId", "UserId"],
    UpdateUserStatus: ["DirectoryId", "UserId", "NewStatus"],
    ResetUserPassword: ["DirectoryId", "UserId"],
    DeleteUser: ["DirectoryId", "UserId"],
    ListJoinedGroupsForUser: ["DirectoryId", "UserId"],
    CreateUserProvisioning: ["DirectoryId", "PrincipalId", "PrincipalType", "TargetId", "TargetType", "DuplicationStrategy", "DeletionStrategy"],
    GetUserProvisioning: ["DirectoryId", "UserProvisioningId"],
    ListUserProvisionings: ["DirectoryId"],
    UpdateUserProvisioning: ["DirectoryId", "UserProvisioningId"],
    DeleteUserProvisioning: ["DirectoryId", "UserProvisioningId"],
    GetUserProvisioningConfiguration: ["DirectoryId"],
    UpdateUserProvisioningConfiguration: ["DirectoryId"],
    GetUserProvisioningStatistics: ["DirectoryId", "UserProvisioningId"],
    GetUserProvisioningRdAccountStatistics: ["DirectoryId", "RdMemberId"],
    ListUserProvisioningEvents: ["DirectoryId"],
    GetUserProvisioningEvent: ["DirectoryId", "EventId"],
    RetryUserProvisioningEvent: ["DirectoryId", "EventId", "DuplicationStrategy"],
    DeleteUserProvisioningEvent: ["DirectoryId", "EventId", "UserProvisioningId"],
    CreateSCIMServerCredential: ["DirectoryId"],
    ListSCIMServerCredentials: ["DirectoryId"],
    UpdateSCIMServerCredentialStatus: ["DirectoryId", "CredentialId", "NewStatus"],
    DeleteSCIMServerCredential: ["DirectoryId", "CredentialId"],
    GetSCIMSynchronizationStatus: ["DirectoryId"],
    SetSCIMSynchronizationStatus: ["DirectoryId", "SCIMSynchronizationStatus"],
    CreateAccessConfiguration: ["DirectoryId", "AccessConfigurationName"],
    GetAccessConfiguration: ["DirectoryId", "AccessConfigurationId"],
    ListAccessConfigurations: ["DirectoryId"],
    UpdateAccessConfiguration: ["DirectoryId", "AccessConfigurationId"],
    DeleteAccessConfiguration: ["DirectoryId", "AccessConfigurationId"],
    AddPermissionPolicyToAccessConfiguration: ["DirectoryId", "AccessConfigurationId", "PermissionPolicyType", "PermissionPolicyName"],
    RemovePermissionPolicyFromAccessConfiguration: ["DirectoryId", "AccessConfigurationId", "PermissionPolicyType", "PermissionPolicyName"],
    UpdateInlinePolicyForAccessConfiguration: ["DirectoryId", "AccessConfigurationId", "InlinePolicyName", "NewInlinePolicyDocument"],
    ListPermissionPoliciesInAccessConfiguration: ["DirectoryId", "AccessConfigurationId"],
    ProvisionAccessConfiguration: ["DirectoryId", "AccessConfigurationId", "TargetType", "TargetId"],
    DeprovisionAccessConfiguration: ["DirectoryId", "AccessConfigurationId", "TargetType", "TargetId"],
    ListAccessConfigurationProvisionings: ["DirectoryId"],
    CreateAccessAssignment: ["DirectoryId", "AccessConfigurationId", "TargetType", "TargetId", "PrincipalType", "PrincipalId"],
    DeleteAccessAssignment: ["DirectoryId", "AccessConfigurationId", "TargetType", "TargetId", "PrincipalType", "PrincipalId"],
    ListAccessAssignments: ["DirectoryId"],
    GetTask: ["DirectoryId", "TaskId"],
    GetTaskStatus: ["DirectoryId", "TaskId"],
    ListTasks: ["DirectoryId"],
  },
  ram: {
    CreateUser: ["UserName"],
    GetUser: ["UserName"],
    UpdateUser: ["UserName"],
    DeleteUser: ["UserName"],
    GetRole: ["RoleName"],
    ListPoliciesForRole: ["RoleName"],
    GetPolicy: ["PolicyName", "PolicyType"],
    UpdateRole: ["RoleName"],
    DeleteRole: ["RoleName"],
    AttachPolicyToRole: ["PolicyType", "PolicyName", "RoleName"],
    DetachPolicyFromRole: ["PolicyType", "PolicyName", "RoleName"],
    DeletePolicy: ["PolicyName"],
    CreatePolicyVersion: ["PolicyName", "PolicyDocument"],
    DeletePolicyVersion: ["PolicyName", "VersionId"],
    SetDefaultPolicyVersion: ["PolicyName", "VersionId"],
  },
  ims: {
    GetSAMLProvider: ["SAMLProviderName"],
    UpdateSAMLProvider: ["SAMLProviderName"],
    DeleteSAMLProvider: ["SAMLProviderName"],
  },
  resourcemanager: {
    EnableResourceDirectory: ["EnableMode"],
    CreateResourceAccount: ["DisplayName"],
    GetAccount: ["AccountId"],
  },
} as const satisfies Record<Product, Record<string, readonly string[]>>;

/** A documented rule on one parameter's value. */
export interface Rule {
  /** Accepted case-insensitively; the handler gets the value as the client spelled it. */
  enum?: readonly string[];
  /** Characters (code points) of a text value. */
  maxLength?: number;
  /** Bounds of an integer. */
  min?: number;
  max?: number;
}

/** Rules by product, action and wire name. */
export const RULES: Record<Product, Record<string, Record<string, Rule>>> = {
  cloudsso: {
    ListGroups: { ProvisionType: { enum: PROVISION_TYPES } },
    CreateUser: { Status: { enum: STATUSES } },
    ListUsers: { ProvisionType: { enum: PROVISION_TYPES }, Status: { enum: STATUSES } },
    UpdateUserStatus: { NewStatus: { enum: STATUSES } },
    CreateUserProvisioning: {
      PrincipalType: { enum: PRINCIPAL_TYPE_VALUES },
      TargetType: { enum: TARGET_TYPES },
      DuplicationStrategy: { enum: DUPLICATION_STRATEGY_VALUES },
      DeletionStrategy: { enum: DELETION_STRATEGY_VALUES },
    },
    ListUserProvisionings: { PrincipalType: { enum: PRINCIPAL_TYPE_VALUES }, TargetType: { enum: TARGET_TYPES } },
    UpdateUserProvisioning: { NewDuplicationStrategy: { enum: DUPLICATION_STRATEGY_VALUES }, NewDeletionStrategy: { enum: DELETION_STRATEGY_VALUES } },
    DeleteUserProvisioning: { DeletionStrategy: { enum: DELETION_STRATEGY_VALUES } },
    RetryUserProvisioningEvent: { DuplicationStrategy: { enum: DUPLICATION_STRATEGY_VALUES } },
    UpdateSCIMServerCredentialStatus: { NewStatus: { enum: STATUSES } },
    SetSCIMSynchronizationStatus: { SCIMSynchronizationStatus: { enum: STATUSES } },
    // CloudSSO's own limit on names (the core allows Tencent's 128): the role AliyunReservedSSO-<name> must fit RAM's 64.
    CreateAccessConfiguration: { AccessConfigurationName: { maxLength: 32 } },
    ListAccessConfigurations: { StatusNotifications: { enum: STATUS_NOTIFICATIONS } },
    AddPermissionPolicyToAccessConfiguration: { PermissionPolicyType: { enum: PERMISSION_POLICY_TYPES } },
    RemovePermissionPolicyFromAccessConfiguration: { PermissionPolicyType: { enum: PERMISSION_POLICY_TYPES } },
    ListPermissionPoliciesInAccessConfiguration: { PermissionPolicyType: { enum: PERMISSION_POLICY_TYPES } },
    ProvisionAccessConfiguration: { TargetType: { enum: TARGET_TYPES } },
    DeprovisionAccessConfiguration: { TargetType: { enum: TARGET_TYPES } },
    ListAccessConfigurationProvisionings: { TargetType: { enum: TARGET_TYPES }, ProvisioningStatus: { enum: PROVISIONING_STATUSES }, MaxResults: PAGE_OF_20 },
    CreateAccessAssignment: { TargetType: { enum: TARGET_TYPES }, PrincipalType: { enum: PRINCIPAL_TYPE_VALUES } },
    DeleteAccessAssignment: { TargetType: { enum: TARGET_TYPES }, PrincipalType: { enum: PRINCIPAL_TYPE_VALUES }, DeprovisionStrategy: { enum: DEPROVISION_STRATEGY_VALUES } },
    ListAccessAssignments: { TargetType: { enum: TARGET_TYPES }, PrincipalType: { enum: PRINCIPAL_TYPE_VALUES }, MaxResults: PAGE_OF_20 },
    ListTasks: { TargetType: { enum: TARGET_TYPES }, PrincipalType: { enum: PRINCIPAL_TYPE_VALUES }, Status: { enum: TASK_STATUS_VALUES }, TaskType: { enum: TASK_TYPES }, MaxResults: PAGE_OF_20 },
  },
  ram: {
    // RAM documents 128 characters for both; the sub-user's remark (CAM) may be longer.
    CreateUser: { DisplayName: { maxLength: 128 } },
    UpdateUser: { NewDisplayName: { maxLength: 128 } },
    // The door pages roles itself (an account has few): RAM's documented bounds.
    ListRoles: { MaxItems: { min: 1, max: 1000 } },
    // RAM's documented range; the deployed roles refuse the change anyway.
    UpdateRole: { NewMaxSessionDuration: { min: 3600, max: 43200 } },
    GetPolicy: { PolicyType: { enum: RAM_POLICY_TYPES } },
    AttachPolicyToRole: { PolicyType: { enum: RAM_POLICY_TYPES } },
    DetachPolicyFromRole: { PolicyType: { enum: RAM_POLICY_TYPES } },
  },
  ims: {
    ListSAMLProviders: { MaxItems: { min: 1, max: 100 } },
  },
  resourcemanager: {
    // Only the calling account can become the management account here: OpenCIC creates no new sign-in accounts.
    EnableResourceDirectory: { EnableMode: { enum: ["CurrentAccount"] } },
    // The door pages ListAccounts itself (the core lists every member).
    ListAccounts: { PageNumber: { min: 1 }, PageSize: { min: 1, max: 100 } },
  },
};

/** A field's type, as JSON Schema. */
export type FieldSchema = { type: "string" | "number" | "boolean" } | { type: "array"; items: FieldSchema } | { type: "object"; properties: Record<string, FieldSchema> };

/** Fields added to a vendor model: `at` is the path to the object that gets them (`A.B`, `[]` for a list's items, "" for the top). */
export interface Addition {
  at: string;
  fields: Record<string, FieldSchema>;
  why: string;
}

export const REQUEST_ADDITIONS: Partial<Record<Product, Record<string, Addition[]>>> = {
  resourcemanager: {
    ListAccounts: [{ at: "", fields: { QueryKeyword: { type: "string" } }, why: "documented by the ListAccounts API reference (a search by account id or name); the pinned SDK model lacks it" }],
  },
};

const EVENT_FOR_TERRAFORM: Addition["fields"] = { Content: { type: "string" }, GmtCreate: { type: "string" }, GmtModified: { type: "string" }, GmtLastExec: { type: "string" } };
const EVENT_WHY = "the Terraform data source reads the event as Content, GmtCreate, GmtModified and GmtLastExec (spec §3.1 caveat); both name sets are sent";
const DIRECTORY_SCIM: Addition["fields"] = { SCIMSyncStatus: { type: "string" } };
const DIRECTORY_WHY = "OpenCIC shows whether the directory's SCIM synchronization is on (GetSCIMSynchronizationStatus's value) with the directory, as the Tencent door's zone carries ScimSyncStatus";

const TAGS: FieldSchema = { type: "array", items: { type: "object", properties: { Key: { type: "string" }, Value: { type: "string" } } } };

export const RESPONSE_ADDITIONS: Partial<Record<Product, Record<string, Addition[]>>> = {
  cloudsso: {
    UpdateUser: [{ at: "User", fields: { Tags: TAGS }, why: "UpdateUser answers the user as CreateUser and GetUser do, tags included; the SDK's UpdateUser model alone lacks Tags" }],
    CreateDirectory: [{ at: "Directory", fields: DIRECTORY_SCIM, why: DIRECTORY_WHY }],
    GetDirectory: [{ at: "Directory", fields: DIRECTORY_SCIM, why: DIRECTORY_WHY }],
    UpdateDirectory: [{ at: "Directory", fields: DIRECTORY_SCIM, why: DIRECTORY_WHY }],
    ListDirectories: [{ at: "Directories.[]", fields: DIRECTORY_SCIM, why: DIRECTORY_WHY }],
    GetUserProvisioningEvent: [{ at: "UserProvisioningEvent", fields: EVENT_FOR_TERRAFORM, why: EVENT_WHY }],
    ListUserProvisioningEvents: [{ at: "UserProvisioningEvents.[]", fields: EVENT_FOR_TERRAFORM, why: EVENT_WHY }],
  },
};
