/**
 * CloudSSO 2021-05-15 service and directory actions (spec §3.4). The CloudSSO directory is the
 * organization's identity-center directory, the one the Tencent door calls its zone.
 * Translation only; the rules live in core/directory.
 */
import type { DirectoryView } from "../../../core/directory/views.js";
import { then } from "../../../lib/maybe-promise.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { checkDirectoryNamePrefix, directoryIdIn, directoryIdOut } from "../ids.js";

/** CloudSSO keeps a directory in one region; OpenCIC has no regions and reports the default one. */
export const DIRECTORY_REGION = "cn-shanghai";

export function directoryObject(d: DirectoryView) {
  return {
    DirectoryId: directoryIdOut(d.directoryId),
    DirectoryName: d.name,
    Region: DIRECTORY_REGION,
    SCIMSyncStatus: d.scimSyncStatus,
    CreateTime: aliyunTime(d.createdAt),
    UpdateTime: aliyunTime(d.updatedAt),
  };
}

export const cloudssoDirectoryActions = actions("cloudsso", {
  EnableService: action(async ({ core, caller }) => {
    await core.directories.enableService(caller);
    return {};
  }),

  GetServiceStatus: action(async ({ core, caller }) => {
    const s = await core.directories.serviceStatus(caller);
    return {
      ServiceStatus: {
        AccountId: String(caller.accountUin),
        Status: s.enabled ? "Enabled" : "Disabled",
        PrerequisiteCheckResult: s.eligible ? "Success" : "Failed",
        RegionsInUse: s.directory ? [DIRECTORY_REGION] : [],
      },
    };
  }),

  DisableService: action(async ({ core, caller }) => {
    await core.directories.disableService(caller);
    return {};
  }),

  CreateDirectory: action(
    async ({ core, caller }, p) => {
      // An empty name is no name: the core generates one.
      const name = p.DirectoryName || undefined;
      checkDirectoryNamePrefix(name);
      return { Directory: directoryObject(await core.directories.open(caller, name)) };
    },
    { name: "DirectoryName" },
  ),

  GetDirectory: action(({ core, caller }, p) => then(core.directories.get(caller, directoryIdIn(p.DirectoryId)), (d) => ({ Directory: directoryObject(d) }))),

  ListDirectories: action(({ core, caller }) =>
    then(core.directories.find(caller), (dir) => ({ Directories: dir ? [directoryObject(dir)] : [], TotalCounts: dir ? 1 : 0 })),
  ),

  UpdateDirectory: action(
    async ({ core, caller }, p) => {
      const id = directoryIdIn(p.DirectoryId);
      checkDirectoryNamePrefix(p.NewDirectoryName, id);
      return { Directory: directoryObject(await core.directories.rename(caller, id, p.NewDirectoryName)) };
    },
    { name: "NewDirectoryName" },
    { "directory.name_invalid": "InvalidParameter.NewDirectoryName" },
  ),

  DeleteDirectory: action(async ({ core, caller }, p) => {
    await core.directories.delete(caller, directoryIdIn(p.DirectoryId));
    return {};
  }),

  GetDirectoryStatistics: action(async ({ core, caller }, p) => {
    const s = await core.directories.statistics(caller, directoryIdIn(p.DirectoryId));
    const access = core.accessConfigurations.quotas();
    return {
      DirectoryStatistics: {
        DirectoryId: directoryIdOut(s.directory.directoryId),
        DirectoryName: s.directory.name,
        Region: DIRECTORY_REGION,
        UserCount: s.userCount,
        UserQuota: s.quotas.users,
        GroupCount: s.groupCount,
        GroupQuota: s.quotas.groups,
        AccessConfigurationCount: s.accessConfigurationCount,
        AccessConfigurationQuota: access.configurations,
        AccessAssignmentCount: s.accessAssignmentCount,
        SystemPolicyPerAccessConfigurationQuota: access.systemPoliciesPerConfiguration,
        InlinePolicyPerAccessConfigurationQuota: access.inlinePoliciesPerConfiguration,
        SCIMServerCredentialCount: s.scimCredentialCount,
        InProgressTaskCount: s.inProgressAccessTaskCount,
        SSOEnabled: false,
        SCIMSyncEnabled: s.directory.scimSyncStatus === "Enabled",
      },
    };
  }),
});
