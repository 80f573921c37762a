/** The caller's directory: its users, groups and memberships. */
import { bool, obj, oneOfValues, optional, page, paging, ref, str } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { directoryParams, id, inDirectory, pageOf } from "./common.js";

type InDirectory = { directoryId: string };
type UserParams = InDirectory & { userId: string };
type GroupParams = InDirectory & { groupId: string };

const userId = id("The user (`u-…`).");
const groupId = id("The group (`g-…`).");
const userFields = {
  displayName: str({ maxLength: 256 }),
  firstName: str({ maxLength: 64 }),
  lastName: str({ maxLength: 64 }),
  description: str({ maxLength: 1024 }),
  email: str({ maxLength: 128, description: "\"\" removes it." }),
  needResetPassword: bool(),
  status: oneOfValues(["Enabled", "Disabled"]),
};
const search = str({ minLength: 1, maxLength: 64, description: "A case-insensitive part of the name, e-mail, id or description." });

interface UserBody {
  userName?: string;
  displayName?: string;
  firstName?: string;
  lastName?: string;
  description?: string;
  email?: string;
  needResetPassword?: boolean;
  status?: string;
}

const userInput = (b: UserBody) => {
  const { status, ...fields } = b;
  return { ...fields, userStatus: status };
};

export const directoryRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/directories",
    name: "ListDirectories",
    summary: "The caller's directory (an organization has at most one)",
    tag: "directory",
    response: { status: 200, schema: obj({ items: { type: "array", items: ref("Directory") } }) },
    run: async ({ core, caller }) => {
      const d = await core.directories.find(caller);
      return { items: d ? [d] : [] };
    },
  }),
  route<InDirectory>({
    method: "GET",
    path: "/directories/{directoryId}",
    name: "GetDirectory",
    summary: "A directory with its counts and quotas",
    tag: "directory",
    params: inDirectory(),
    response: { status: 200, schema: ref("DirectoryStatistics") },
    run: ({ core, caller }, { params }) => core.directories.statistics(caller, params.directoryId),
  }),

  // ---- users ----
  route<InDirectory, { maxResults?: number; nextToken?: string; search?: string; status?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/users",
    name: "ListUsers",
    summary: "Users, a page at a time, optionally searched",
    tag: "directory",
    params: inDirectory(),
    query: optional({ ...paging, search, status: userFields.status }),
    response: { status: 200, schema: page(ref("User")) },
    run: async ({ core, caller }, { params, query }) => {
      const p = await core.users.list(caller, params.directoryId, { maxResults: query.maxResults, nextToken: query.nextToken, filter: query.search, userStatus: query.status });
      return pageOf(p, ({ selected: _, ...u }) => u);
    },
  }),
  route<InDirectory, unknown, UserBody & { userName: string }>({
    method: "POST",
    path: "/directories/{directoryId}/users",
    name: "CreateUser",
    summary: "Creates a user; its generated initial password is shown this once",
    tag: "directory",
    params: inDirectory(),
    body: obj({ userName: str({ minLength: 1, maxLength: 64 }), ...userFields }, Object.keys(userFields)),
    response: { status: 201, schema: obj({ user: ref("User"), password: str() }) },
    run: ({ core, caller }, { params, body }) => core.users.create(caller, params.directoryId, userInput(body) as UserBody & { userName: string }),
  }),
  route<UserParams>({
    method: "GET",
    path: "/directories/{directoryId}/users/{userId}",
    name: "GetUser",
    summary: "A user with its tags",
    tag: "directory",
    params: inDirectory({ userId }),
    response: { status: 200, schema: ref("TaggedUser") },
    run: ({ core, caller }, { params }) => core.users.getTagged(caller, params.directoryId, params.userId),
  }),
  route<UserParams, unknown, UserBody>({
    method: "PATCH",
    path: "/directories/{directoryId}/users/{userId}",
    name: "UpdateUser",
    summary: "Changes a user's fields or status (enable, disable)",
    tag: "directory",
    params: inDirectory({ userId }),
    body: optional(userFields, { minProperties: 1 }),
    response: { status: 200, schema: ref("TaggedUser") },
    run: async ({ core, caller }, { params, body }) => {
      await core.users.update(caller, params.directoryId, params.userId, userInput(body));
      return core.users.getTagged(caller, params.directoryId, params.userId);
    },
  }),
  route<UserParams>({
    method: "DELETE",
    path: "/directories/{directoryId}/users/{userId}",
    name: "DeleteUser",
    summary: "Deletes a user (refused while it is in a group or provisioned)",
    tag: "directory",
    params: inDirectory({ userId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => void (await core.users.delete(caller, params.directoryId, params.userId)),
  }),
  route<UserParams, { maxResults?: number; nextToken?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/users/{userId}/groups",
    name: "ListUserGroups",
    summary: "The groups a user is in",
    tag: "directory",
    params: inDirectory({ userId }),
    query: optional(paging),
    response: { status: 200, schema: page(ref("JoinedGroup")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.groups.listJoined(caller, params.directoryId, params.userId, query)),
  }),

  // ---- groups ----
  route<InDirectory, { maxResults?: number; nextToken?: string; search?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/groups",
    name: "ListGroups",
    summary: "Groups, a page at a time, optionally searched",
    tag: "directory",
    params: inDirectory(),
    query: optional({ ...paging, search: str({ minLength: 1, maxLength: 64, description: "A case-insensitive part of the name, id or description." }) }),
    response: { status: 200, schema: page(ref("Group")) },
    run: async ({ core, caller }, { params, query }) => {
      const p = await core.groups.list(caller, params.directoryId, { maxResults: query.maxResults, nextToken: query.nextToken, filter: query.search });
      return pageOf(p, ({ selected: _, ...g }) => g);
    },
  }),
  route<InDirectory, unknown, { groupName: string; description?: string }>({
    method: "POST",
    path: "/directories/{directoryId}/groups",
    name: "CreateGroup",
    summary: "Creates a group",
    tag: "directory",
    params: inDirectory(),
    body: obj({ groupName: str({ minLength: 1, maxLength: 128 }), description: str({ maxLength: 1024 }) }, ["description"]),
    response: { status: 201, schema: ref("Group") },
    run: ({ core, caller }, { params, body }) => core.groups.create(caller, params.directoryId, body),
  }),
  route<GroupParams>({
    method: "GET",
    path: "/directories/{directoryId}/groups/{groupId}",
    name: "GetGroup",
    summary: "A group",
    tag: "directory",
    params: inDirectory({ groupId }),
    response: { status: 200, schema: ref("Group") },
    run: ({ core, caller }, { params }) => core.groups.get(caller, params.directoryId, params.groupId),
  }),
  route<GroupParams, unknown, { groupName?: string; description?: string }>({
    method: "PATCH",
    path: "/directories/{directoryId}/groups/{groupId}",
    name: "UpdateGroup",
    summary: "Renames a group or changes its description",
    tag: "directory",
    params: inDirectory({ groupId }),
    body: optional({ groupName: str({ minLength: 1, maxLength: 128 }), description: str({ maxLength: 1024 }) }, { minProperties: 1 }),
    response: { status: 200, schema: ref("Group") },
    run: async ({ core, caller }, { params, body }) => {
      await core.groups.update(caller, params.directoryId, params.groupId, body);
      return core.groups.get(caller, params.directoryId, params.groupId);
    },
  }),
  route<GroupParams>({
    method: "DELETE",
    path: "/directories/{directoryId}/groups/{groupId}",
    name: "DeleteGroup",
    summary: "Deletes a group (refused while it has members or is provisioned)",
    tag: "directory",
    params: inDirectory({ groupId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => void (await core.groups.delete(caller, params.directoryId, params.groupId)),
  }),

  // ---- memberships ----
  route<GroupParams, { maxResults?: number; nextToken?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/groups/{groupId}/members",
    name: "ListGroupMembers",
    summary: "A group's members, a page at a time",
    tag: "directory",
    params: inDirectory({ groupId }),
    query: optional(paging),
    response: { status: 200, schema: page(ref("GroupMember")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.groups.listMembers(caller, params.directoryId, params.groupId, query)),
  }),
  route<GroupParams & { userId: string }>({
    method: "PUT",
    path: "/directories/{directoryId}/groups/{groupId}/members/{userId}",
    name: "AddGroupMember",
    summary: "Adds a user to a group",
    tag: "directory",
    params: inDirectory({ groupId, userId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => void (await core.groups.addMember(caller, params.directoryId, params.groupId, params.userId)),
  }),
  route<GroupParams & { userId: string }>({
    method: "DELETE",
    path: "/directories/{directoryId}/groups/{groupId}/members/{userId}",
    name: "RemoveGroupMember",
    summary: "Removes a user from a group",
    tag: "directory",
    params: inDirectory({ groupId, userId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => void (await core.groups.removeMember(caller, params.directoryId, params.groupId, params.userId)),
  }),
];

export { directoryParams };
