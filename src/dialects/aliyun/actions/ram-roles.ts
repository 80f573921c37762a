/**
 * RAM 2015-05-01 roles and policies as a member account sees them with its own key: what CloudSSO
 * deployed there (access spec §1.2, §3.7) — the role `AliyunReservedSSO-<configuration>` trusting the
 * directory's SAML provider, its system policies, and its inline policy as the custom policy
 * `AliyunReservedSSO-<configuration>-InlinePolicy`. Translation only, over core.accountRoles.
 *
 * OpenCIC keeps no other RAM roles or custom policies: any other name is RAM's not-found, and every
 * change to a deployed one is refused (they belong to CloudSSO, as on Alibaba Cloud). RAM's own
 * system policies are not served by GetPolicy.
 */
import type { Caller } from "../../../core/accounts.js";
import type { AccountRolePolicyView, AccountRoleView } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import type { Core } from "../../../core/index.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { INLINE_POLICY_SUFFIX, RESERVED_PREFIX, inlinePolicyName, ramRoleName, samlProviderName } from "./cloudsso-deployments.js";

/** Where the deployed role's trust policy sends the SAML assertion (RAM's documented SAML-role form). */
const SAML_RECIPIENT = "https://signin.aliyun.com/saml-role/sso";
/** A deployed policy has one version: CloudSSO replaces the whole document when it re-provisions. */
const VERSION = "v1";
const DEFAULT_MAX_ITEMS = 100;

const ROLE_FIELDS = { name: "RoleName" };
const POLICY_FIELDS = { name: "PolicyName" };
/** The policy actions find the role a policy belongs to first: its absence is the policy's. */
const POLICY_CODES = { "account.role_not_found": "EntityNotExist.Policy" } as const;

/** The configuration a reserved name is made from (`AliyunReservedSSO-<x><suffix>`), or undefined. */
function reservedPart(name: string, suffix = ""): string | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith(RESERVED_PREFIX.toLowerCase()) || !lower.endsWith(suffix.toLowerCase())) return undefined;
  const part = name.slice(RESERVED_PREFIX.length, name.length - suffix.length);
  return part === "" ? undefined : part;
}

/** The deployed role a RAM role name names (names compared without regard to case, as RAM does). */
function roleNamed(core: Core, caller: Caller, roleName: string): Promise<AccountRoleView> {
  const configurationName = reservedPart(roleName);
  return configurationName === undefined ? fail("account.role_not_found", `the role ${roleName} does not exist`, "name") : core.accountRoles.roleByConfigurationName(caller, configurationName);
}

/** The deployed inline policy a RAM custom policy name names, with its role. */
async function inlinePolicyNamed(core: Core, caller: Caller, policyName: string): Promise<{ role: AccountRoleView; policy: AccountRolePolicyView }> {
  const missing = () => fail("account.role_not_found", `the policy ${policyName} does not exist`, "name");
  const configurationName = reservedPart(policyName, INLINE_POLICY_SUFFIX);
  if (configurationName === undefined) return missing();
  const role = await core.accountRoles.roleByConfigurationName(caller, configurationName);
  const policy = (await core.accountRoles.policies(caller, role.configurationId)).find((p) => p.type === "Inline");
  return policy ? { role, policy } : missing();
}

function trustPolicy(accountUin: number, directoryId: string): string {
  return JSON.stringify({
    Statement: [
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Federated: [`acs:ram::${accountUin}:saml-provider/${samlProviderName(directoryId)}`] },
        Condition: { StringEquals: { "saml:recipient": SAML_RECIPIENT } },
      },
    ],
    Version: "1",
  });
}

function roleObject(r: AccountRoleView) {
  const name = ramRoleName(r.configurationName);
  return {
    RoleId: r.roleId,
    RoleName: name,
    // ARNs spell role names in lower case (access spec §1.2).
    Arn: `acs:ram::${r.accountUin}:role/${name.toLowerCase()}`,
    Description: r.description,
    MaxSessionDuration: r.sessionDuration,
    CreateDate: aliyunTime(r.createdAt),
    UpdateDate: aliyunTime(r.updatedAt),
  };
}

/**
 * RAM's Marker paging over a list the door holds whole (an account has few deployed roles and one
 * identity provider per directory): the marker is the position of the next item.
 */
