/**
 * The one schema both engines share, as kysely table types. Times are epoch
 * milliseconds (bigint columns, read back as JS numbers); each dialect formats them.
 */
import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export interface MetaTable {
  key: string;
  value: string;
}

/** Monotonic counters for numeric identifiers (UINs, Uids, organization and node ids). */
export interface SequenceTable {
  name: string;
  value: number;
}

export type AccountKind = "root" | "member";

export interface AccountTable {
  uin: number;
  name: string;
  kind: AccountKind;
  /** The organization that created this account (members made by CreateOrganizationMember). */
  created_by_org: number | null;
  created_at: number;
  /** Exactly how many sub-users the account has; kept by SubUsers in the transaction that changes them. */
  sub_user_count: Generated<number>;
}

export type CredentialStatus = "Enabled" | "Disabled";

export interface CredentialTable {
  secret_id: string;
  /** The account the key acts in. */
  account_uin: number;
  /** Who the key authenticates: the account itself, or one of its sub-users. */
  subject_uin: number;
  /** AES-256-GCM ciphertext of the SecretKey under the master key. */
  secret_key_enc: string;
  status: CredentialStatus;
  created_at: number;
}

export interface OrganizationTable {
  org_id: number;
  manager_uin: number;
  root_node_id: number;
  created_at: number;
  /** 1 once the management account turned the identity-center service on; a directory implies it. */
  directory_service: Generated<number>;
  /** The exact number of members (the management account included), kept by every membership change. */
  member_count: Generated<number>;
}

export interface OrgMemberTable {
  /** An account belongs to at most one organization. */
  member_uin: number;
  org_id: number;
  name: string;
  member_type: "Create" | "Invite";
  node_id: number;
  remark: string;
  policy_type: string;
  /** JSON array of financial permission ids. */
  permission_ids: string;
  /** JSON array of {key, value}. */
  tags: string;
  joined_at: number;
  updated_at: number;
}

export interface SubUserTable {
  uin: number;
  account_uin: number;
  name: string;
  uid: number;
  remark: string;
  console_login: number;
  /** scrypt hash; null when console login was never given a password. */
  password_hash: string | null;
  need_reset_password: number;
  phone_num: string;
  country_code: string;
  email: string;
  created_at: number;
  updated_at: number;
  /**
   * The directory (zone) user this sub-user represents when provisioning manages it;
   * null for sub-users made by hand. Managed sub-users refuse direct edits.
   */
  directory_user_id: string | null;
  /** Free-text description (RAM `Comments`); "" when none. */
  description: Generated<string>;
}

export interface DirectoryTable {
  /** `z-` + 12 characters. */
  directory_id: string;
  org_id: number;
  name: string;
  scim_sync_status: "Enabled" | "Disabled";
  user_count: number;
  group_count: number;
  user_quota: number | null;
  group_quota: number | null;
  group_member_quota: number | null;
  user_group_quota: number | null;
  created_at: number;
  updated_at: number;
  /** Provisioned sub-users' console landing page and session length in hours; null: the defaults. */
  subuser_landing_page: string | null;
  subuser_session_hours: number | null;
  subuser_settings_updated_at: number | null;
}

export type PrincipalOrigin = "Manual" | "Synchronized";
export type UserStatus = "Enabled" | "Disabled";

export interface DirUserTable {
  user_id: string;
  directory_id: string;
  user_name: string;
  first_name: string;
  last_name: string;
  display_name: string;
  description: string;
  /** "" when the user has none. */
  email: string;
  user_status: UserStatus;
  user_type: PrincipalOrigin;
  need_reset_password: number;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  /** The identity provider's id for the user (SCIM `externalId`); null for users made by hand. */
  external_id: string | null;
  /** JSON object: the SCIM attributes the directory has no field for, returned as sent; null when none. */
  scim_attributes: string | null;
}

export interface DirGroupTable {
  group_id: string;
  directory_id: string;
  group_name: string;
  description: string;
  group_type: PrincipalOrigin;
  /** Kept exact by every membership change, in the same transaction. */
  member_count: number;
  created_at: number;
  updated_at: number;
  /** The identity provider's id for the group (SCIM `externalId`); null for groups made by hand. */
  external_id: string | null;
  /** JSON object: the SCIM attributes the directory has no field for; null when none. */
  scim_attributes: string | null;
}

