/**
 * CloudSSO 2021-05-15 group and membership actions (spec §3.6), on the same groups the Tencent door
 * serves. Membership changes go through the core's addMember/removeMember, which mark the group's
 * provisionings dirty, so provisioning follows them from either door.
 */
import type { DirectoryGroup } from "../../../core/directory/views.js";
import { then } from "../../../lib/maybe-promise.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { directoryIdIn } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { canonical, nameFilter, PROVISION_TYPES } from "./cloudsso-common.js";

export function groupObject(g: DirectoryGroup) {
  return {
    GroupId: g.groupId,
    GroupName: g.groupName,
    Description: g.description,
    ProvisionType: g.origin,
    CreateTime: aliyunTime(g.createdAt),
    UpdateTime: aliyunTime(g.updatedAt),
  };
}

export const cloudssoGroupsActions = actions("cloudsso", {
  CreateGroup: action(
    async ({ core, caller }, p) => ({
      Group: groupObject(await core.groups.create(caller, directoryIdIn(p.DirectoryId), { groupName: p.GroupName, description: p.Description })),
    }),
  ),

  GetGroup: action(({ core, caller }, p) => then(core.groups.get(caller, directoryIdIn(p.DirectoryId), p.GroupId), (g) => ({ Group: groupObject(g) }))),

  ListGroups: action(
    ({ core, caller }, p) =>
      then(
        core.groups.list(caller, directoryIdIn(p.DirectoryId), {
          ...pageRequest(p),
          groupName: nameFilter(p.Filter, "GroupName"),
          groupType: canonical(p.ProvisionType, PROVISION_TYPES),
        }),
        (page) => ({ Groups: page.items.map(groupObject), ...pageFields(page) }),
      ),
    { groupType: "ProvisionType", groupName: "Filter" },
  ),

  UpdateGroup: action(
    async ({ core, caller }, p) => ({
      Group: groupObject(await core.groups.update(caller, directoryIdIn(p.DirectoryId), p.GroupId, { groupName: p.NewGroupName, description: p.NewDescription })),
    }),
    { groupName: "NewGroupName", description: "NewDescription" },
    { "directory.group_name_invalid": "InvalidParameter.NewGroupName" },
  ),

  DeleteGroup: action(
    async ({ core, caller }, p) => {
      await core.groups.delete(caller, directoryIdIn(p.DirectoryId), p.GroupId);
      return {};
    },
    undefined,
    // "AccessAssigment" (sic), as the Terraform provider matches it.
    { "directory.principal_provisioned": "DeletionConflict.Group.UserProvisioning", "directory.principal_assigned": "DeletionConflict.Group.AccessAssigment" },
  ),

  AddUserToGroup: action(async ({ core, caller }, p) => {
    await core.groups.addMember(caller, directoryIdIn(p.DirectoryId), p.GroupId, p.UserId);
    return {};
  }),

  RemoveUserFromGroup: action(async ({ core, caller }, p) => {
    await core.groups.removeMember(caller, directoryIdIn(p.DirectoryId), p.GroupId, p.UserId);
    return {};
  }),

  ListGroupMembers: action(async ({ core, caller }, p) => {
    const page = await core.groups.listMembers(caller, directoryIdIn(p.DirectoryId), p.GroupId, pageRequest(p));
    return {
      GroupMembers: page.items.map((m) => ({
        GroupId: p.GroupId,
        UserId: m.userId,
        UserName: m.userName,
        DisplayName: m.displayName,
        Email: m.email,
        Description: m.description,
        Status: m.status,
        ProvisionType: m.origin,
        JoinTime: aliyunTime(m.joinedAt),
      })),
      ...pageFields(page),
    };
  }),
});
