/**
 * organization 2021-03-31, Identity Center: zone, users, groups and memberships, SCIM credentials and
 * the zone's SCIM synchronization switch. Translation only; the rules live in core/directory.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import type { ScimCredentialView } from "../../../core/directory/scim-credentials.js";
import type { DirectoryGroup, DirectoryUser } from "../../../core/directory/views.js";
import { then } from "../../../lib/maybe-promise.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";
import { pageFields, pageRequest } from "../paging.js";

function userInfo(u: DirectoryUser, extra: { selected?: boolean; password?: string } = {}): Sdk.UserInfo {
  const info: Sdk.UserInfo = {
    UserName: u.userName,
    FirstName: u.firstName,
    LastName: u.lastName,
    DisplayName: u.displayName,
    Description: u.description,
    Email: u.email,
    UserStatus: u.status,
    UserType: u.origin,
    UserId: u.userId,
    CreateTime: tencentTime(u.createdAt),
    UpdateTime: tencentTime(u.updatedAt),
    IsSelected: extra.selected ?? false,
    NeedResetPassword: u.needResetPassword,
  };
  // Only CreateUser's answer carries the generated password (the answer's serializer fixes the field order).
  if (extra.password !== undefined) info.Password = extra.password;
  return info;
}

function groupInfo(g: DirectoryGroup, selected = false): Sdk.GroupInfo {
  return {
    GroupName: g.groupName,
    Description: g.description,
    CreateTime: tencentTime(g.createdAt),
    GroupType: g.origin,
    UpdateTime: tencentTime(g.updatedAt),
    GroupId: g.groupId,
    MemberCount: g.memberCount,
    IsSelected: selected,
  };
}

/** A credential as ListSCIMCredentials lists it: never the secret, which only CreateSCIMCredential shows. */
function scimCredential(c: ScimCredentialView): Sdk.SCIMCredential {
  return {
    ZoneId: c.directoryId,
    Status: c.status,
    CredentialId: c.credentialId,
    CredentialType: c.type,
    CreateTime: tencentTime(c.createdAt),
    ExpireTime: tencentTime(c.expiresAt),
  };
}

