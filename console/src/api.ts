/**
 * The console's only backend: the native admin API (/api/v1). The session lives in an HttpOnly
 * cookie the page cannot read; the page keeps only the session's anti-forgery token, in memory, and
 * sends it on every change. Refusals arrive as problem details; their `detail` is what is shown.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the API says the session is gone (expired, signed out elsewhere, key disabled). */
export function whenSignedOut(f: () => void): void {
  onSignedOut = f;
}

export type Query = Record<string, string | number | undefined>;

export async function api<T = unknown>(method: string, path: string, opts: { body?: unknown; query?: Query } = {}): Promise<T> {
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== undefined) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), credentials: "same-origin" });
  const text = await res.text();
  const data = text === "" ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const p = (data ?? {}) as { detail?: string; reason?: string; field?: string };
    if (res.status === 401 && path !== "/session") onSignedOut();
    throw new ApiError(p.detail ?? res.statusText, res.status, p.reason ?? "unknown", p.field);
  }
  return data as T;
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  nextToken?: string;
}

export interface Session {
  accountUin: number;
  principalUin: number;
  csrfToken: string;
  expiresAt: string;
  idleExpiresAt: string;
}

export interface Member {
  uin: number;
  name: string;
  accountName: string;
  isManager: boolean;
  nodeName: string;
}

export interface Organization {
  orgId: number;
  managerUin: number;
  managerName: string;
  createdAt: string;
}

export interface Directory {
  directoryId: string;
  name: string;
}

export interface DirectoryStatistics {
  directory: Directory;
  quotas: { users: number; groups: number; membersPerGroup: number; groupsPerUser: number };
  userCount: number;
  groupCount: number;
  provisionedUserCount: number;
}

export interface Principal {
  type: "User" | "Group";
  id: string;
  name: string;
}

export interface SubUser {
  uin: number;
  name: string;
  remark: string;
  directoryUserId: string | null;
  managedBy: { provisioningId: string; directoryId: string; principal: Principal }[];
}

export interface User {
  userId: string;
  userName: string;
  displayName: string;
  email: string;
  description: string;
  status: "Enabled" | "Disabled";
  origin: string;
}

export interface Group {
  groupId: string;
  groupName: string;
  description: string;
  memberCount: number;
}

export interface Progress {
  total: number;
  done: number;
  failed: number;
  heldDeletions: number;
}

export interface Provisioning {
  provisioningId: string;
  principal: Principal;
  target: { type: string; accountUin: number; name: string };
  duplicationStrategy: "KeepBoth" | "TakeOver";
  deletionStrategy: "Delete" | "Keep";
  progress: Progress;
}

export interface ProvisioningTask {
  taskId: string;
  type: string;
  status: "InProgress" | "Success" | "Failed";
  failureReason: string;
  createdAt: string;
}

export interface Failure {
  failureId: string;
  provisioning: { provisioningId: string; principal: Principal; target: { accountUin: number; name: string } };
  userId: string;
  userName: string;
  failureKind: string;
  failureReason: string;
  failureCount: number;
  lastAttemptAt: string;
}

export interface QueueStats {
  depth: number;
  due: number;
  leased: number;
  parked: number;
  oldestDueAgeMs: number | null;
}

export interface Key {
  secretId: string;
  accountUin: number;
  subjectUin: number;
  status: "Enabled" | "Disabled";
  createdAt: string;
}

export interface AccessPolicy {
  type: "System" | "Inline";
  name: string;
  grammar: string;
  policyId?: number;
  document?: string;
  addedAt: string;
}

export interface AccessConfiguration {
  configurationId: string;
  name: string;
  description: string;
  sessionDuration: number;
  relayState: string;
  redeployRequired: boolean;
  createdAt: string;
  updatedAt: string;
  policies?: AccessPolicy[];
}

interface AccessTarget {
  configurationId: string;
  configurationName: string;
  targetType: string;
  targetUin: number;
  targetName: string;
}

export interface Assignment extends AccessTarget {
  principalType: "User" | "Group";
  principalId: string;
  principalName: string;
  createdAt: string;
}

export interface Deployment extends AccessTarget {
  state: "Deployed" | "RedeployRequired" | "Deploying" | "DeployFailed" | "Removing" | "RemoveFailed";
  failureReason: string;
  policies: { type: "System" | "Inline"; name: string }[];
  updatedAt: string;
}

export interface AccessTask extends AccessTarget {
  taskId: string;
  type: "Provision" | "Deprovision" | "CreateAssignment" | "DeleteAssignment";
  status: "InProgress" | "Success" | "Failed";
  failureReason: string;
  principalType?: "User" | "Group";
  principalName?: string;
  createdAt: string;
}

export interface ScimCredential {
  credentialId: string;
  type: "BearerToken";
  status: "Enabled" | "Disabled";
  createdAt: string;
  expiresAt: string;
}

export type PlannedOpKind = "create" | "adopt" | "reuse" | "update" | "delete" | "keep" | "hold" | "fail";

export interface PlannedOperation {
  op: PlannedOpKind;
  userId: string;
  userName: string;
  subUserName: string;
  subUserUin: number | null;
  clashWith?: string;
  changes?: { email?: { from: string; to: string }; remark?: { from: string; to: string } };
  failure?: { kind: string; reason: string };
}

export interface ProvisioningPlan {
  provisioningId: string | null;
  principalType: "User" | "Group";
  principalId: string;
  targetUin: number;
  duplicationStrategy: string;
  deletionStrategy: string;
  deleting: boolean;
  counts: Record<PlannedOpKind, number>;
  operations: PlannedOperation[];
}

export interface Plan {
  plans: ProvisioningPlan[];
  counts: Record<PlannedOpKind, number>;
}

export interface HeldDeletions {
  provisioningId: string;
  holdId: string;
  targetUin: number;
  heldAt: string;
  decision: "approved" | "rejected" | null;
  count: number;
  subUsers: { userId: string; userName: string; subUserUin: number; subUserName: string }[];
}

export interface TimelineDecision {
  decisionId: string;
  decidedAt: string;
  decision: "created" | "adopted" | "reused" | "updated" | "held" | "kept" | "deleted" | "released" | "failed" | "retried";
  cause: string;
  explanation: string;
  accountUin: number;
  provisioningId: string;
  principal: Principal;
  duplicationStrategy: "KeepBoth" | "TakeOver";
  deletionStrategy: "Delete" | "Keep";
  userId: string;
  userName: string;
  subUser: { uin: number | null; name: string } | null;
  breaker: { decision: "held" | "approved" | "rejected"; holdId: string | null } | null;
}
