/** organization 2021-03-31: organization and member actions. Translation only; rules live in core/organizations. */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import { FINANCIAL_PERMISSIONS, type MemberView, POLICY_TYPES, type Tag } from "../../../core/organizations.js";
import { then } from "../../../lib/maybe-promise.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";

const toTags = (tags: Sdk.Tag[] | undefined): Tag[] | undefined => tags?.map((t) => ({ key: t.TagKey, value: t.TagValue }));
const permissions = (ids: number[]): Sdk.OrgPermission[] => ids.map((id) => ({ Id: id, Name: FINANCIAL_PERMISSIONS[id] ?? "" }));

function orgMember(m: MemberView): Sdk.OrgMember {
  return {
    MemberUin: m.uin,
    Name: m.name,
    MemberType: m.memberType,
    OrgPolicyType: m.policyType,
    OrgPolicyName: POLICY_TYPES[m.policyType] ?? "",
    OrgPermission: permissions(m.permissionIds),
    NodeId: m.nodeId,
    NodeName: m.nodeName,
    Remark: m.remark,
    CreateTime: tencentTime(m.joinedAt),
    UpdateTime: tencentTime(m.updatedAt),
    IsAllowQuit: m.isManager ? "Denied" : "Allow",
    PayUin: "",
    PayName: "",
    OrgIdentity: [],
    BindStatus: "Unbound",
    PermissionStatus: "Confirmed",
    Tags: m.tags.map((t) => ({ TagKey: t.key, TagValue: t.value })),
    NickName: m.name,
  };
}

export const organizationActions: ActionTable = {
  CreateOrganization: action<Sdk.CreateOrganizationRequest, Sdk.CreateOrganizationResponse>(async ({ core, caller }) => {
    const { orgId, managerName } = await core.organizations.create(caller);
    return { OrgId: orgId, NickName: managerName };
  }),

  DescribeOrganization: action<Sdk.DescribeOrganizationRequest, Sdk.DescribeOrganizationResponse>(async ({ core, caller }) => {
    const { caller: me, ...org } = await core.organizations.describe(caller);
    return {
      OrgId: org.orgId,
      HostUin: org.managerUin,
      NickName: org.managerName,
      OrgType: null,
      IsManager: me.isManager,
      OrgPolicyType: me.policyType,
      OrgPolicyName: POLICY_TYPES[me.policyType] ?? "",
      OrgPermission: permissions(me.permissionIds),
      RootNodeId: org.rootNodeId,
      CreateTime: tencentTime(org.createdAt),
      JoinTime: tencentTime(me.joinedAt),
      IsAllowQuit: me.isManager ? "Denied" : "Allow",
      PayUin: "",
      PayName: "",
      IsAssignManager: false,
      IsAuthManager: me.isManager,
    };
  }),

  CreateOrganizationMember: action<Sdk.CreateOrganizationMemberRequest, Sdk.CreateOrganizationMemberResponse>(async ({ core, caller }, req) => {
    const uin = await core.organizations.createMember(caller, {
      name: req.Name,
      accountName: req.AccountName,
      policyType: req.PolicyType,
      permissionIds: req.PermissionIds.map(Number),
      nodeId: req.NodeId,
      remark: req.Remark,
      tags: toTags(req.Tags),
    });
    return { Uin: uin };
  }),

  DescribeOrganizationMembers: action<Sdk.DescribeOrganizationMembersRequest, Sdk.DescribeOrganizationMembersResponse>(({ core, caller }, req) =>
    then(
      core.organizations.listMembers(caller, {
        offset: req.Offset,
        limit: req.Limit,
        searchKey: req.SearchKey,
        nodeId: req.NodeId,
        nodeName: req.NodeName,
        tags: toTags(req.Tags),
      }),
      ({ items, total }) => ({ Items: items.map(orgMember), Total: total }),
    ),
  ),

  DeleteOrganizationMembers: action<Sdk.DeleteOrganizationMembersRequest, Sdk.DeleteOrganizationMembersResponse>(async ({ core, caller }, req) => {
    await core.organizations.removeMembers(caller, req.MemberUin.map(Number));
    return {};
  }),

  QuitOrganization: action<Sdk.QuitOrganizationRequest, Sdk.QuitOrganizationResponse>(async ({ core, caller }, req) => {
    await core.organizations.quit(caller, req.OrgId);
    return {};
  }),

  DeleteOrganization: action<Sdk.DeleteOrganizationRequest, Sdk.DeleteOrganizationResponse>(async ({ core, caller }) => {
    await core.organizations.delete(caller);
    return {};
  }),
};
