/**
 * CloudSSO 2021-05-15 user actions (spec §3.5), on the same directory users the Tencent door
 * serves. Translation only; the rules live in core/directory.
 */
import type { Caller } from "../../../core/accounts.js";
import type { Core } from "../../../core/index.js";
import type { Tag } from "../../../core/tags.js";
import type { DirUser } from "../../../store/schema.js";
import { fail } from "../../../core/errors.js";
import { type ActionTable, action } from "../action.js";
import { aliyunTime } from "../format.js";
import { neutralTags, wireTags } from "../tags.js";
import { directoryIdIn } from "../ids.js";
import { PAGING_PARAMS, type PagingParams, pageFields, pageRequest } from "../paging.js";
import { canonical, DIRECTORY_ID, nameFilter, PROVISION_TYPES, STATUSES, USER_ID } from "./cloudsso-common.js";

export function userObject(u: DirUser, tags: Tag[] = []) {
  return {
    UserId: u.user_id,
    UserName: u.user_name,
    DisplayName: u.display_name,
    FirstName: u.first_name,
    LastName: u.last_name,
    Email: u.email,
    Description: u.description,
    Status: u.user_status,
    ProvisionType: u.user_type,
    Tags: wireTags(tags),
    CreateTime: aliyunTime(u.created_at),
    UpdateTime: aliyunTime(u.updated_at),
  };
}

/** Users as CloudSSO returns them, each with its tags. */
async function withTags(core: Core, caller: Caller, directoryId: string, users: DirUser[]) {
  const tags = await core.users.tagsOf(caller, directoryId, users.map((u) => u.user_id));
  return users.map((u) => userObject(u, tags.get(u.user_id)));
}

interface UserParams {
  DirectoryId: string;
  UserId: string;
}

const USER = { DirectoryId: DIRECTORY_ID, UserId: USER_ID };

