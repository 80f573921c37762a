/**
 * organization 2021-03-31 role configurations (permission configurations) and the policies they hold
 * (access spec §2.1, §2.2). Translation only; the rules live in core/access. A Tencent caller speaks
 * CAM: its system policies come from the CAM catalogue and its custom documents follow CAM's grammar.
 * Assignments, deployments and their tasks are in role-assignments.ts.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import type { NewPolicy } from "../../../core/access/configurations.js";
import type { ConfigurationPolicyView, ConfigurationView, PolicyType } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import { then } from "../../../lib/maybe-promise.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";
import { pageFields, pageRequest } from "../paging.js";

/** Field names the core may name in an error, as these actions spell them. */
const FIELDS = { name: "RoleConfigurationName", targetUins: "FilterTargets", configurationId: "RoleConfigurationId", policyName: "RolePolicyNames", policyId: "RolePolicies.PolicyId", policyDocument: "CustomPolicyDocument" };

function roleConfiguration(c: ConfigurationView): Sdk.RoleConfiguration {
  return {
    RoleConfigurationId: c.configurationId,
    RoleConfigurationName: c.name,
    Description: c.description,
    SessionDuration: c.sessionDuration,
    RelayState: c.relayState,
    CreateTime: tencentTime(c.createdAt),
    UpdateTime: tencentTime(c.updatedAt),
    // Only meaningful when the list was asked with FilterTargets: assigned on one of them (to PrincipalId, if given).
    IsSelected: c.selected === true,
  };
}

/**
 * Tencent calls the inline policy "Custom" (field comments also say "Inline"). Terraform reads a system
 * attachment back by RolePolicyId, so every CAM system policy carries its id; RAM policies (attached
 * through the Alibaba door) and custom documents have none and show 0.
 */
function rolePolicy(p: ConfigurationPolicyView): Sdk.RolePolicie {
  return {
    RolePolicyId: p.policyId ?? 0,
    RolePolicyName: p.name,
    RolePolicyType: p.type === "Inline" ? "Custom" : "System",
    RolePolicyDocument: p.document ?? "",
    AddTime: tencentTime(p.addedAt),
  };
}

function policyType(wire: string | undefined, required: true): PolicyType;
function policyType(wire: string | undefined, required: false): PolicyType | undefined;
function policyType(wire: string | undefined, required: boolean): PolicyType | undefined {
  if (wire === undefined) return required ? fail("access.field_invalid", "RolePolicyType must be System or Custom", "rolePolicyType") : undefined;
  if (wire === "System") return "System";
  if (wire === "Custom" || wire === "Inline") return "Inline";
  return fail("access.field_invalid", "RolePolicyType must be System or Custom", "rolePolicyType");
}

/** AddPermissionPolicyToRoleConfiguration's shapes (spec §2.2): system by RolePolicies or RolePolicyNames; custom by RolePolicyNames + document(s). */
function newPolicies(req: Sdk.AddPermissionPolicyToRoleConfigurationRequest): NewPolicy[] {
  if (req.PolicyType !== undefined && req.PolicyType !== 0 && req.PolicyType !== 1) fail("access.field_invalid", "PolicyType must be 0 or 1", "policyType");
  const type = policyType(req.RolePolicyType, true);
  const names = req.RolePolicyNames ?? [];
  if (type === "System") {
    // A document sent with system policies (as the doc's own example does) is ignored.
    return [...(req.RolePolicies ?? []).map((p) => ({ type: "System" as const, policyId: p.PolicyId, name: p.PolicyName || undefined })), ...names.map((name) => ({ type: "System" as const, name }))];
  }
  const documents = req.CustomPolicyDocuments;
  if (documents !== undefined && documents.length !== names.length) fail("access.field_invalid", "CustomPolicyDocuments must match RolePolicyNames one to one", "customPolicyDocuments");
  return names.map((name, i) => ({ type: "Inline" as const, name, document: documents ? documents[i] : req.CustomPolicyDocument }));
}

