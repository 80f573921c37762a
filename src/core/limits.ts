/** Quotas and caps the core enforces. Defaults follow the clouds' published numbers where they exist. */
export interface Limits {
  /** Members per organization (Tencent publishes no number; LimitExceeded.OrganizationMemberOverLimit exists). */
  orgMembers: number;
  /** Sub-users per account (CAM's default sub-user quota). */
  subUsersPerAccount: number;
  /** Users per directory (Tencent GetZoneStatistics UserQuota). */
  usersPerDirectory: number;
  /** Groups per directory (GroupQuota). */
  groupsPerDirectory: number;
  /** Members per group (FailedOperation.GroupUserCountOverUpperLimit; no published number). */
  membersPerGroup: number;
  /** Groups one user may join (FailedOperation.UserAddGroupCountOverUpperLimit; no published number). */
  groupsPerUser: number;
  /** Provisionings per directory (FailedOperation.UserProvisioningOverLimit; no published number). */
  provisioningsPerDirectory: number;
  /** Permission configurations per directory (RoleConfigurationQuota, AccessConfigurationQuota: 1000). */
  accessConfigurationsPerDirectory: number;
  /** System policies per configuration (SystemPolicyPerRoleConfigurationQuota, SystemPolicyPerAccessConfigurationQuota: 20). */
  systemPoliciesPerConfiguration: number;
  /** Inline (custom) policies per configuration (InlinePolicyPerAccessConfigurationQuota: 1). */
  inlinePoliciesPerConfiguration: number;
}

export const DEFAULT_LIMITS: Limits = {
  orgMembers: 1000,
  subUsersPerAccount: 1000,
  usersPerDirectory: 1000,
  groupsPerDirectory: 500,
  membersPerGroup: 1000,
  groupsPerUser: 50,
  provisioningsPerDirectory: 1000,
  accessConfigurationsPerDirectory: 1000,
  systemPoliciesPerConfiguration: 20,
  inlinePoliciesPerConfiguration: 1,
};

/** Parses `usersPerDirectory=5000,membersPerGroup=10000` (OPENCIC_LIMITS). */
export function parseLimits(spec: string | undefined): Partial<Limits> {
  const out: Partial<Limits> = {};
  if (!spec) return out;
  for (const part of spec.split(",")) {
    const [k, v] = part.split("=").map((s) => s.trim());
    const n = Number(v);
    if (!k || !(k in DEFAULT_LIMITS) || !Number.isInteger(n) || n < 0) throw new Error(`bad limit "${part}" (known: ${Object.keys(DEFAULT_LIMITS).join(", ")})`);
    out[k as keyof Limits] = n;
  }
  return out;
}