/** A permission configuration (Tencent role configuration, Alibaba access configuration) of a directory. */
export interface AccessConfigurationTable {
  /** `rc-` + 12 characters; the Alibaba door writes it `ac-` + the same 12. */
  configuration_id: string;
  directory_id: string;
  name: string;
  /** `name` lower-cased: unique per directory. */
  name_key: string;
  description: string;
  /** Seconds a signed-in user keeps the role session. */
  session_duration: number;
  /** The console page a sign-in lands on; "" = the console's home. */
  relay_state: string;
  created_at: number;
  updated_at: number;
}

/** A policy a configuration holds: a catalogue system policy, or its inline (custom) document. */
export interface AccessConfigurationPolicyTable {
  configuration_id: string;
  policy_type: "System" | "Inline";
  policy_name: string;
  /** Whose policy language: `cam` (Tencent) or `ram` (Alibaba); for a system policy, whose catalogue. */
  grammar: "cam" | "ram";
  /** A CAM system policy's numeric id; null for RAM policies and inline documents. */
  policy_id: number | null;
  /** The inline document as sent; null for system policies. */
  document: string | null;
  added_at: number;
}

/** A configuration granted to a user or group on an account. */
export interface AccessAssignmentTable {
  assignment_id: string;
  directory_id: string;
  configuration_id: string;
  target_type: "ManagerUin" | "MemberUin";
  target_uin: number;
  principal_type: "User" | "Group";
  principal_id: string;
  created_at: number;
  updated_at: number;
}

/** Deployed (or being deployed, or failed to deploy): where the configuration's role should be. */
export type DeploymentStatus = "Deploying" | "Deployed" | "DeployFailed" | "Removing" | "RemoveFailed";

/** A configuration deployed into an account; `spec` (JSON, core/access/spec.ts) is the role it should have there. */
export interface AccessDeploymentTable {
  deployment_id: string;
  directory_id: string;
  configuration_id: string;
  target_type: "ManagerUin" | "MemberUin";
  target_uin: number;
  spec: string;
  status: DeploymentStatus;
  /** The configuration's policies changed after `spec` was taken: a provision would change the role. */
  redeploy_required: number;
  /** To be undeployed; the reconcile removes the role and then the row. */
  removing: number;
  generation: number;
  reconciled_generation: number;
  /** Why the last reconcile failed ("" when it did not). */
  failure_reason: string;
  created_at: number;
  updated_at: number;
}

export type AccessTaskType = "Provision" | "Deprovision" | "CreateAssignment" | "DeleteAssignment";

export interface AccessTaskTable {
  task_id: string;
  directory_id: string;
  task_type: AccessTaskType;
  status: "InProgress" | "Success" | "Failed";
  failure_reason: string;
  deployment_id: string;
  /** The deployment generation this task waits for. */
  generation: number;
  configuration_id: string;
  configuration_name: string;
  target_type: "ManagerUin" | "MemberUin";
  target_uin: number;
  principal_type: "User" | "Group" | null;
  principal_id: string | null;
  principal_name: string | null;
  created_at: number;
  updated_at: number;
}

/** A role that landed in an account from a deployment (CAM `TencentCloudSSO-<name>`, RAM `AliyunReservedSSO-<name>`). */
export interface AccountRoleTable {
  account_uin: number;
  configuration_id: string;
  directory_id: string;
  /** Numeric, as CAM and RAM role ids are. */
  role_id: string;
  configuration_name: string;
  name_key: string;
  description: string;
  session_duration: number;
  created_at: number;
  updated_at: number;
}

export interface AccountRolePolicyTable {
  account_uin: number;
  configuration_id: string;
  policy_type: "System" | "Inline";
  policy_name: string;
  grammar: "cam" | "ram";
  policy_id: number | null;
  document: string | null;
  attached_at: number;
}

/** The identity provider a directory's deployments need in an account (`TencentReservedSSO-<zone>`, `AliyunReservedSSO-<directory>`). */
export interface AccountSamlProviderTable {
  account_uin: number;
  directory_id: string;
  created_at: number;
  updated_at: number;
}

export interface ScimCredentialTable {
  /** `scimcred-` + random characters. */
  credential_id: string;
  directory_id: string;
  /** Keyed digest (SecretBox.mac) of the bearer secret; the secret itself is never stored. */
  secret_digest: string;
  status: "Enabled" | "Disabled";
  created_at: number;
  expires_at: number;
}

export interface DirUserTagTable {
  user_id: string;
  directory_id: string;
  tag_key: string;
  tag_value: string;
}

export interface DirMembershipTable {
  group_id: string;
  user_id: string;
  directory_id: string;
  joined_at: number;
}

