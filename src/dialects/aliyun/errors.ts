/**
 * The one table that turns neutral core reasons into Alibaba Cloud error codes and HTTP statuses
 * (spec §1.8, §1.9, §3.8; RAM and ResourceManager error pages), and the JSON error envelope.
 * `{field}` in a code is the parameter at fault in this action's wire spelling (`MissingUserName`,
 * `InvalidParameter.MaxItems`); without a field it collapses to the generic form.
 */
import { CoreError, type Reason } from "../../core/errors.js";

export interface AliyunCode {
  code: string;
  status: number;
}

const e = (code: string, status: number): AliyunCode => ({ code, status });

const CODES: Record<Reason, AliyunCode> = {
  "request.missing_parameter": e("Missing{field}", 400),
  "request.unknown_parameter": e("InvalidParameter.{field}", 400),
  "request.invalid_type": e("InvalidParameter.{field}", 400),
  "request.invalid_value": e("InvalidParameter.{field}", 400),
  "request.too_large": e("RequestEntityTooLarge", 413),
  // The generated schemas list every action of the SDKs (schemas.ts isVendorAction), but Alibaba's
  // gateway has no "not built" answer: an unbuilt action gets the code a nonexistent one gets.
  "request.unsupported_action": e("InvalidAction.NotFound", 404),
  "request.unknown_action": e("InvalidAction.NotFound", 404),
  "request.unknown_version": e("InvalidVersion", 400),
  "auth.malformed": e("IncompleteSignature", 400),
  "auth.expired": e("InvalidTimeStamp.Expired", 400),
  "auth.unknown_key": e("InvalidAccessKeyId.NotFound", 404),
  "auth.bad_signature": e("SignatureDoesNotMatch", 400),
  "auth.not_permitted": e("Forbidden.RAM", 403),
  "auth.timestamp_malformed": e("InvalidTimeStamp.Format", 400),
  "auth.nonce_used": e("SignatureNonceUsed", 400),
  throttled: e("Throttling.User", 400),
  // organization = resource directory, member = account, root node = root folder
  "organization.not_found": e("EntityNotExists.ResourceDirectory", 404),
  "organization.already_member": e("EntityAlreadyExists.ResourceDirectory", 409),
  "organization.created_member_cannot_create": e("NotSupport.AccountInAnotherResourceDirectory", 409),
  "organization.not_manager": e("NoPermission", 403),
  "organization.not_empty": e("DeleteConflict.ResourceDirectory.Account", 409),
  "organization.manager_cannot_leave": e("AccountTypeOrStatusMismatch", 409),
  "organization.member_not_found": e("EntityNotExists.Account", 404),
  "organization.member_name_taken": e("InvalidParameter.Account.DisplayName.AlreadyUsed", 409),
  "organization.member_name_invalid": e("InvalidParameter.Account.{field}", 400),
  "organization.member_quota": e("LimitExceeded.Account", 409),
  "organization.node_not_found": e("EntityNotExists.Folder", 404),
  "organization.policy_invalid": e("InvalidParameter.{field}", 400),
  "organization.permission_invalid": e("InvalidParameter.{field}", 400),
  "organization.tag_invalid": e("InvalidParameter.Tag", 400),
  "organization.member_has_dependents": e("DeleteConflict.Account", 409),
  // sub-users = RAM users
  "subuser.name_invalid": e("InvalidParameter.{field}.InvalidChars", 400),
  "subuser.field_invalid": e("InvalidParameter.{field}", 400),
  "subuser.name_taken": e("EntityAlreadyExists.User.Name", 409),
  "subuser.not_found": e("EntityNotExist.User", 404),
  "subuser.quota": e("LimitExceeded.User", 409),
  "subuser.password_weak": e("InvalidParameter.Password", 400),
  "subuser.has_keys": e("DeleteConflict.User.AccessKey", 409),
  "subuser.managed": e("Forbidden.User.ManagedByProvisioning", 403),
  // the identity-center directory = CloudSSO directory
  "directory.no_organization": e("EntityNotExists.ResourceDirectory", 404),
  "directory.not_manager": e("NoPermission", 403),
  "directory.not_open": e("EntityNotExists.Directory", 404),
  "directory.already_open": e("EntityAlreadyExists.Directory", 409),
  "directory.service_in_use": e("DeletionConflict.Directory", 409),
  "directory.has_users": e("DeletionConflict.Directory.User", 409),
  "directory.has_groups": e("DeletionConflict.Directory.Group", 409),
  "directory.has_scim_credentials": e("DeletionConflict.Directory.SCIMCredential", 409),
  "directory.not_found": e("EntityNotExists.Directory", 404),
  "directory.name_invalid": e("InvalidParameter.DirectoryName", 400),
  "directory.name_taken": e("EntityAlreadyExists.DirectoryName", 409),
  "directory.field_invalid": e("InvalidParameter.{field}", 400),
  "directory.user_not_found": e("EntityNotExists.User", 404),
  "directory.user_name_invalid": e("InvalidParameter.UserName", 400),
  "directory.user_name_taken": e("EntityAlreadyExists.User", 409),
  "directory.email_taken": e("EntityAlreadyExists.User.Email", 409),
  "directory.user_quota": e("LimitExceeded.User", 409),
  "directory.user_in_group": e("DeletionConflict.User.Group", 409),
  "directory.password_weak": e("InvalidParameter.Password", 400),
  "directory.principal_provisioned": e("DeletionConflict.User.UserProvisioning", 409),
  "directory.group_not_found": e("EntityNotExists.Group", 404),
  "directory.group_name_invalid": e("InvalidParameter.GroupName", 400),
  "directory.group_name_taken": e("EntityAlreadyExists.Group", 409),
  "directory.group_quota": e("LimitExceeded.Group", 409),
  "directory.group_has_members": e("DeletionConflict.Group.User", 409),
  "directory.member_exists": e("EntityAlreadyExists.GroupMember", 409),
  "directory.member_not_found": e("EntityNotExists.GroupMember", 404),
  "directory.group_full": e("LimitExceeded.GroupMember", 409),
  "directory.user_groups_full": e("LimitExceeded.UserGroup", 409),
  "directory.type_mismatch": e("OperationConflict.ProvisionType", 409),
  "paging.token_invalid": e("InvalidParameter.{field}", 400),
  "scim.credential_not_found": e("EntityNotExists.SCIMCredential", 404),
  "scim.credential_quota": e("LimitExceeded.SCIMCredential", 409),
  "scim.credential_invalid": e("InvalidSecurityToken", 401),
  "scim.sync_disabled": e("OperationConflict.SCIMSynchronizationDisabled", 409),
  "scim.credential_status_invalid": e("InvalidParameter.NewStatus", 400),
  "scim.sync_status_invalid": e("InvalidParameter.SCIMSynchronizationStatus", 400),
  // CloudSSO documents the rule (SetSCIMSynchronizationStatus) but no codes: these follow its naming
  // (OperationConflict.*, DeletionConflict.<Object>.*). The Manual ones answer a SCIM writer, which
  // never comes through this door; the table names them all the same.
  "ownership.synchronized_user_update": e("OperationConflict.User.SCIMSynchronized", 409),
  "ownership.synchronized_user_delete": e("DeletionConflict.User.SCIMSynchronized", 409),
  "ownership.synchronized_group_update": e("OperationConflict.Group.SCIMSynchronized", 409),
  "ownership.synchronized_group_delete": e("DeletionConflict.Group.SCIMSynchronized", 409),
  "ownership.synchronized_group_add_member": e("OperationConflict.GroupMember.SCIMSynchronized", 409),
  "ownership.synchronized_group_remove_member": e("OperationConflict.GroupMember.SCIMSynchronized", 409),
  "ownership.manual_user_update": e("OperationConflict.User.Manual", 409),
  "ownership.manual_user_delete": e("DeletionConflict.User.Manual", 409),
  "ownership.manual_group_update": e("OperationConflict.Group.Manual", 409),
  "ownership.manual_group_delete": e("DeletionConflict.Group.Manual", 409),
  "provisioning.not_found": e("EntityNotExists.UserProvisioning", 404),
  "provisioning.already_exists": e("EntityAlreadyExists.UserProvisioning", 409),
  "provisioning.target_not_member": e("EntityNotExists.RdAccount", 404),
  "provisioning.task_not_found": e("EntityNotExists.Task", 404),
  "provisioning.event_not_found": e("EntityNotExists.UserProvisioningEvent", 404),
  "provisioning.quota": e("LimitExceeded.UserProvisioning", 409),
  "provisioning.batch_too_large": e("LimitExceeded.UserProvisioning", 409),
  "provisioning.deleting": e("OperationConflict.UserProvisioning", 409),
  // The circuit breaker is OpenCIC's own (native API); no Alibaba action raises these.
  "provisioning.hold_not_found": e("EntityNotExists", 404),
  "provisioning.hold_replaced": e("OperationConflict", 409),
  // CloudSSO publishes no per-action list (access spec §6.7): these follow its Entity*/LimitExceeded/DeletionConflict
  // families as the Terraform provider and the directory actions show them (access spec §3.1, §3.2, §3.6).
  "access.configuration_not_found": e("EntityNotExists.AccessConfiguration", 404),
  "access.configuration_name_invalid": e("InvalidParameter.AccessConfigurationName", 400),
  "access.configuration_name_taken": e("EntityAlreadyExists.AccessConfiguration", 409),
  "access.configuration_quota": e("LimitExceeded.AccessConfiguration", 409),
  "access.configuration_has_policies": e("DeletionConflict.AccessConfiguration.PermissionPolicy", 409),
  "access.field_invalid": e("InvalidParameter.{field}", 400),
  "access.system_policy_unknown": e("EntityNotExists.PermissionPolicy", 404),
  "access.policy_not_found": e("EntityNotExists.PermissionPolicy", 404),
  "access.policy_already_attached": e("EntityAlreadyExists.PermissionPolicy", 409),
  "access.policy_name_invalid": e("InvalidParameter.{field}", 400),
  "access.policy_name_too_long": e("InvalidParameter.{field}", 400),
  "access.policy_document_missing": e("Missing{field}", 400),
  "access.policy_document_invalid": e("InvalidParameter.{field}", 400),
  "access.policy_not_inline": e("InvalidParameter.{field}", 400),
  "access.system_policy_quota": e("LimitExceeded.PermissionPolicy", 409),
  "access.inline_policy_quota": e("LimitExceeded.PermissionPolicy", 409),
  "directory.has_access_configurations": e("DeletionConflict.Directory.AccessConfiguration", 409),
  // "AccessAssigment" (sic), as the Terraform provider matches it; DeleteGroup names the Group form.
  "directory.principal_assigned": e("DeletionConflict.User.AccessAssigment", 409),
  "access.configuration_deployed": e("DeletionConflict.AccessConfiguration.Provisioning", 409),
  "access.configuration_assigned": e("DeletionConflict.AccessConfiguration.AccessAssignment", 409),
  "access.selection_needs_targets": e("InvalidParameter.{field}", 400),
  "access.assignment_exists": e("EntityAlreadyExists.AccessAssignment", 409),
  "access.assignment_not_found": e("EntityNotExists.AccessAssignment", 404),
  "access.assignment_batch_too_large": e("LimitExceeded.AccessAssignment", 409),
  "access.target_not_member": e("EntityNotExists.RdAccount", 404),
  "access.deployment_not_found": e("EntityNotExists.AccessConfigurationProvisioning", 404),
  "access.deployment_has_assignments": e("DeletionConflict.AccessConfigurationProvisioning.AccessAssignment", 409),
  // Retried by the Terraform provider on every write (access spec §3.6).
  "access.deployment_busy": e("OperationConflict.Task", 409),
  "access.task_not_found": e("EntityNotExists.Task", 404),
  // RAM and IMS spell these EntityNotExist (no s).
  "account.role_not_found": e("EntityNotExist.Role", 404),
  "account.saml_provider_not_found": e("EntityNotExist.SAMLProvider", 404),
  "account.managed_by_identity_center": e("NoPermission.ReservedByCloudSSO", 403),
  // Emulator controls are native-API routes; no Alibaba action raises this.
  "emulator.disabled": e("OperationNotSupported", 404),
  "emulator.fault_not_found": e("EntityNotExists", 404),
  "emulator.not_root": e("NoPermission", 403),
  // Never looked up: an injected error carries its own code and status (CoreError.wire).
  "emulator.injected": e("InternalError", 500),
  "emulator.snapshot_not_found": e("EntityNotExists", 404),
  "value.invalid": e("InvalidParameter.{field}", 400),
  "value.missing": e("Missing{field}", 400),
  internal: e("InternalError", 500),
};