export function markerPage<T>(items: T[], marker: string | undefined, maxItems: number | undefined): { page: T[]; IsTruncated: boolean; Marker?: string } {
  let start = 0;
  if (marker) {
    const m = /^o([0-9]{1,9})$/.exec(Buffer.from(marker, "base64url").toString("latin1"));
    if (!m) return fail("value.invalid", "the Marker is invalid", "marker");
    start = Number(m[1]);
  }
  const end = start + (maxItems ?? DEFAULT_MAX_ITEMS);
  const truncated = end < items.length;
  return { page: items.slice(start, end), IsTruncated: truncated, ...(truncated ? { Marker: Buffer.from(`o${end}`).toString("base64url") } : {}) };
}

/** Looks the role up (not-found first), then refuses: the role is CloudSSO's. */
const refuseRoleChange = <A extends "DeleteRole" | "UpdateRole" | "AttachPolicyToRole" | "DetachPolicyFromRole">() =>
  action<"ram", A>(async ({ core, caller }, p) => {
  const role = await roleNamed(core, caller, p.RoleName!);
  return core.accountRoles.refuseChange(`the role ${ramRoleName(role.configurationName)}`);
}, ROLE_FIELDS);

const refusePolicyChange = <A extends "DeletePolicy" | "CreatePolicyVersion" | "DeletePolicyVersion" | "SetDefaultPolicyVersion">() =>
  action<"ram", A>(
  async ({ core, caller }, p) => {
    const { role } = await inlinePolicyNamed(core, caller, p.PolicyName!);
    return core.accountRoles.refuseChange(`the policy ${inlinePolicyName(role.configurationName)}`);
  },
  POLICY_FIELDS,
  POLICY_CODES,
);

export const ramRoleActions = actions("ram", {
  GetRole: action(async ({ core, caller }, p) => {
    const role = await roleNamed(core, caller, p.RoleName);
    return { Role: { ...roleObject(role), AssumeRolePolicyDocument: trustPolicy(role.accountUin, role.directoryId) } };
  }, ROLE_FIELDS),

  ListRoles: action(
    async ({ core, caller }, p) => {
      const { page, ...paging } = markerPage(await core.accountRoles.roles(caller), p.Marker, p.MaxItems);
      return { ...paging, Roles: { Role: page.map(roleObject) } };
    },
    { maxItems: "MaxItems", marker: "Marker" },
  ),

  ListPoliciesForRole: action(async ({ core, caller }, p) => {
    const role = await roleNamed(core, caller, p.RoleName);
    const policies = await core.accountRoles.policies(caller, role.configurationId);
    return {
      Policies: {
        Policy: policies.map((x) => ({
          PolicyName: x.type === "Inline" ? inlinePolicyName(role.configurationName) : x.name,
          PolicyType: x.type === "Inline" ? "Custom" : "System",
          DefaultVersion: VERSION,
          Description: "",
          AttachDate: aliyunTime(x.attachedAt),
        })),
      },
    };
  }, ROLE_FIELDS),

  GetPolicy: action(
    async ({ core, caller }, p) => {
      // Only the deployed custom policies are OpenCIC's to show.
      if (p.PolicyType.toLowerCase() !== "custom") return fail("account.role_not_found", `the policy ${p.PolicyName} does not exist`, "name");
      const { role, policy } = await inlinePolicyNamed(core, caller, p.PolicyName);
      const at = aliyunTime(policy.attachedAt);
      return {
        Policy: { PolicyName: inlinePolicyName(role.configurationName), PolicyType: "Custom", Description: "", DefaultVersion: VERSION, PolicyDocument: policy.document, AttachmentCount: 1, CreateDate: at, UpdateDate: at },
        DefaultPolicyVersion: { VersionId: VERSION, IsDefaultVersion: true, PolicyDocument: policy.document, CreateDate: at },
      };
    },
    POLICY_FIELDS,
    POLICY_CODES,
  ),

  DeleteRole: refuseRoleChange(),
  UpdateRole: refuseRoleChange(),
  AttachPolicyToRole: refuseRoleChange(),
  DetachPolicyFromRole: refuseRoleChange(),
  DeletePolicy: refusePolicyChange(),
  CreatePolicyVersion: refusePolicyChange(),
  DeletePolicyVersion: refusePolicyChange(),
  SetDefaultPolicyVersion: refusePolicyChange(),
});
