/** The caller's organization, its member accounts, and an account's sub-users with what manages them. */
import { arr, int, obj, ref } from "../schema.js";
import { type NativeRoute, route } from "../route.js";

export const organizationRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/organization",
    name: "GetOrganization",
    summary: "The organization the caller's account belongs to",
    tag: "organization",
    response: { status: 200, schema: ref("Organization") },
    run: ({ core, caller }) => core.organizations.describe(caller),
  }),
  route({
    method: "GET",
    path: "/organization/members",
    name: "ListOrganizationMembers",
    summary: "Every member account of the caller's organization, the management account included",
    tag: "organization",
    response: { status: 200, schema: obj({ items: arr(ref("Member")), totalCount: int() }) },
    run: async ({ core, caller }) => {
      const items = await core.organizations.members(caller);
      return { items, totalCount: items.length };
    },
  }),
  route<{ uin: number }>({
    method: "GET",
    path: "/accounts/{uin}/sub-users",
    name: "ListAccountSubUsers",
    summary: "An account's sub-users: which are managed, by which provisioning, through which user or group",
    tag: "organization",
    params: obj({ uin: int({ minimum: 1, description: "The caller's own account, or a member of the organization it manages." }) }),
    response: { status: 200, schema: obj({ items: arr(ref("SubUser")), totalCount: int() }) },
    run: async ({ core, caller }, { params }) => {
      const items = await core.provisionings.accountSubUsers(caller, params.uin);
      return { items, totalCount: items.length };
    },
  }),
];