/** Neutral field names whose wire spelling is not simply the PascalCase form (actions add their own). */
const FIELD_NAMES: Record<string, string> = { nextToken: "NextToken", maxResults: "MaxResults", memberName: "DisplayName", accountName: "AccountNamePrefix" };

export function aliyunField(field: string, overrides?: Record<string, string>): string {
  return overrides?.[field] ?? FIELD_NAMES[field] ?? field.charAt(0).toUpperCase() + field.slice(1);
}

export interface AliyunError {
  status: number;
  Code: string;
  Message: string;
}

export interface ErrorContext {
  /** This action's wire names for neutral fields (e.g. name → UserName). */
  fieldNames?: Record<string, string>;
  /** This action's own code for a reason, where the product documents another (e.g. ResourceDirectoryNotInUse). */
  codes?: Partial<Record<Reason, string>>;
}

export function toAliyunError(err: unknown, ctx: ErrorContext = {}): AliyunError {
  if (!(err instanceof CoreError)) {
    return { status: 500, Code: "InternalError", Message: "The request processing has failed due to some unknown error. Quote the RequestId when reporting it." };
  }
  // An emulator fault's own code and status.
  if (err.wire) return { status: err.wire.status, Code: err.wire.code, Message: err.message };
  const row = CODES[err.reason];
  // Parser-raised reasons already carry the wire name; core-raised ones carry the neutral name.
  const field = err.field === undefined ? undefined : err.reason.startsWith("request.") ? err.field : aliyunField(err.field, ctx.fieldNames);
  const template = ctx.codes?.[err.reason] ?? row.code;
  const code = field !== undefined && /^[A-Za-z0-9.]+$/.test(field)
    ? template.replace("{field}", field)
    : template.replace(".{field}", "").replace("{field}", "Parameter");
  const named = field && !err.reason.startsWith("request.") ? ` (parameter ${field})` : "";
  return { status: row.status, Code: code, Message: err.message + named };
}
