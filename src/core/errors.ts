/**
 * Neutral error catalogue. The core raises these; each wire dialect maps a
 * reason to its own vendor code in one table (dialects/<vendor>/errors.ts).
 * Reasons name what went wrong in OpenCIC's terms, never in a vendor's.
 */

/** Error classes: a dialect may use them for a default code or HTTP status. */
export type ErrorKind =
  | "invalid" // the caller sent something wrong
  | "not_found"
  | "conflict" // uniqueness or state clash
  | "forbidden" // authenticated, not allowed
  | "limit" // a quota is reached
  | "throttled"
  | "auth" // authentication failed
  | "internal";

export const REASONS = {
  // request shape (raised by dialect parsers, mapped like any other)
  "request.missing_parameter": "invalid",
  "request.unknown_parameter": "invalid",
  "request.invalid_type": "invalid",
  "request.invalid_value": "invalid",
  "request.too_large": "invalid",
  "request.unsupported_action": "invalid",
  "request.unknown_action": "invalid",
  "request.unknown_version": "invalid",
  // authentication
  "auth.malformed": "auth",
  "auth.expired": "auth",
  "auth.unknown_key": "auth",
  "auth.bad_signature": "auth",
  "auth.not_permitted": "forbidden",
  "auth.timestamp_malformed": "auth",
  "auth.nonce_used": "auth",
  "throttled": "throttled",
  // organization
  "organization.not_found": "not_found",
  "organization.already_member": "conflict",
  "organization.created_member_cannot_create": "forbidden",
  "organization.not_manager": "forbidden",
  "organization.not_empty": "conflict",
  "organization.manager_cannot_leave": "forbidden",
  "organization.member_not_found": "not_found",
  "organization.member_name_taken": "conflict",
  "organization.member_name_invalid": "invalid",
  "organization.member_quota": "limit",
  "organization.node_not_found": "not_found",
  "organization.policy_invalid": "invalid",
  "organization.permission_invalid": "invalid",
  "organization.tag_invalid": "invalid",
  "organization.member_has_dependents": "conflict",
  // sub-users (CAM users / RAM users) of an account
  "subuser.name_invalid": "invalid",
  "subuser.field_invalid": "invalid",
  "subuser.name_taken": "conflict",
  "subuser.not_found": "not_found",
  "subuser.quota": "limit",
  "subuser.password_weak": "invalid",
  "subuser.has_keys": "conflict",
  "subuser.managed": "forbidden",
  // identity-center directory (Tencent zone, Alibaba directory)
  "directory.no_organization": "forbidden",
  "directory.not_manager": "forbidden",
  "directory.not_open": "not_found",
  "directory.already_open": "conflict",
  "directory.service_in_use": "conflict",
  "directory.has_users": "conflict",
  "directory.has_groups": "conflict",
  "directory.has_scim_credentials": "conflict",
  "directory.not_found": "not_found",
  "directory.name_invalid": "invalid",
  "directory.name_taken": "conflict",
  "directory.field_invalid": "invalid",
  "directory.user_not_found": "not_found",
  "directory.user_name_invalid": "invalid",
  "directory.user_name_taken": "conflict",
  "directory.email_taken": "conflict",
  "directory.user_quota": "limit",
  "directory.user_in_group": "conflict",
  "directory.password_weak": "invalid",
  "directory.principal_provisioned": "conflict",
  "directory.group_not_found": "not_found",
  "directory.group_name_invalid": "invalid",
  "directory.group_name_taken": "conflict",
  "directory.group_quota": "limit",
  "directory.group_has_members": "conflict",
  "directory.member_exists": "conflict",
  "directory.member_not_found": "not_found",
  "directory.group_full": "limit",
  "directory.user_groups_full": "limit",
  "directory.type_mismatch": "conflict",
  "paging.token_invalid": "invalid",
  // SCIM credentials and the synchronization switch
  "scim.credential_not_found": "not_found",
  "scim.credential_quota": "limit",
  "scim.credential_invalid": "auth",
  "scim.sync_disabled": "forbidden",
  "scim.credential_status_invalid": "invalid",
  "scim.sync_status_invalid": "invalid",
  // who may change a directory object (core/directory/ownership.ts): while the directory's SCIM
  // synchronization is on, what it synchronized is the identity provider's; what was made by hand is
  // never the synchronization's
  "ownership.synchronized_user_update": "conflict",
  "ownership.synchronized_user_delete": "conflict",
  "ownership.synchronized_group_update": "conflict",
  "ownership.synchronized_group_delete": "conflict",
  "ownership.synchronized_group_add_member": "conflict",
  "ownership.synchronized_group_remove_member": "conflict",
  "ownership.manual_user_update": "conflict",
  "ownership.manual_user_delete": "conflict",
  "ownership.manual_group_update": "conflict",
  "ownership.manual_group_delete": "conflict",
  // provisioning (Tencent user sync provisioning, Alibaba user provisioning)
  "provisioning.not_found": "not_found",
  "provisioning.already_exists": "conflict",
  "provisioning.target_not_member": "not_found",
  "provisioning.task_not_found": "not_found",
  "provisioning.event_not_found": "not_found",
  "provisioning.quota": "limit",
  "provisioning.batch_too_large": "limit",
  "provisioning.deleting": "conflict",
  // the deletion circuit breaker's held sets
  "provisioning.hold_not_found": "not_found",
  "provisioning.hold_replaced": "conflict",
  // permission configurations (Tencent role configurations, Alibaba access configurations) and their policies
  "access.configuration_not_found": "not_found",
  "access.configuration_name_invalid": "invalid",
  "access.configuration_name_taken": "conflict",
  "access.configuration_quota": "limit",
  "access.configuration_has_policies": "conflict",
  "access.field_invalid": "invalid",
  "access.system_policy_unknown": "not_found",
  "access.policy_not_found": "not_found",
  "access.policy_already_attached": "conflict",
  "access.policy_name_invalid": "invalid",
  "access.policy_name_too_long": "invalid",
  "access.policy_document_missing": "invalid",
  "access.policy_document_invalid": "invalid",
  "access.policy_not_inline": "invalid",
  "access.system_policy_quota": "limit",
  "access.inline_policy_quota": "limit",
  "directory.has_access_configurations": "conflict",
  "directory.principal_assigned": "conflict",
  "access.configuration_deployed": "conflict",
  "access.configuration_assigned": "conflict",
  "access.selection_needs_targets": "invalid",
  // assignments, deployments and their tasks
  "access.assignment_exists": "conflict",
  "access.assignment_not_found": "not_found",
  "access.assignment_batch_too_large": "limit",
  "access.target_not_member": "not_found",
  "access.deployment_not_found": "not_found",
  "access.deployment_has_assignments": "conflict",
  "access.deployment_busy": "conflict",
  "access.task_not_found": "not_found",
  // what deployments landed in an account, as the account's own key sees it
  "account.role_not_found": "not_found",
  "account.saml_provider_not_found": "not_found",
  "account.managed_by_identity_center": "forbidden",
  // emulator controls (a server started with --emulator)
  "emulator.disabled": "not_found",
  "emulator.fault_not_found": "not_found",
  "emulator.not_root": "forbidden",
  // An error an emulator fault rule answers with: it always carries its wire code (CoreError.wire).
  "emulator.injected": "internal",
  "emulator.snapshot_not_found": "not_found",
  "value.invalid": "invalid",
  "value.missing": "invalid",
  "internal": "internal",
} as const satisfies Record<string, ErrorKind>;

export type Reason = keyof typeof REASONS;

/**
 * A wire code every door renders as it is, in its own envelope, instead of the one its table gives
 * the reason: what an emulator fault rule asks for (`InternalError` with 500, `ResourceUnavailable.X`).
 * `status` is the HTTP status of the doors that carry one (Alibaba, native, SCIM; Tencent answers 200).
 */
export interface WireOverride {
  code: string;
  status: number;
}

export class CoreError extends Error {
  readonly kind: ErrorKind;
  constructor(
    readonly reason: Reason,
    message: string,
    /** The request field at fault, in the dialect's own spelling when a dialect raised it. */
    readonly field?: string,
    /** Set only for injected faults: the code and status every door answers with. */
    readonly wire?: WireOverride,
  ) {
    super(message);
    this.name = "CoreError";
    this.kind = REASONS[reason];
  }
}

export const fail = (reason: Reason, message: string, field?: string): never => {
  throw new CoreError(reason, message, field);
};
