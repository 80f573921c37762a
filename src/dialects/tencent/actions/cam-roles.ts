/**
 * cam 2019-01-16: what the identity center deployed into the calling account, as CAM shows it (access
 * spec §1.1, §2.7): the role `TencentCloudSSO-<configuration name>` per deployed configuration, its
 * policies, and the SAML provider `TencentReservedSSO-<ZoneId>`. Reads only; every change the account
 * asks for is refused (core.accountRoles.refuseChange), with the code CAM lists for that action.
 * OpenCIC models no other CAM roles or providers: any other name is not found.
 */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/cam/v20190116/cam_models.js";
import type { AccountRolePolicyView, AccountRoleView, AccountSamlProviderView, PolicyType } from "../../../core/access/views.js";
import type { Caller } from "../../../core/accounts.js";
import type { Core } from "../../../core/index.js";
import { fail, type Reason } from "../../../core/errors.js";
import { CAM_ROLE_PREFIX } from "../../../core/access/reconcile.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";

const PROVIDER_PREFIX = "TencentReservedSSO-";
/** The audience CAM's documented SAML trust policy names (spec §1.1). */
const SAML_AUDIENCE = "https://cloud.tencent.com/login/saml";

const providerName = (zoneId: string) => `${PROVIDER_PREFIX}${zoneId}`;
const providerArn = (uin: number, zoneId: string) => `qcs::cam::uin/${uin}:saml-provider/${providerName(zoneId)}`;

/** CAM's documented shape of a role that trusts a SAML provider; the identity center's own is undocumented (spec §1.1). */
function trustPolicy(r: AccountRoleView): string {
  return JSON.stringify({
    version: "2.0",
    statement: [{ action: "name/sts:AssumeRoleWithSAML", effect: "allow", principal: { federated: [providerArn(r.accountUin, r.directoryId)] }, condition: { string_equal: { "saml:aud": SAML_AUDIENCE } } }],
  });
}

function roleInfo(r: AccountRoleView): Sdk.RoleInfo {
  const name = CAM_ROLE_PREFIX + r.configurationName;
  return {
    RoleId: r.roleId,
    RoleName: name,
    PolicyDocument: trustPolicy(r),
    Description: r.description,
    AddTime: tencentTime(r.createdAt),
    UpdateTime: tencentTime(r.updatedAt),
    // Assumed through SAML sign-in to the console.
    ConsoleLogin: 1,
    // CAM's enum has no "identity center" type (the console shows one); such a role is made for the account, not by CAM itself.
    RoleType: "user",
    SessionDuration: r.sessionDuration,
    Tags: [],
    RoleArn: `qcs::cam::uin/${r.accountUin}:roleName/${name}`,
  };
}

/** System policies are CAM preset ("QCS") policies under their own id; the custom document is the account's ("User"), with no CAM id. */
function attachedPolicy(p: AccountRolePolicyView): Sdk.AttachedPolicyOfRole {
  const custom = p.type === "Inline";
  return {
    PolicyId: p.policyId ?? 0,
    PolicyName: p.name,
    AddTime: tencentTime(p.attachedAt),
    PolicyType: custom ? "User" : "QCS",
    // 1: made by a product feature (the identity center wrote the custom policy); preset policies are CAM's.
    CreateMode: custom ? 1 : 2,
    Deactived: 0,
    DeactivedDetail: [],
    Description: "",
  };
}

function policyType(wire: string | undefined): PolicyType | undefined {
  if (wire === undefined) return undefined;
  if (wire === "QCS") return "System";
  if (wire === "User") return "Inline";
  return fail("access.field_invalid", "PolicyType must be User or QCS", "policyType");
}

/** The identity provider's SAML metadata: OpenCIC signs no assertions, so it names the zone and nothing more. */
function samlMetadata(p: AccountSamlProviderView): string {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="opencic:${p.directoryId}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>`;
  return Buffer.from(xml).toString("base64");
}