export const roleConfigurationActions: ActionTable = {
  CreateRoleConfiguration: action<Sdk.CreateRoleConfigurationRequest, Sdk.CreateRoleConfigurationResponse>(
    async ({ core, caller }, req) => ({
      RoleConfigurationInfo: roleConfiguration(
        await core.accessConfigurations.create(caller, req.ZoneId, { name: req.RoleConfigurationName, description: req.Description, sessionDuration: req.SessionDuration, relayState: req.RelayState }),
      ),
    }),
    FIELDS,
  ),

  GetRoleConfiguration: action<Sdk.GetRoleConfigurationRequest, Sdk.GetRoleConfigurationResponse>(
    ({ core, caller }, req) => then(core.accessConfigurations.get(caller, req.ZoneId, req.RoleConfigurationId), (c) => ({ RoleConfigurationInfo: roleConfiguration(c) })),
    FIELDS,
  ),

  ListRoleConfigurations: action<Sdk.ListRoleConfigurationsRequest, Sdk.ListRoleConfigurationsResponse>(({ core, caller }, req) => {
    const selection = { targetUins: req.FilterTargets?.map(Number), principalId: req.PrincipalId };
    return then(core.accessConfigurations.list(caller, req.ZoneId, { ...pageRequest(req), filter: req.Filter || undefined, selection }), (page) => ({
      // IsTruncated always (pageFields): Terraform's data source pages until it is false and fails when it is absent.
      ...pageFields(page),
      RoleConfigurations: page.items.map(roleConfiguration),
    }));
  }, FIELDS),

  UpdateRoleConfiguration: action<Sdk.UpdateRoleConfigurationRequest, Sdk.UpdateRoleConfigurationResponse>(
    async ({ core, caller }, req) => ({
      RoleConfigurationInfo: roleConfiguration(
        await core.accessConfigurations.update(caller, req.ZoneId, req.RoleConfigurationId, { description: req.NewDescription, sessionDuration: req.NewSessionDuration, relayState: req.NewRelayState }),
      ),
    }),
    { ...FIELDS, description: "NewDescription", sessionDuration: "NewSessionDuration", relayState: "NewRelayState" },
  ),

  DeleteRoleConfiguration: action<Sdk.DeleteRoleConfigurationRequest, Sdk.DeleteRoleConfigurationResponse>(async ({ core, caller }, req) => {
    await core.accessConfigurations.delete(caller, req.ZoneId, req.RoleConfigurationId);
    return {};
  }, FIELDS),

  AddPermissionPolicyToRoleConfiguration: action<Sdk.AddPermissionPolicyToRoleConfigurationRequest, Sdk.AddPermissionPolicyToRoleConfigurationResponse>(async ({ core, caller }, req) => {
    await core.accessConfigurations.addPolicies(caller, req.ZoneId, req.RoleConfigurationId, "cam", newPolicies(req));
    return {};
  }, FIELDS),

  RemovePermissionPolicyFromRoleConfiguration: action<Sdk.RemovePermissionPolicyFromRoleConfigurationRequest, Sdk.RemovePermissionPolicyFromRoleConfigurationResponse>(
    async ({ core, caller }, req) => {
      // Terraform removes a custom policy with RolePolicyId 0 and its name (spec §4.1): 0 means "by name".
      await core.accessConfigurations.removePolicy(caller, req.ZoneId, req.RoleConfigurationId, { type: policyType(req.RolePolicyType, true), name: req.RolePolicyName || undefined, policyId: req.RolePolicyId });
      return {};
    },
    { ...FIELDS, policyName: "RolePolicyName", policyId: "RolePolicyId" },
  ),

  UpdateCustomPolicyForRoleConfiguration: action<Sdk.UpdateCustomPolicyForRoleConfigurationRequest, Sdk.UpdateCustomPolicyForRoleConfigurationResponse>(
    async ({ core, caller }, req) => {
      await core.accessConfigurations.updateInlinePolicy(caller, req.ZoneId, req.RoleConfigurationId, "cam", req.CustomPolicyName, req.NewCustomPolicyDocument);
      return {};
    },
    { ...FIELDS, policyName: "CustomPolicyName", policyDocument: "NewCustomPolicyDocument" },
  ),

  ListPermissionPoliciesInRoleConfiguration: action<Sdk.ListPermissionPoliciesInRoleConfigurationRequest, Sdk.ListPermissionPoliciesInRoleConfigurationResponse>(async ({ core, caller }, req) => {
    const policies = await core.accessConfigurations.listPolicies(caller, req.ZoneId, req.RoleConfigurationId, { type: policyType(req.RolePolicyType, false), filter: req.Filter || undefined });
    return { TotalCounts: policies.length, RolePolicies: policies.map(rolePolicy) };
  }, FIELDS),
};
