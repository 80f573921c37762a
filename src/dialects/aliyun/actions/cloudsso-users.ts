/**
 * CloudSSO 2021-05-15 user actions (spec §3.5), on the same directory users the Tencent door
 * serves. Translation only; the rules live in core/directory.
 */
import type { Caller } from "../../../core/accounts.js";
import type { DirectoryUser } from "../../../core/directory/views.js";
import type { Core } from "../../../core/index.js";
import { then } from "../../../lib/maybe-promise.js";
import type { Tag } from "../../../core/tags.js";
import { fail } from "../../../core/errors.js";
import { EXTERNAL_ID_ISSUER } from "../../../core/directory/users.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { neutralTags, wireTags } from "../tags.js";
import { directoryIdIn } from "../ids.js";
import { pageFields, pageRequest } from "../paging.js";
import { canonical, nameFilter, PROVISION_TYPES, STATUSES } from "./cloudsso-common.js";

/** Tag keys CloudSSO keeps for itself (in any case): its own rule, not the core's. */
const RESERVED_TAG_PREFIXES = ["aliyun", "acs:"];

/** The wire's `Tags` as the core's; a key with a reserved prefix is refused as the core refuses a bad tag. */
function userTags(tags: unknown[] | undefined) {
  const out = neutralTags(tags, "Tags");
  if (out?.some((t) => RESERVED_TAG_PREFIXES.some((prefix) => t.key.toLowerCase().startsWith(prefix)))) {
    fail("directory.field_invalid", `tag keys may not start with ${RESERVED_TAG_PREFIXES.join(" or ")}`, "tags");
  }
  return out;
}

/**
 * A CloudSSO `User`. `withExternalId`: GetUser and ListUsers add `ExternalId` {Id, Issuer: "SCIM"} for a
 * user an identity provider gave one (spec §3.5: Get/List only; CreateUser and UpdateUser do not).
 */
export function userObject(u: DirectoryUser, tags: Tag[] = [], withExternalId = false) {
  return {
    ...(withExternalId && u.externalId !== null ? { ExternalId: { Id: u.externalId, Issuer: EXTERNAL_ID_ISSUER } } : {}),
    UserId: u.userId,
    UserName: u.userName,
    DisplayName: u.displayName,
    FirstName: u.firstName,
    LastName: u.lastName,
    Email: u.email,
    Description: u.description,
    Status: u.status,
    ProvisionType: u.origin,
    Tags: wireTags(tags),
    CreateTime: aliyunTime(u.createdAt),
    UpdateTime: aliyunTime(u.updatedAt),
  };
}

/** Users as CloudSSO returns them, each with its tags. */
async function withTags(core: Core, caller: Caller, directoryId: string, users: DirectoryUser[], withExternalId = false) {
  const tags = await core.users.tagsOf(caller, directoryId, users.map((u) => u.userId));
  return users.map((u) => userObject(u, tags.get(u.userId), withExternalId));
}

export const cloudssoUsersActions = actions("cloudsso", {
  CreateUser: action(
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
        tags: userTags(p.Tags),
      });
      return { User: (await withTags(core, caller, directoryId, [user]))[0] };
    },
    { userStatus: "Status", tags: "Tags" },
  ),

  GetUser: action(({ core, caller }, p) => then(core.users.getTagged(caller, directoryIdIn(p.DirectoryId), p.UserId), (u) => ({ User: userObject(u, u.tags, true) }))),

  /** The user a SCIM provider gave this external id (Issuer `SCIM` only). */
  GetUserId: action(
    async ({ core, caller }, p) => {
      // The schema made it an object of text fields; the door takes only SCIM's.
      const ext = p.ExternalId;
      if (typeof ext.Id !== "string" || ext.Issuer !== "SCIM") {
        return fail("value.invalid", 'ExternalId must be {"Id": "<id>", "Issuer": "SCIM"}', "externalId");
      }
      return { UserId: await core.users.idByExternalId(caller, directoryIdIn(p.DirectoryId), { id: ext.Id, issuer: ext.Issuer }) };
    },
  ),

  ListUsers: action(
    async ({ core, caller }, p) => {
      const directoryId = directoryIdIn(p.DirectoryId);
      const page = await core.users.list(caller, directoryId, {
        ...pageRequest(p),
        userName: nameFilter(p.Filter, "UserName"),
        userStatus: canonical(p.Status, STATUSES),
        userType: canonical(p.ProvisionType, PROVISION_TYPES),
        tags: userTags(p.Tags),
      });
      return { Users: await withTags(core, caller, directoryId, page.items, true), ...pageFields(page) };
    },
    { userStatus: "Status", userType: "ProvisionType", userName: "Filter", tags: "Tags" },
  ),

  UpdateUser: action(
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

  UpdateUserStatus: action(
    async ({ core, caller }, p) => {
      await core.users.setStatus(caller, directoryIdIn(p.DirectoryId), p.UserId, canonical(p.NewStatus, STATUSES)!);
      return {};
    },
    { userStatus: "NewStatus" },
  ),

  ResetUserPassword: action(
    async ({ core, caller }, p) => {
      const { generated } = await core.users.resetPassword(caller, directoryIdIn(p.DirectoryId), p.UserId, {
        generate: p.GenerateRandomPassword === true,
        password: p.Password,
        needResetPassword: p.RequirePasswordResetForNextLogin,
      });
      return generated !== undefined ? { NewPassword: generated } : {};
    },
  ),

  DeleteUser: action(async ({ core, caller }, p) => {
    await core.users.delete(caller, directoryIdIn(p.DirectoryId), p.UserId);
    return {};
  }),

  ListJoinedGroupsForUser: action(async ({ core, caller }, p) => {
    const page = await core.groups.listJoined(caller, directoryIdIn(p.DirectoryId), p.UserId, pageRequest(p));
    return {
      JoinedGroups: page.items.map((g) => ({
        GroupId: g.groupId,
        GroupName: g.groupName,
        Description: g.description,
        ProvisionType: g.origin,
        UserId: p.UserId,
        JoinTime: aliyunTime(g.joinedAt),
      })),
      ...pageFields(page),
    };
  }),
});