function provider(p: AccountSamlProviderView) {
  return { Name: providerName(p.directoryId), Description: `Identity center zone ${p.directoryId}`, CreateTime: tencentTime(p.createdAt), ModifyTime: tencentTime(p.updatedAt) };
}

/** CAM names a role by RoleId or RoleName (each action spells them its own way): exactly one. */
function findRole(core: Core, caller: Caller, id: string | undefined, name: string | undefined, fields: [string, string]): Promise<AccountRoleView> {
  if (id && name) fail("access.field_invalid", `give ${fields[0]} or ${fields[1]}, not both`, "roleId");
  if (id) return core.accountRoles.roleById(caller, id);
  if (!name) return fail("value.missing", `${fields[0]} or ${fields[1]} is required`, "roleName");
  return name.startsWith(CAM_ROLE_PREFIX) ? core.accountRoles.roleByConfigurationName(caller, name.slice(CAM_ROLE_PREFIX.length)) : fail("account.role_not_found", `the account has no role ${name}`, "roleName");
}

function findProvider(core: Core, caller: Caller, name: string): Promise<AccountSamlProviderView> {
  return name.startsWith(PROVIDER_PREFIX) ? core.accountRoles.samlProvider(caller, name.slice(PROVIDER_PREFIX.length)) : fail("account.saml_provider_not_found", `the account has no identity provider ${name}`, "name");
}

/** CAM's Page (from 1) and Rp (1–200) over a list the account holds in full. */
function page<T>(items: T[], req: { Page: number; Rp: number }): T[] {
  if (!Number.isInteger(req.Page) || req.Page < 1) fail("access.field_invalid", "Page starts at 1", "page");
  if (!Number.isInteger(req.Rp) || req.Rp < 1 || req.Rp > 200) fail("access.field_invalid", "Rp is 1 to 200", "rp");
  return items.slice((req.Page - 1) * req.Rp, req.Page * req.Rp);
}

/** CAM's codes for a change to a role or provider the identity center owns (spec §2.7). */
const ROLE_REFUSED: Partial<Record<Reason, string>> = { "account.managed_by_identity_center": "InvalidParameter.OrganizationRoleOperateError" };
const POLICY_REFUSED: Partial<Record<Reason, string>> = { "account.managed_by_identity_center": "FailedOperation.OrganizationPolicyOperateError" };
const FIELDS = { roleId: "RoleId", roleName: "RoleName", page: "Page", rp: "Rp", search: "Keyword" };
const ATTACH_FIELDS = { roleId: "AttachRoleId", roleName: "AttachRoleName" };
const DETACH_FIELDS = { roleId: "DetachRoleId", roleName: "DetachRoleName" };