export const cloudssoUsersActions: ActionTable = {
  CreateUser: action<{ DirectoryId: string; UserName: string; DisplayName?: string; FirstName?: string; LastName?: string; Email?: string; Description?: string; Status?: string; Tags?: unknown[] }>(
    {
      DirectoryId: DIRECTORY_ID,
      UserName: { type: "string", required: true, maxLength: 64 },
      DisplayName: { type: "string", maxLength: 256 },
      FirstName: { type: "string", maxLength: 64 },
      LastName: { type: "string", maxLength: 64 },
      Email: { type: "string", maxLength: 128 },
      Description: { type: "string", maxLength: 1024 },
      Status: { type: "string", enum: STATUSES },
      Tags: { type: "list" },
    },
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const { user } = await core.users.create(caller, directoryId, {
        userName: p.UserName,
        displayName: p.DisplayName,
        firstName: p.FirstName,
        lastName: p.LastName,
        email: p.Email,
        description: p.Description,
        userStatus: canonical(p.Status, STATUSES),
        tags: neutralTags(p.Tags, "Tags"),
      });
      return { User: (await withTags(core, caller, directoryId, [user]))[0] };
    },
    { userStatus: "Status", tags: "Tags" },
  ),

  GetUser: action<UserParams>(USER, async ({ core, caller }, p) => {
    const directoryId = directoryIdIn(p.DirectoryId);
    return { User: (await withTags(core, caller, directoryId, [await core.users.get(caller, directoryId, p.UserId)]))[0] };
  }),

  /** OpenCIC runs no SCIM yet, so no user carries an external id and every lookup finds none. */
  GetUserId: action<{ DirectoryId: string; ExternalId: unknown }>(
    { DirectoryId: DIRECTORY_ID, ExternalId: { type: "json", required: true } },
    async ({ core, caller }, p) => {
      const ext = p.ExternalId as { Id?: unknown; Issuer?: unknown } | null;
      if (!ext || typeof ext !== "object" || typeof ext.Id !== "string" || ext.Issuer !== "SCIM") {
        return fail("value.invalid", 'ExternalId must be {"Id": "<id>", "Issuer": "SCIM"}', "externalId");
      }
      return { UserId: await core.users.idByExternalId(caller, directoryIdIn(p.DirectoryId), { id: ext.Id, issuer: ext.Issuer }) };
    },
  ),

  ListUsers: action<{ DirectoryId: string; Filter?: string; ProvisionType?: string; Status?: string; Tags?: unknown[] } & PagingParams>(
    {
      DirectoryId: DIRECTORY_ID,
      Filter: { type: "string" },
      ProvisionType: { type: "string", enum: PROVISION_TYPES },
      Status: { type: "string", enum: STATUSES },
      Tags: { type: "list" },
      ...PAGING_PARAMS,
    },
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const page = await core.users.list(caller, directoryId, {
        ...pageRequest(p),
        userName: nameFilter(p.Filter, "UserName"),
        userStatus: canonical(p.Status, STATUSES),
        userType: canonical(p.ProvisionType, PROVISION_TYPES),
        tags: neutralTags(p.Tags, "Tags"),
      });
      return { Users: await withTags(core, caller, directoryId, page.items), ...pageFields(page) };
    },
    { userStatus: "Status", userType: "ProvisionType", userName: "Filter", tags: "Tags" },
  ),

  UpdateUser: action<UserParams & { NewFirstName?: string; NewLastName?: string; NewDisplayName?: string; NewEmail?: string; NewDescription?: string }>(
    {
      ...USER,
      NewFirstName: { type: "string", maxLength: 64 },
      NewLastName: { type: "string", maxLength: 64 },
      NewDisplayName: { type: "string", maxLength: 256 },
      NewEmail: { type: "string", maxLength: 128 },
      NewDescription: { type: "string", maxLength: 1024 },
    },
    async ({ core, caller }, p) => {
      // The core's update marks the user's provisionings dirty when email or display name change.
      const user = await core.users.update(caller, directoryIdIn(p.DirectoryId), p.UserId, {
        firstName: p.NewFirstName,
        lastName: p.NewLastName,
        displayName: p.NewDisplayName,
        email: p.NewEmail,
        description: p.NewDescription,
      });
      return { User: (await withTags(core, caller, directoryIdIn(p.DirectoryId), [user]))[0] };
    },
    { firstName: "NewFirstName", lastName: "NewLastName", displayName: "NewDisplayName", description: "NewDescription", email: "NewEmail" },
  ),

  UpdateUserStatus: action<UserParams & { NewStatus: string }>(
    { ...USER, NewStatus: { type: "string", required: true, enum: STATUSES } },
    async ({ core, caller }, p) => {
      await core.users.setStatus(caller, directoryIdIn(p.DirectoryId), p.UserId, canonical(p.NewStatus, STATUSES)!);
      return {};
    },
    { userStatus: "NewStatus" },
  ),

  ResetUserPassword: action<UserParams & { GenerateRandomPassword?: boolean; Password?: string; RequirePasswordResetForNextLogin?: boolean }>(
    {
      ...USER,
      GenerateRandomPassword: { type: "boolean" },
      // 8-32 characters is part of the core's strength rule, so no length here.
      Password: { type: "string" },
      RequirePasswordResetForNextLogin: { type: "boolean" },
    },
    async ({ core, caller }, p) => {
      const { generated } = await core.users.resetPassword(caller, directoryIdIn(p.DirectoryId), p.UserId, {
        generate: p.GenerateRandomPassword === true,
        password: p.Password,
        needResetPassword: p.RequirePasswordResetForNextLogin,
      });
      return generated !== undefined ? { NewPassword: generated } : {};
    },
  ),

  DeleteUser: action<UserParams>(USER, async ({ core, caller }, p) => {
    await core.users.delete(caller, directoryIdIn(p.DirectoryId), p.UserId);
    return {};
  }),

  ListJoinedGroupsForUser: action<UserParams & PagingParams>({ ...USER, ...PAGING_PARAMS }, async ({ core, caller }, p) => {
    const page = await core.groups.listJoined(caller, directoryIdIn(p.DirectoryId), p.UserId, pageRequest(p));
    return {
      JoinedGroups: page.items.map((g) => ({
        GroupId: g.group_id,
        GroupName: g.group_name,
        Description: g.description,
        ProvisionType: g.group_type,
        UserId: p.UserId,
        JoinTime: aliyunTime(g.joined_at),
      })),
      ...pageFields(page),
    };
  }),
};