export interface ProvisioningTable {
  provisioning_id: string;
  directory_id: string;
  principal_type: "User" | "Group";
  principal_id: string;
  target_type: "ManagerUin" | "MemberUin";
  target_uin: number;
  duplication_strategy: "KeepBoth" | "TakeOver";
  deletion_strategy: "Delete" | "Keep";
  description: string;
  status: "Enabled" | "Disabled";
  created_at: number;
  updated_at: number;
  /** Appended to a clashing name under KeepBoth: "_cic" (Tencent) or "_sso" (Alibaba). */
  duplicate_suffix: Generated<string>;
  generation: Generated<number>;
  reconciled_generation: Generated<number>;
  /** 1 once deletion was asked for: the reconcile then wants no sub-users, and removes the row when done. */
  deleting: Generated<number>;
  reconciled_at: number | null;
  /** A JSON object of strings: notes a door keeps with the provisioning; the core never reads them. */
  annotations: Generated<string>;
  /** The deletion circuit breaker's threshold for this provisioning: JSON {"count","percent"}, or "off"; null: the server's. */
  deletion_breaker: string | null;
}

/** A deletion the circuit breaker held (core/provisioning/breaker.ts). */
export interface HeldDeletionTable {
  provisioning_id: string;
  user_id: string;
  directory_id: string;
  target_uin: number;
  sub_user_uin: number;
  sub_user_name: string;
  hold_id: string;
  decision: "approved" | "rejected" | null;
  held_at: number;
}

export interface ProvisioningClaimTable {
  provisioning_id: string;
  user_id: string;
  target_uin: number;
  sub_user_uin: number;
  created_at: number;
}

/** The durable queue of dirty keys (a key is a provisioning id); only core/engine/queue.ts touches it. */
export interface ReconcileQueueTable {
  /** An engine key: a provisioning id (`up-`) or a deployment id (`dp-`). */
  work_key: string;
  not_before: number;
  attempts: number;
  leased_until: number | null;
  leased_by: string | null;
  /** When the key gave up; a parked key is not taken until the next mark re-arms it. */
  parked_at: number | null;
  /** Bumped by every mark: a verdict reached while holding the key yields to a mark that arrived meanwhile. */
  marks: number;
}

export type TaskStatus = "InProgress" | "Success" | "Failed";

export interface ProvisioningTaskTable {
  task_id: string;
  directory_id: string;
  provisioning_id: string;
  task_type: "StartProvisioning" | "DeleteProvisioning";
  status: TaskStatus;
  failure_reason: string;
  generation: number;
  principal_type: "User" | "Group";
  principal_id: string;
  principal_name: string;
  target_type: "ManagerUin" | "MemberUin";
  target_uin: number;
  duplication_strategy: "KeepBoth" | "TakeOver";
  deletion_strategy: "Delete" | "Keep";
  created_at: number;
  updated_at: number;
}

export interface ProvisioningEventTable {
  event_id: string;
  directory_id: string;
  provisioning_id: string;
  user_id: string;
  target_uin: number;
  source_type: EventSource;
  error_kind: UnitFailureKind;
  error_info: string;
  error_count: number;
  duplication_override: "KeepBoth" | "TakeOver" | null;
  last_attempt_at: number;
  created_at: number;
  updated_at: number;
}

/** What made a unit run (Alibaba's event SourceType values are these names). */
export type EventSource = "StartProvisioning" | "AddUserToGroup" | "RemoveUserFromGroup" | "DeleteProvisioning";
/**
 * Why a unit could not converge: its name is taken, the account is full, or the target rejects the name;
 * or, for the provisioning as a whole (user_id PROVISIONING_WIDE), its reconcile kept failing and gave up.
 */
export type UnitFailureKind = "name_clash" | "quota" | "name_invalid" | "reconcile_failed" | "deletions_held";

export interface RequestNonceTable {
  key_id: string;
  nonce: string;
  expires_at: number;
}

/** The nonces one serving process accepted, in arrival order (SQLite; see core/replay-guard.ts). */
export interface RequestNonceLogTable {
  seq: Generated<number>;
  key_id: string;
  nonce: string;
  expires_at: number;
}

/** A console session: the keyed digest of its cookie's random token, who it signs in, and its clocks. */
export interface ConsoleSessionTable {
  session_digest: string;
  account_uin: number;
  principal_uin: number;
  /** The API key it was opened with; null when a one-time link opened it. */
  secret_id: string | null;
  created_at: number;
  last_seen_at: number;
  /** The absolute expiry; the idle one is last_seen_at plus the idle timeout. */
  expires_at: number;
}

/** A one-time console sign-in link, by the keyed digest of its token; deleted when used. */
export interface ConsoleLinkTable {
  link_digest: string;
  account_uin: number;
  created_at: number;
  expires_at: number;
}

