/**
 * CloudSSO test pieces shared by the directory, user and group suites: a tenant with an organization
 * and an open CloudSSO directory, "rejected and changed nothing", and a page walker that checks the
 * paging fields of every page.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type AliyunError, aliyunClient, expectAliyunError, type Signing } from "./aliyun.js";
import { type Key, orgClient, orgWithMembers, snapshot, type TestServer } from "./harness.js";

/** pop-core hands back null-prototype objects; this makes them comparable with deepEqual. */
export const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** A pop-core error: the body's Code, and the HTTP status from the exchange it records. */
export async function expectPopError(call: Promise<unknown>, code: string, status: number): Promise<void> {
  try {
    await call;
  } catch (e) {
    const err = e as { code?: string; entry?: { response?: { statusCode?: number } }; data?: { RequestId?: string } };
    assert.equal(err.code, code);
    assert.equal(err.entry?.response?.statusCode, status);
    assert.match(String(err.data?.RequestId ?? ""), /^[0-9A-F-]{36}$/);
    return;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

export type SsoClient = ReturnType<typeof aliyunClient>;
export type OrgClient = ReturnType<typeof orgClient>;

export const DIRECTORY_ID = /^d-[a-z0-9]{12}$/;
export const USER_ID = /^u-[a-z0-9]+$/;
export const GROUP_ID = /^g-[a-z0-9]+$/;
/** `2022-11-28T03:55:42Z`: UTC, whole seconds. */
export const ALIYUN_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Well-formed ids that no tenant owns. */
export const UNKNOWN_DIRECTORY = "d-000000000000";
export const UNKNOWN_USER = "u-000000000000";
export const UNKNOWN_GROUP = "g-000000000000";

let seq = 0;
/** A name unique in this process and across runs: lowercase letters, digits and '-'. */
export function uniq(prefix: string): string {
  return `${prefix}-${(++seq).toString(36)}${randomBytes(3).toString("hex")}`;
}

export interface SsoTenant {
  key: Key & { uin: number };
  sso: SsoClient;
  /** The same account through the Tencent organization SDK. */
  org: OrgClient;
  directoryId: string;
  directoryName: string;
  members: number[];
}

/** A new root account with an organization (and `members` member accounts) and a CloudSSO directory. */
export async function ssoTenant(server: TestServer, opts: { members?: number; signing?: Signing } = {}): Promise<SsoTenant> {
  const key = await server.newRoot();
  const { members } = await orgWithMembers(server, key, opts.members ?? 0);
  const sso = aliyunClient(server, key, "cloudsso", opts.signing ?? "v3");
  const directoryName = uniq("dir");
  const { Directory } = await sso.call("CreateDirectory", { DirectoryName: directoryName });
  assert.match(Directory.DirectoryId, DIRECTORY_ID);
  return { key, sso, org: orgClient(server, key), directoryId: Directory.DirectoryId, directoryName, members };
}

/** The Tencent door's id for a CloudSSO directory id: the same directory, `z-` instead of `d-`. */
export const zoneIdOf = (directoryId: string) => directoryId.replace(/^d-/, "z-");

/** Asserts that `call` fails with exactly `code` and HTTP `status`, and that the store is unchanged. */
export async function ssoRejects(server: Pick<TestServer, "store">, code: string, status: number, call: () => Promise<unknown>, messageIncludes?: string): Promise<AliyunError> {
  const before = await snapshot(server.store);
  const err = await expectAliyunError(call(), code, status, messageIncludes);
  assert.equal(await snapshot(server.store), before, `a request rejected with ${code} changed the store`);
  return err;
}

/**
 * Walks a CloudSSO list with NextToken, checking on every page: MaxResults echoed, a truncated page
 * full and carrying a token, the last page without one, TotalCounts the same throughout.
 */
export async function walk<T = any>(
  list: (token: string | undefined) => Promise<Record<string, any>>,
  field: string,
  maxResults: number,
): Promise<{ items: T[]; pages: Record<string, any>[] }> {
  const items: T[] = [];
  const pages: Record<string, any>[] = [];
  let token: string | undefined;
  for (let i = 0; i < 200; i++) {
    const r = await list(token);
    pages.push(r);
    assert.equal(r.MaxResults, maxResults);
    assert.equal(typeof r.TotalCounts, "number");
    if (pages.length > 1) assert.equal(r.TotalCounts, pages[0]!.TotalCounts, "TotalCounts changed between pages");
    const page = (r[field] ?? []) as T[];
    assert.ok(page.length <= maxResults);
    items.push(...page);
    if (r.IsTruncated === true) {
      assert.equal(page.length, maxResults, "a truncated page is full");
      assert.ok(typeof r.NextToken === "string" && r.NextToken.length > 0, "a truncated page carries a NextToken");
      token = r.NextToken;
    } else {
      assert.equal(r.IsTruncated, false);
      assert.ok(!("NextToken" in r), `the last page has NextToken ${r.NextToken}`);
      return { items, pages };
    }
  }
  return assert.fail(`${field} never reached its last page`);
}

export async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls a Tencent provisioning task until it leaves InProgress, so no background write follows; returns its status. */
export async function settled(org: OrgClient, zoneId: string, taskId: string): Promise<string> {
  let status: string | undefined;
  await until(async () => {
    status = (await org.GetProvisioningTaskStatus({ ZoneId: zoneId, TaskId: taskId })).TaskStatus?.Status;
    return status !== "InProgress";
  }, `provisioning task ${taskId}`);
  return status!;
}

/**
 * Provisions a principal into the tenant's first member account (through the Tencent door, whose
 * user sync is built), runs `during` once the worker has finished, then deletes the provisioning and
 * waits until it is gone.
 */
export async function whileProvisioned(server: Pick<TestServer, "store">, t: SsoTenant, principalType: "User" | "Group", principalId: string, during: () => Promise<void>): Promise<void> {
  const zoneId = zoneIdOf(t.directoryId);
  const { Tasks } = await t.org.CreateUserSyncProvisioning({
    ZoneId: zoneId,
    UserSyncProvisionings: [{ PrincipalId: principalId, PrincipalType: principalType, TargetUin: t.members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
  });
  // The worker's writes are over before `during` compares the store.
  assert.equal(await settled(t.org, zoneId, Tasks![0]!.TaskId!), "Success");
  await during();
  const deleted = await t.org.DeleteUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: Tasks![0]!.UserProvisioningId! });
  assert.equal(await settled(t.org, zoneId, deleted.Tasks!.TaskId!), "Success");
  await until(async () => !(await server.store.db.selectFrom("provisionings").select("provisioning_id").where("principal_id", "=", principalId).executeTakeFirst()), "the provisioning to go");
}

/** Polls a CloudSSO access task with GetTaskStatus until it leaves InProgress (as Terraform does); returns its status. */
export async function taskSettled(sso: SsoClient, directoryId: string, taskId: string): Promise<string> {
  let status: string | undefined;
  await until(async () => {
    status = (await sso.call("GetTaskStatus", { DirectoryId: directoryId, TaskId: taskId })).TaskStatus.Status;
    return status !== "InProgress";
  }, `access task ${taskId}`);
  return status!;
}
