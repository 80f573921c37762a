/** The one table that turns neutral core reasons into Tencent Cloud API 3.0 error codes. */
import { CoreError, type Reason } from "../../core/errors.js";

const CODES: Record<Reason, string> = {
  "request.missing_parameter": "MissingParameter",
  "request.unknown_parameter": "UnknownParameter",
  "request.invalid_type": "InvalidParameter",
  "request.invalid_value": "InvalidParameterValue",
  "request.too_large": "RequestSizeLimitExceeded",
  "request.unsupported_action": "UnsupportedOperation",
  "request.unknown_action": "InvalidAction",
  "request.unknown_version": "NoSuchVersion",
  "auth.malformed": "AuthFailure.InvalidAuthorization",
  "auth.expired": "AuthFailure.SignatureExpire",
  "auth.unknown_key": "AuthFailure.SecretIdNotFound",
  "auth.bad_signature": "AuthFailure.SignatureFailure",
  "auth.not_permitted": "AuthFailure.UnauthorizedOperation",
  "auth.timestamp_malformed": "AuthFailure.InvalidAuthorization",
  "auth.nonce_used": "AuthFailure.InvalidAuthorization",
  throttled: "RequestLimitExceeded",
  "organization.not_found": "ResourceNotFound.OrganizationNotExist",
  "organization.already_member": "FailedOperation.OrganizationExistAlready",
  "organization.created_member_cannot_create": "UnsupportedOperation.CreateMemberNotAllowCreateOrganization",
  "organization.not_manager": "UnauthorizedOperation",
  "organization.not_empty": "FailedOperation.OrganizationNotEmpty",
  "organization.manager_cannot_leave": "FailedOperation.DisableQuitSelfCreatedOrganization",
  "organization.member_not_found": "ResourceNotFound.OrganizationMemberNotExist",
  "organization.member_name_taken": "FailedOperation.OrganizationMemberNameUsed",
  "organization.member_name_invalid": "InvalidParameter",
  "organization.member_quota": "LimitExceeded.OrganizationMemberOverLimit",
  "organization.node_not_found": "ResourceNotFound.OrganizationNodeNotExist",
  "organization.policy_invalid": "FailedOperation.OrganizationPolicyIllegal",
  "organization.permission_invalid": "FailedOperation.OrganizationPermissionIllegal",
  "organization.tag_invalid": "InvalidParameter.TagError",
  "organization.member_has_dependents": "FailedOperation.MemberShareResource",
  "subuser.name_invalid": "InvalidParameter.UserNameIllegal",
  "subuser.field_invalid": "InvalidParameter.ParamError",
  "subuser.name_taken": "InvalidParameter.SubUserNameInUse",
  "subuser.not_found": "ResourceNotFound.UserNotExist",
  "subuser.quota": "InvalidParameter.SubUserFull",
  "subuser.password_weak": "InvalidParameter.PasswordViolatedRules",
  "subuser.has_keys": "OperationDenied.HaveKeys",
  "subuser.managed": "FailedOperation.Unmodifiable",
  "directory.no_organization": "FailedOperation.IdentityCenterOrganizationNotOpen",
  "directory.not_manager": "FailedOperation.IdentityCenterNotOrganizationManager",
  "directory.not_open": "FailedOperation.IdentityCenterNotOpen",
  "directory.already_open": "FailedOperation.IdentityCenterAlreadyOpen",
  // Raised only by actions Tencent lacks (disabling the service, deleting a zone, resetting a password).
  "directory.service_in_use": "FailedOperation",
  "directory.has_users": "FailedOperation",
  "directory.has_groups": "FailedOperation",
  "directory.has_scim_credentials": "FailedOperation",
  "directory.password_weak": "InvalidParameter.ParamError",
  "directory.not_found": "FailedOperation.ZoneIdNotExist",
  "directory.name_invalid": "InvalidParameterValue.ZoneNameFormatError",
  "directory.name_taken": "InvalidParameterValue.IdentityCenterZoneNameAlreadyExist",
  "directory.field_invalid": "InvalidParameter.ParamError",
  "directory.user_not_found": "ResourceNotFound.UserNotExist",
  "directory.user_name_invalid": "InvalidParameter.UsernameFormatError",
  "directory.user_name_taken": "InvalidParameter.UsernameAlreadyExists",
  "directory.email_taken": "InvalidParameter.EmailAlreadyExists",
  "directory.user_quota": "FailedOperation.UserOverUpperLimit",
  "directory.user_in_group": "InvalidParameter.UserAlreadyExistsGroup",
  "directory.principal_provisioned": "FailedOperation.UserProvisioningExists",
  "directory.group_not_found": "InvalidParameter.GroupNotExist",
  "directory.group_name_invalid": "InvalidParameter.GroupNameFormatError",
  "directory.group_name_taken": "InvalidParameter.GroupNameAlreadyExists",
  "directory.group_quota": "FailedOperation.GroupOverUpperLimit",
  "directory.group_has_members": "FailedOperation.DeleteGroupNotAllowExistUser",
  "directory.member_exists": "InvalidParameter.GroupUserAlreadyExists",
  "directory.member_not_found": "InvalidParameter.GroupUserNotExist",
  "directory.group_full": "FailedOperation.GroupUserCountOverUpperLimit",
  "directory.user_groups_full": "FailedOperation.UserAddGroupCountOverUpperLimit",
  "directory.type_mismatch": "FailedOperation.GroupTypeUserTypeNotMatch",
  "scim.credential_not_found": "InvalidParameter.ScimCredentialNotFound",
  "scim.credential_quota": "LimitExceeded.ScimCredentialLimitExceeded",
  "scim.credential_invalid": "AuthFailure",
  "scim.sync_disabled": "FailedOperation",
  "scim.credential_status_invalid": "InvalidParameter.UserScimCredentialStatusError",
  "scim.sync_status_invalid": "InvalidParameter.ScimSyncStatusError",
  "ownership.synchronized_user_update": "FailedOperation.SynchronizedUserNotUpdate",
  "ownership.synchronized_user_delete": "FailedOperation.SynchronizedUserNotDelete",
  "ownership.synchronized_group_update": "FailedOperation.SynchronizedGroupNotUpdate",
  "ownership.synchronized_group_delete": "FailedOperation.SynchronizedGroupNotDelete",
  "ownership.synchronized_group_add_member": "FailedOperation.SynchronizedGroupNotAddUser",
  "ownership.synchronized_group_remove_member": "FailedOperation.SynchronizedGroupNotRemoveUser",
  "ownership.manual_user_update": "FailedOperation.ManualUserNotUpdate",
  "ownership.manual_user_delete": "FailedOperation.ManualUserNotDelete",
  "ownership.manual_group_update": "FailedOperation.ManualGroupNotUpdate",
  "ownership.manual_group_delete": "FailedOperation.ManualGroupNotDelete",
  "paging.token_invalid": "InvalidParameter.NextTokenInvalid",
  "provisioning.not_found": "ResourceNotFound.UserProvisioningNotFound",
  "provisioning.already_exists": "FailedOperation.UserProvisioningAlreadyExists",
  "provisioning.target_not_member": "FailedOperation.OrganizationMemberNotExist",
  "provisioning.task_not_found": "ResourceNotFound.UserProvisioningTaskNotFound",
  "provisioning.event_not_found": "ResourceNotFound.UserProvisioningTaskNotFound",
  "provisioning.quota": "FailedOperation.UserProvisioningOverLimit",
  "provisioning.batch_too_large": "LimitExceeded.CreateUserSyncProvisioningLimitExceeded",
  "provisioning.deleting": "FailedOperation.UserProvisioningFailed",
  // The circuit breaker is OpenCIC's own (native API); no Tencent action raises these.
  "provisioning.hold_not_found": "ResourceNotFound",
  "provisioning.hold_replaced": "FailedOperation",
  "access.configuration_not_found": "InvalidParameter.RoleConfigurationNotExist",
  "access.configuration_name_invalid": "InvalidParameter.ConfigurationNameFormatError",
  "access.configuration_name_taken": "InvalidParameter.ConfigurationNameAlreadyExists",
  "access.configuration_quota": "FailedOperation.ConfigurationOverUpperLimit",
  "access.configuration_has_policies": "InvalidParameter.RolePolicyAlreadyExist",
  "access.field_invalid": "InvalidParameter.ParamError",
  // Tencent lists no code of its own for an unknown system policy (spec §2.2).
  "access.system_policy_unknown": "InvalidParameter.ParamError",
  "access.policy_not_found": "InvalidParameter.RolePolicyNotExist",
  "access.policy_already_attached": "InvalidParameter.PolicyNameAlreadyExists",
  "access.policy_name_invalid": "InvalidParameter.ParamError",
  "access.policy_name_too_long": "InvalidParameter.PolicyNameSizeOverUpperLimit",
  "access.policy_document_missing": "InvalidParameter.PolicyDocumentEmpty",
  "access.policy_document_invalid": "InvalidParameter.ParamError",
  "access.policy_not_inline": "InvalidParameter.PolicyTypeError",
  "access.system_policy_quota": "FailedOperation.SystemPolicyOverUpperLimit",
  "access.inline_policy_quota": "FailedOperation.CustomPolicyOverUpperLimit",
  // Raised only by DeleteDirectory, which Tencent lacks.
  "directory.has_access_configurations": "FailedOperation",
  "directory.principal_assigned": "FailedOperation.RoleConfigurationAuthorizationExist",
  "access.configuration_deployed": "FailedOperation.RoleConfigurationProvisioningAlreadyDeployed",
  "access.configuration_assigned": "FailedOperation.RoleConfigurationAuthorizationExist",
  "access.selection_needs_targets": "InvalidParameter.ParamError",
  "access.assignment_exists": "FailedOperation.RoleConfigurationAuthorizationAlreadyExist",
  "access.assignment_not_found": "ResourceNotFound.RoleConfigurationAuthorizationNotFound",
  "access.assignment_batch_too_large": "LimitExceeded.CreateRoleAssignmentLimitExceeded",
  "access.target_not_member": "FailedOperation.OrganizationMemberNotExist",
  "access.deployment_not_found": "ResourceNotFound.RoleConfigurationProvisioningNotFound",
  "access.deployment_has_assignments": "FailedOperation.RoleConfigurationAuthorizationExist",
  // Documented for DismantleRoleConfiguration ("deployment status error"): a task is still running on it.
  "access.deployment_busy": "FailedOperation.RoleConfigurationProvisioningStatusError",
  "access.task_not_found": "ResourceNotFound.RoleConfigurationTaskNotFound",
  "account.role_not_found": "InvalidParameter.RoleNotExist",
  "account.saml_provider_not_found": "ResourceNotFound.IdentityNotExist",
  // CAM lists it (without a description) for changes to an identity center's SAML provider; the door names others per action.
  "account.managed_by_identity_center": "FailedOperation.CICIdentityForbidden",
  // Emulator controls are native-API routes; no Tencent action raises this.
  "emulator.disabled": "UnsupportedOperation",
  "emulator.fault_not_found": "ResourceNotFound",
  "emulator.not_root": "UnauthorizedOperation",
  // Never looked up: an injected error carries its own code (CoreError.wire).
  "emulator.injected": "InternalError",
  "emulator.snapshot_not_found": "UnsupportedOperation",
  "value.invalid": "InvalidParameterValue",
  "value.missing": "MissingParameter",
  internal: "InternalError",
};

/** Neutral field names whose Tencent spelling is not simply the PascalCase form. */
const FIELD_NAMES: Record<string, string> = { memberName: "Name", memberUins: "MemberUin", directoryId: "ZoneId" };

export function tencentField(field: string, overrides?: Record<string, string>): string {
  return overrides?.[field] ?? FIELD_NAMES[field] ?? field.charAt(0).toUpperCase() + field.slice(1);
}

export interface TencentError {
  Code: string;
  Message: string;
}

/** `codes`: the action's own code for a reason, where it documents one that differs from the table's. */
export function toTencentError(err: unknown, fieldNames?: Record<string, string>, codes?: Partial<Record<Reason, string>>): TencentError {
  if (err instanceof CoreError) {
    const named = err.field && !err.reason.startsWith("request.") ? ` (parameter \`${tencentField(err.field, fieldNames)}\`)` : "";
    // An emulator fault's own code; Tencent answers every error with HTTP 200, so its status is not used.
    if (err.wire) return { Code: err.wire.code, Message: err.message };
    return { Code: codes?.[err.reason] ?? CODES[err.reason], Message: err.message + named };
  }
  return { Code: "InternalError", Message: "An internal error occurred. Quote the RequestId when reporting it." };
}
