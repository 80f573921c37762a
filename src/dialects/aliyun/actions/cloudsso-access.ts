/**
 * CloudSSO 2021-05-15 access configurations and the policies they hold (access spec §3.1, §3.2), on the
 * same configurations the Tencent door calls role configurations. Translation only; the rules live in
 * core/access. An Alibaba caller speaks RAM: its system policies come from the RAM catalogue and its
 * inline documents follow RAM's grammar. Provisioning, assignments and their tasks: cloudsso-deployments.ts.
 */
import type { ConfigurationPolicyView, ConfigurationView } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import { then } from "../../../lib/maybe-promise.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { accessConfigurationIdIn, accessConfigurationIdOut, directoryIdIn } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { PERMISSION_POLICY_TYPES, STATUS_NOTIFICATIONS } from "../wire-spec.js";
import { canonical, nameFilter } from "./cloudsso-common.js";

/** Field names the core may name in an error, as these actions spell them. */
const FIELDS = { name: "AccessConfigurationName", configurationId: "AccessConfigurationId", policyName: "PermissionPolicyName", policyId: "PermissionPolicyName", policyDocument: "InlinePolicyDocument" };
const UPDATE_FIELDS = { ...FIELDS, description: "NewDescription", sessionDuration: "NewSessionDuration", relayState: "NewRelayState" };

function accessConfiguration(c: ConfigurationView) {
  return {
    AccessConfigurationId: accessConfigurationIdOut(c.configurationId),
    AccessConfigurationName: c.name,
    Description: c.description,
    SessionDuration: c.sessionDuration,
    RelayState: c.relayState,
    // While some provisioning holds an older version of its policies (until provisioned again).
    StatusNotifications: c.redeployRequired ? [STATUS_NOTIFICATIONS[0]] : [],
    CreateTime: aliyunTime(c.createdAt),
    UpdateTime: aliyunTime(c.updatedAt),
  };
}

function permissionPolicy(p: ConfigurationPolicyView) {
  return {
    PermissionPolicyType: p.type,
    PermissionPolicyName: p.name,
    ...(p.document !== undefined ? { PermissionPolicyDocument: p.document } : {}),
    AddTime: aliyunTime(p.addedAt),
  };
}

/** Tags are not kept on configurations yet: refused rather than dropped. */
function noTags(tags: unknown[] | undefined): void {
  if (tags?.length) fail("value.invalid", "OpenCIC does not keep tags on access configurations", "Tags");
}

export const cloudssoAccessActions = actions("cloudsso", {
  CreateAccessConfiguration: action(
    async ({ core, caller }, p) => {
      noTags(p.Tags);
      const created = await core.accessConfigurations.create(caller, directoryIdIn(p.DirectoryId), {
        name: p.AccessConfigurationName,
        description: p.Description,
        sessionDuration: p.SessionDuration,
        relayState: p.RelayState,
      });
      return { AccessConfiguration: accessConfiguration(created) };
    },
    FIELDS,
  ),

  GetAccessConfiguration: action(
    ({ core, caller }, p) =>
      then(core.accessConfigurations.get(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId)), (c) => ({ AccessConfiguration: accessConfiguration(c) })),
    FIELDS,
  ),

  ListAccessConfigurations: action(
    ({ core, caller }, p) => {
      noTags(p.Tags);
      const name = nameFilter(p.Filter, "AccessConfigurationName");
      // The one notification (RULES) selects the configurations whose provisionings need redoing.
      const list = core.accessConfigurations.list(caller, directoryIdIn(p.DirectoryId), { ...pageRequest(p), name, redeployRequired: p.StatusNotifications ? true : undefined });
      return then(list, (page) => ({ AccessConfigurations: page.items.map(accessConfiguration), ...pageFields(page) }));
    },
    { ...FIELDS, name: "Filter" },
  ),

  UpdateAccessConfiguration: action(
    async ({ core, caller }, p) => {
      const updated = await core.accessConfigurations.update(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), {
        description: p.NewDescription,
        sessionDuration: p.NewSessionDuration,
        relayState: p.NewRelayState,
      });
      return { AccessConfiguration: accessConfiguration(updated) };
    },
    UPDATE_FIELDS,
  ),

  DeleteAccessConfiguration: action(async ({ core, caller }, p) => {
    await core.accessConfigurations.delete(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), { forceRemovePolicies: p.ForceRemovePermissionPolicies === true });
    return {};
  }, FIELDS),

  AddPermissionPolicyToAccessConfiguration: action(async ({ core, caller }, p) => {
    const type = canonical(p.PermissionPolicyType, PERMISSION_POLICY_TYPES)!;
    const policy = type === "Inline" ? { type, name: p.PermissionPolicyName, document: p.InlinePolicyDocument } : { type: "System" as const, name: p.PermissionPolicyName };
    await core.accessConfigurations.addPolicies(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), "ram", [policy]);
    return {};
  }, FIELDS),

  RemovePermissionPolicyFromAccessConfiguration: action(async ({ core, caller }, p) => {
    await core.accessConfigurations.removePolicy(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), {
      type: canonical(p.PermissionPolicyType, PERMISSION_POLICY_TYPES)!,
      name: p.PermissionPolicyName,
    });
    return {};
  }, FIELDS),

  UpdateInlinePolicyForAccessConfiguration: action(
    async ({ core, caller }, p) => {
      await core.accessConfigurations.updateInlinePolicy(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), "ram", p.InlinePolicyName, p.NewInlinePolicyDocument);
      return {};
    },
    { ...FIELDS, policyName: "InlinePolicyName", policyDocument: "NewInlinePolicyDocument" },
  ),

  ListPermissionPoliciesInAccessConfiguration: action(async ({ core, caller }, p) => {
    const policies = await core.accessConfigurations.listPolicies(caller, directoryIdIn(p.DirectoryId), accessConfigurationIdIn(p.AccessConfigurationId), {
      type: canonical(p.PermissionPolicyType, PERMISSION_POLICY_TYPES),
    });
    return { PermissionPolicies: policies.map(permissionPolicy), TotalCounts: policies.length };
  }, FIELDS),
});