export const identityCenterActions: ActionTable = {
  OpenIdentityCenter: action<Sdk.OpenIdentityCenterRequest, Sdk.OpenIdentityCenterResponse>(
    async ({ core, caller }, req) => ({ ZoneId: (await core.directories.open(caller, req.ZoneName)).directoryId }),
    { name: "ZoneName" },
  ),

  DescribeIdentityCenter: action<Sdk.DescribeIdentityCenterRequest, Sdk.DescribeIdentityCenterResponse>(({ core, caller }) =>
    then(core.directories.find(caller), (dir) => {
      if (!dir) return { ZoneId: null, ZoneName: null, ServiceStatus: "Disabled", ScimSyncStatus: "Disabled", CreateTime: null, UpdateTime: null };
      return {
        ZoneId: dir.directoryId,
        ZoneName: dir.name,
        ServiceStatus: "Enabled",
        ScimSyncStatus: dir.scimSyncStatus,
        CreateTime: tencentTime(dir.createdAt),
        UpdateTime: tencentTime(dir.updatedAt),
      };
    }),
  ),

  UpdateZone: action<Sdk.UpdateZoneRequest, Sdk.UpdateZoneResponse>(
    async ({ core, caller }, req) => {
      await core.directories.rename(caller, req.ZoneId, req.NewZoneName);
      return {};
    },
    { name: "NewZoneName" },
  ),

  GetZoneStatistics: action<Sdk.GetZoneStatisticsRequest, Sdk.GetZoneStatisticsResponse>(async ({ core, caller }, req) => {
    const s = await core.directories.statistics(caller, req.ZoneId);
    const access = core.accessConfigurations.quotas();
    return {
      ZoneStatistics: {
        UserQuota: s.quotas.users,
        GroupQuota: s.quotas.groups,
        RoleConfigurationQuota: access.configurations,
        SystemPolicyPerRoleConfigurationQuota: access.systemPoliciesPerConfiguration,
        UserCount: s.userCount,
        GroupCount: s.groupCount,
        RoleConfigurationCount: s.accessConfigurationCount,
        UserProvisioningCount: s.provisionedUserCount,
        // Configurations deployed into accounts (one CAM role each).
        RoleConfigurationSyncCount: s.deployedConfigurationCount,
      },
    };
  }),

  CreateUser: action<Sdk.CreateUserRequest, Sdk.CreateUserResponse>(async ({ core, caller }, req) => {
    const { user, password } = await core.users.create(caller, req.ZoneId, {
      userName: req.UserName,
      firstName: req.FirstName,
      lastName: req.LastName,
      displayName: req.DisplayName,
      description: req.Description,
      email: req.Email,
      userStatus: req.UserStatus,
      userType: req.UserType,
      needResetPassword: req.NeedResetPassword,
    });
    return { UserInfo: userInfo(user, { password }) };
  }),

  GetUser: action<Sdk.GetUserRequest, Sdk.GetUserResponse>(({ core, caller }, req) => then(core.users.get(caller, req.ZoneId, req.UserId), (u) => ({ UserInfo: userInfo(u) }))),

  ListUsers: action<Sdk.ListUsersRequest, Sdk.ListUsersResponse>(({ core, caller }, req) =>
    then(
      core.users.list(caller, req.ZoneId, {
        ...pageRequest(req),
        userStatus: req.UserStatus,
        userType: req.UserType,
        filter: req.Filter || undefined,
        selectedIfInGroups: req.FilterGroups,
      }),
      (page) => ({ ...pageFields(page), Users: page.items.map((u) => userInfo(u, { selected: u.selected })) }),
    ),
  ),

  UpdateUser: action<Sdk.UpdateUserRequest, Sdk.UpdateUserResponse>(
    async ({ core, caller }, req) => {
      const user = await core.users.update(caller, req.ZoneId, req.UserId, {
        firstName: req.NewFirstName,
        lastName: req.NewLastName,
        displayName: req.NewDisplayName,
        description: req.NewDescription,
        email: req.NewEmail,
        needResetPassword: req.NeedResetPassword,
      });
      return { UserInfo: userInfo(user) };
    },
    { firstName: "NewFirstName", lastName: "NewLastName", displayName: "NewDisplayName", description: "NewDescription", email: "NewEmail" },
  ),

  UpdateUserStatus: action<Sdk.UpdateUserStatusRequest, Sdk.UpdateUserStatusResponse>(
    async ({ core, caller }, req) => {
      await core.users.setStatus(caller, req.ZoneId, req.UserId, req.NewUserStatus);
      return {};
    },
    { userStatus: "NewUserStatus" },
  ),

  DeleteUser: action<Sdk.DeleteUserRequest, Sdk.DeleteUserResponse>(async ({ core, caller }, req) => {
    await core.users.delete(caller, req.ZoneId, req.UserId);
    return {};
  }),

  CreateGroup: action<Sdk.CreateGroupRequest, Sdk.CreateGroupResponse>(async ({ core, caller }, req) => ({
    GroupInfo: groupInfo(await core.groups.create(caller, req.ZoneId, { groupName: req.GroupName, description: req.Description, groupType: req.GroupType })),
  })),

  GetGroup: action<Sdk.GetGroupRequest, Sdk.GetGroupResponse>(({ core, caller }, req) => then(core.groups.get(caller, req.ZoneId, req.GroupId), (g) => ({ GroupInfo: groupInfo(g) }))),

  ListGroups: action<Sdk.ListGroupsRequest, Sdk.ListGroupsResponse>(({ core, caller }, req) =>
    then(
      core.groups.list(caller, req.ZoneId, {
        ...pageRequest(req),
        filter: req.Filter || undefined,
        groupType: req.GroupType,
        selectedIfContainsUsers: req.FilterUsers,
      }),
      (page) => ({ ...pageFields(page), Groups: page.items.map((g) => groupInfo(g, g.selected)) }),
    ),
  ),

  UpdateGroup: action<Sdk.UpdateGroupRequest, Sdk.UpdateGroupResponse>(
    async ({ core, caller }, req) => ({
      GroupInfo: groupInfo(await core.groups.update(caller, req.ZoneId, req.GroupId, { groupName: req.NewGroupName, description: req.NewDescription })),
    }),
    { groupName: "NewGroupName", description: "NewDescription" },
  ),

  DeleteGroup: action<Sdk.DeleteGroupRequest, Sdk.DeleteGroupResponse>(async ({ core, caller }, req) => {
    await core.groups.delete(caller, req.ZoneId, req.GroupId);
    return {};
  }),

  AddUserToGroup: action<Sdk.AddUserToGroupRequest, Sdk.AddUserToGroupResponse>(async ({ core, caller }, req) => {
    await core.groups.addMember(caller, req.ZoneId, req.GroupId, req.UserId);
    return {};
  }),

  RemoveUserFromGroup: action<Sdk.RemoveUserFromGroupRequest, Sdk.RemoveUserFromGroupResponse>(async ({ core, caller }, req) => {
    await core.groups.removeMember(caller, req.ZoneId, req.GroupId, req.UserId);
    return {};
  }),

  ListGroupMembers: action<Sdk.ListGroupMembersRequest, Sdk.ListGroupMembersResponse>(async ({ core, caller }, req) => {
    const page = await core.groups.listMembers(caller, req.ZoneId, req.GroupId, { ...pageRequest(req), userType: req.UserType });
    return {
      ...pageFields(page),
      GroupMembers: page.items.map((m) => ({
        UserName: m.userName,
        DisplayName: m.displayName,
        Description: m.description,
        Email: m.email,
        UserStatus: m.status,
        UserType: m.origin,
        UserId: m.userId,
        JoinTime: tencentTime(m.joinedAt),
      })),
    };
  }),

  ListJoinedGroupsForUser: action<Sdk.ListJoinedGroupsForUserRequest, Sdk.ListJoinedGroupsForUserResponse>(async ({ core, caller }, req) => {
    const page = await core.groups.listJoined(caller, req.ZoneId, req.UserId, pageRequest(req));
    return {
      ...pageFields(page),
      JoinedGroups: page.items.map((g) => ({
        GroupName: g.groupName,
        Description: g.description,
        GroupId: g.groupId,
        GroupType: g.origin,
        JoinTime: tencentTime(g.joinedAt),
      })),
    };
  }),

  CreateSCIMCredential: action<Sdk.CreateSCIMCredentialRequest, Sdk.CreateSCIMCredentialResponse>(async ({ core, caller }, req) => {
    const { credential: c, secret } = await core.scimCredentials.create(caller, req.ZoneId, req.ExpireDuration);
    // Create answers the status as CredentialStatus; the list's items call it Status (the SDK's models).
    return {
      ZoneId: c.directoryId,
      CredentialId: c.credentialId,
      CredentialType: c.type,
      CreateTime: tencentTime(c.createdAt),
      ExpireTime: tencentTime(c.expiresAt),
      CredentialStatus: c.status,
      CredentialSecret: secret,
    };
  }),

  ListSCIMCredentials: action<Sdk.ListSCIMCredentialsRequest, Sdk.ListSCIMCredentialsResponse>(async ({ core, caller }, req) => {
    // An unknown CredentialId lists nothing (Terraform reads a credential back this way), as does an empty one.
    const list = await core.scimCredentials.list(caller, req.ZoneId, req.CredentialId || undefined);
    return { TotalCounts: list.length, SCIMCredentials: list.map(scimCredential) };
  }),

  UpdateSCIMCredentialStatus: action<Sdk.UpdateSCIMCredentialStatusRequest, Sdk.UpdateSCIMCredentialStatusResponse>(async ({ core, caller }, req) => {
    await core.scimCredentials.setStatus(caller, req.ZoneId, req.CredentialId, req.NewStatus);
    return {};
  }),

  DeleteSCIMCredential: action<Sdk.DeleteSCIMCredentialRequest, Sdk.DeleteSCIMCredentialResponse>(async ({ core, caller }, req) => {
    await core.scimCredentials.delete(caller, req.ZoneId, req.CredentialId);
    return {};
  }),

  GetSCIMSynchronizationStatus: action<Sdk.GetSCIMSynchronizationStatusRequest, Sdk.GetSCIMSynchronizationStatusResponse>(async ({ core, caller }, req) => ({
    SCIMSynchronizationStatus: await core.scimCredentials.syncStatus(caller, req.ZoneId),
  })),

  UpdateSCIMSynchronizationStatus: action<Sdk.UpdateSCIMSynchronizationStatusRequest, Sdk.UpdateSCIMSynchronizationStatusResponse>(async ({ core, caller }, req) => {
    await core.scimCredentials.setSyncStatus(caller, req.ZoneId, req.SCIMSynchronizationStatus);
    return {};
  }),
};
