/** Quotas and caps the core enforces. Defaults follow the clouds' published numbers where they exist. */
export interface Limits {
  /** Members per organization (Tencent publishes no number; LimitExceeded.OrganizationMemberOverLimit exists). */
  orgMembers: number;
  /** Sub-users per account (CAM's default sub-user quota). */
  subUsersPerAccount: number;
}

export const DEFAULT_LIMITS: Limits = {
  orgMembers: 1000,
  subUsersPerAccount: 1000,
};