export const camRoleActions: ActionTable = {
  GetRole: action<Sdk.GetRoleRequest, Sdk.GetRoleResponse>(async ({ core, caller }, req) => ({ RoleInfo: roleInfo(await findRole(core, caller, req.RoleId, req.RoleName, ["RoleId", "RoleName"])) }), FIELDS),

  DescribeRoleList: action<Sdk.DescribeRoleListRequest, Sdk.DescribeRoleListResponse>(async ({ core, caller }, req) => {
    // No identity-center role carries tags: a tag filter lists nothing.
    const roles = req.Tags?.length ? [] : await core.accountRoles.roles(caller);
    return { List: page(roles, req).map(roleInfo), TotalNum: roles.length };
  }, FIELDS),

  ListAttachedRolePolicies: action<Sdk.ListAttachedRolePoliciesRequest, Sdk.ListAttachedRolePoliciesResponse>(async ({ core, caller }, req) => {
    const type = policyType(req.PolicyType);
    const role = await findRole(core, caller, req.RoleId, req.RoleName, ["RoleId", "RoleName"]);
    const policies = await core.accountRoles.policies(caller, role.configurationId, { type, search: req.Keyword || undefined });
    return { List: page(policies, req).map(attachedPolicy), TotalNum: policies.length };
  }, FIELDS),

  GetSAMLProvider: action<Sdk.GetSAMLProviderRequest, Sdk.GetSAMLProviderResponse>(async ({ core, caller }, req) => {
    const p = await findProvider(core, caller, req.Name);
    return { ...provider(p), SAMLMetadata: samlMetadata(p) };
  }),

  ListSAMLProviders: action<Sdk.ListSAMLProvidersRequest, Sdk.ListSAMLProvidersResponse>(async ({ core, caller }) => {
    const providers = await core.accountRoles.samlProviders(caller);
    return { TotalCount: providers.length, SAMLProviderSet: providers.map(provider) };
  }),

  DeleteRole: action<Sdk.DeleteRoleRequest, Sdk.DeleteRoleResponse>(async ({ core, caller }, req) => {
    const role = await findRole(core, caller, req.RoleId, req.RoleName, ["RoleId", "RoleName"]);
    return core.accountRoles.refuseChange(`the role ${CAM_ROLE_PREFIX}${role.configurationName}`);
  }, FIELDS, ROLE_REFUSED),

  UpdateRoleDescription: action<Sdk.UpdateRoleDescriptionRequest, Sdk.UpdateRoleDescriptionResponse>(async ({ core, caller }, req) => {
    const role = await findRole(core, caller, req.RoleId, req.RoleName, ["RoleId", "RoleName"]);
    return core.accountRoles.refuseChange(`the role ${CAM_ROLE_PREFIX}${role.configurationName}`);
  }, FIELDS, ROLE_REFUSED),

  UpdateAssumeRolePolicy: action<Sdk.UpdateAssumeRolePolicyRequest, Sdk.UpdateAssumeRolePolicyResponse>(async ({ core, caller }, req) => {
    const role = await findRole(core, caller, req.RoleId, req.RoleName, ["RoleId", "RoleName"]);
    return core.accountRoles.refuseChange(`the trust policy of the role ${CAM_ROLE_PREFIX}${role.configurationName}`);
  }, FIELDS, ROLE_REFUSED),

  AttachRolePolicy: action<Sdk.AttachRolePolicyRequest, Sdk.AttachRolePolicyResponse>(async ({ core, caller }, req) => {
    const role = await findRole(core, caller, req.AttachRoleId, req.AttachRoleName, ["AttachRoleId", "AttachRoleName"]);
    return core.accountRoles.refuseChange(`the policies of the role ${CAM_ROLE_PREFIX}${role.configurationName}`);
  }, ATTACH_FIELDS, POLICY_REFUSED),

  DetachRolePolicy: action<Sdk.DetachRolePolicyRequest, Sdk.DetachRolePolicyResponse>(async ({ core, caller }, req) => {
    const role = await findRole(core, caller, req.DetachRoleId, req.DetachRoleName, ["DetachRoleId", "DetachRoleName"]);
    return core.accountRoles.refuseChange(`the policies of the role ${CAM_ROLE_PREFIX}${role.configurationName}`);
  }, DETACH_FIELDS, POLICY_REFUSED),

  // The table's code for the refusal (FailedOperation.CICIdentityForbidden) is the one CAM lists for these two.
  UpdateSAMLProvider: action<Sdk.UpdateSAMLProviderRequest, Sdk.UpdateSAMLProviderResponse>(async ({ core, caller }, req) => {
    await findProvider(core, caller, req.Name);
    return core.accountRoles.refuseChange(`the identity provider ${req.Name}`);
  }),

  DeleteSAMLProvider: action<Sdk.DeleteSAMLProviderRequest, Sdk.DeleteSAMLProviderResponse>(async ({ core, caller }, req) => {
    await findProvider(core, caller, req.Name);
    return core.accountRoles.refuseChange(`the identity provider ${req.Name}`);
  }),
};