/** What the decisions of one provisioning transaction share (core/provisioning/timeline.ts). */
export interface TimelineBatchTable {
  batch_seq: Generated<number>;
  at: number;
  directory_id: string;
  provisioning_id: string;
  target_uin: number;
  /** The provisioning's principal and strategies when it decided. */
  principal_type: "User" | "Group";
  principal_id: string;
  principal_name: string;
  duplication_strategy: "KeepBoth" | "TakeOver";
  deletion_strategy: "Delete" | "Keep";
  /** The uins its `created` decisions' sub-users were given (one allocation); null when it created none. */
  created_uin_first: number | null;
  created_uin_last: number | null;
}

export type TimelineDecisionKind = "created" | "adopted" | "reused" | "updated" | "held" | "kept" | "deleted" | "released" | "failed" | "retried";

/** One decision about one directory user's sub-user in the batch's account. */
export interface TimelineDecisionTable {
  /** The batch's batch_seq × 1000 + the decision's place in the batch. */
  seq: number;
  decision: TimelineDecisionKind;
  user_id: string;
  user_name: string;
  /** The sub-user decided about; null when there is none (failed, retried). */
  sub_user_uin: number | null;
  sub_user_name: string | null;
  /** JSON: what the decision needs beyond its columns (a clash, changed attributes, a cause); null when nothing. */
  detail: string | null;
}

/** A serving process, renewed by its heartbeat (src/server/cluster.ts). */
export interface ClusterProcessTable {
  process_id: string;
  started_at: number;
  heartbeat_at: number;
}

export interface Database {
  meta: MetaTable;
  sequences: SequenceTable;
  accounts: AccountTable;
  credentials: CredentialTable;
  organizations: OrganizationTable;
  org_members: OrgMemberTable;
  sub_users: SubUserTable;
  directories: DirectoryTable;
  dir_users: DirUserTable;
  dir_groups: DirGroupTable;
  dir_memberships: DirMembershipTable;
  dir_user_tags: DirUserTagTable;
  scim_credentials: ScimCredentialTable;
  access_configurations: AccessConfigurationTable;
  access_configuration_policies: AccessConfigurationPolicyTable;
  access_assignments: AccessAssignmentTable;
  access_deployments: AccessDeploymentTable;
  access_tasks: AccessTaskTable;
  account_roles: AccountRoleTable;
  account_role_policies: AccountRolePolicyTable;
  account_saml_providers: AccountSamlProviderTable;
  provisionings: ProvisioningTable;
  provisioning_claims: ProvisioningClaimTable;
  reconcile_queue: ReconcileQueueTable;
  provisioning_tasks: ProvisioningTaskTable;
  provisioning_events: ProvisioningEventTable;
  request_nonces: RequestNonceTable;
  request_nonce_log: RequestNonceLogTable;
  cluster_processes: ClusterProcessTable;
  console_sessions: ConsoleSessionTable;
  console_links: ConsoleLinkTable;
  held_deletions: HeldDeletionTable;
  timeline_batches: TimelineBatchTable;
  timeline_decisions: TimelineDecisionTable;
}

export type Account = Selectable<AccountTable>;
export type Credential = Selectable<CredentialTable>;
export type Organization = Selectable<OrganizationTable>;
export type OrgMember = Selectable<OrgMemberTable>;
/** `description` came with migration 006; optional here so that writers which predate it need not name it. */
export type SubUser = Omit<Selectable<SubUserTable>, "description"> & { description?: string };
export type Directory = Selectable<DirectoryTable>;
export type DirUser = Selectable<DirUserTable>;
export type DirGroup = Selectable<DirGroupTable>;
export type ScimCredential = Selectable<ScimCredentialTable>;
export type AccessConfiguration = Selectable<AccessConfigurationTable>;
export type AccessConfigurationPolicy = Selectable<AccessConfigurationPolicyTable>;
export type AccessAssignment = Selectable<AccessAssignmentTable>;
export type AccessDeployment = Selectable<AccessDeploymentTable>;
export type AccessTask = Selectable<AccessTaskTable>;
export type AccountRole = Selectable<AccountRoleTable>;
export type AccountRolePolicy = Selectable<AccountRolePolicyTable>;
export type Provisioning = Selectable<ProvisioningTable>;
export type ProvisioningTask = Selectable<ProvisioningTaskTable>;
export type ProvisioningEvent = Selectable<ProvisioningEventTable>;
export type NewSubUser = Insertable<SubUserTable>;
export type SubUserPatch = Updateable<SubUserTable>;

