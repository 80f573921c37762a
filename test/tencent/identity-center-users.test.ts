/**
 * organization 2021-03-31, Identity Center zone and users, through the official
 * tencentcloud-sdk-nodejs client over real HTTP: OpenIdentityCenter, DescribeIdentityCenter,
 * UpdateZone, GetZoneStatistics, CreateUser, GetUser, ListUsers, UpdateUser, UpdateUserStatus,
 * DeleteUser (plus CreateGroup/AddUserToGroup/RemoveUserFromGroup/DeleteGroup where the user
 * rules depend on them). Every rejected request is also checked to have left the store exactly
 * as it was, directory tables included.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/organization/v20210331/organization_models.js";
import { ManualClock } from "../../src/core/clock.js";
import { verifyPassword } from "../../src/core/secrets.js";
import { ENGINES, expectCode, isUuid, type Key, orgClient, orgWithMembers, snapshot, startServer, type TestServer, rejects } from "../helpers/harness.js";

type OrgClient = ReturnType<typeof orgClient>;
type UserInfo = Sdk.UserInfo;
type ListUsersRequest = Sdk.ListUsersRequest;
type ListUsersResponse = Sdk.ListUsersResponse;

const ZONE_ID = /^z-[a-z0-9]{12}$/;
const USER_ID = /^u-[a-z0-9]{12}$/;
const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
/** A well-formed ZoneId that no tenant owns. */
const UNKNOWN_ZONE = "z-000000000000";
const UNKNOWN_USER = "u-000000000000";

/** Beijing time (UTC+8) as Tencent writes it, computed independently of the server's formatter. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

let seq = 0;
/** A name unique in this process and across runs: lowercase letters, digits and '-' (valid for zones and users). */
function uniq(prefix: string): string {
  return `${prefix}-${(++seq).toString(36)}${randomBytes(3).toString("hex")}`;
}


interface Tenant {
  key: Key;
  org: OrgClient;
  zoneId: string;
  zoneName: string;
  members: number[];
}

/** A new root account with an organization (and `members` member accounts) whose identity center is open. */
async function openTenant(server: TestServer, members = 0): Promise<Tenant> {
  const key = await server.newRoot();
  const org = orgClient(server, key);
  const { members: uins } = await orgWithMembers(server, key, members);
  const zoneName = uniq("zone");
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: zoneName });
  assert.match(ZoneId ?? "", ZONE_ID);
  return { key, org, zoneId: ZoneId!, zoneName, members: uins };
}

/** A new root account with an organization whose identity center was never opened. */
async function orgOnlyTenant(server: TestServer, members = 0): Promise<{ key: Key; org: OrgClient; members: number[] }> {
  const key = await server.newRoot();
  const { members: uins } = await orgWithMembers(server, key, members);
  return { key, org: orgClient(server, key), members: uins };
}

async function countUsers(server: TestServer, zoneId: string): Promise<number> {
  const r = await server.store.db
    .selectFrom("dir_users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("directory_id", "=", zoneId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function stats(org: OrgClient, zoneId: string) {
  const r = await org.GetZoneStatistics({ ZoneId: zoneId });
  assert.ok(r.ZoneStatistics, "r.ZoneStatistics");
  return r.ZoneStatistics;
}

/**
 * A hand-driven clock a couple of minutes behind real time, on a whole second. The server checks
 * request signatures against this clock (300 s of skew allowed), so a suite advances it by at most
 * a few minutes in all.
 */
const manualClock = () => new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);

const noToken = (t: string | null | undefined) => t === undefined || t === null;

/** Walks every page of a ListUsers query, checking the paging fields of each page. */
async function walk(org: OrgClient, req: ListUsersRequest): Promise<{ users: UserInfo[]; pages: ListUsersResponse[] }> {
  const users: UserInfo[] = [];
  const pages: ListUsersResponse[] = [];
  let token: string | undefined;
  for (let i = 0; i < 200; i++) {
    const r = await org.ListUsers({ ...req, ...(token ? { NextToken: token } : {}) });
    pages.push(r);
    const max = req.MaxResults ?? 10;
    assert.equal(r.MaxResults, max);
    assert.ok((r.Users ?? []).length <= max, "(r.Users ?? []).length <= max");
    if (pages.length > 1) assert.equal(r.TotalCounts, pages[0]!.TotalCounts, "TotalCounts changed between pages");
    users.push(...(r.Users ?? []));
    if (r.IsTruncated) {
      assert.equal(typeof r.NextToken, "string");
      assert.ok(r.NextToken!.length > 0, "r.NextToken!.length > 0");
      assert.equal((r.Users ?? []).length, max, "a truncated page is full");
      token = r.NextToken!;
    } else {
      assert.ok(noToken(r.NextToken), `the last page has NextToken ${r.NextToken}`);
      return { users, pages };
    }
  }
  assert.fail("ListUsers never reached its last page");
}

const ids = (users: UserInfo[] | undefined) => (users ?? []).map((u) => u.UserId!);

/** The ZoneId-taking user actions, each called with `zoneId` and otherwise valid arguments. */
function zoneCalls(org: OrgClient, zoneId: string, userId: string): Array<[string, () => Promise<unknown>]> {
  return [
    ["UpdateZone", () => org.UpdateZone({ ZoneId: zoneId, NewZoneName: uniq("renamed") })],
    ["GetZoneStatistics", () => org.GetZoneStatistics({ ZoneId: zoneId })],
    ["CreateUser", () => org.CreateUser({ ZoneId: zoneId, UserName: uniq("intruder") })],
    ["GetUser", () => org.GetUser({ ZoneId: zoneId, UserId: userId })],
    ["ListUsers", () => org.ListUsers({ ZoneId: zoneId })],
    ["UpdateUser", () => org.UpdateUser({ ZoneId: zoneId, UserId: userId, NewDescription: "hijacked" })],
    ["UpdateUserStatus", () => org.UpdateUserStatus({ ZoneId: zoneId, UserId: userId, NewUserStatus: "Disabled" })],
    ["DeleteUser", () => org.DeleteUser({ ZoneId: zoneId, UserId: userId })],
  ];
}

for (const engine of ENGINES) {
  describe(`identity center zone and users [${engine}]`, () => {
    describe("OpenIdentityCenter and DescribeIdentityCenter", () => {
      let server: TestServer;
      const clock = manualClock();
      before(async () => {
        server = await startServer(engine, { clock });
      });
      after(async () => {
        await server?.close();
      });

      test("before opening, DescribeIdentityCenter reports Disabled with no zone", async () => {
        const { org } = await orgOnlyTenant(server);
        const d = await org.DescribeIdentityCenter();
        assert.ok(isUuid(d.RequestId), "isUuid(d.RequestId)");
        assert.equal(d.ServiceStatus, "Disabled");
        assert.equal(d.ScimSyncStatus, "Disabled");
        assert.ok(d.ZoneId == null, `ZoneId ${d.ZoneId}`);
        assert.ok(d.ZoneName == null, `ZoneName ${d.ZoneName}`);
        assert.ok(d.CreateTime == null, "d.CreateTime == null");
        assert.ok(d.UpdateTime == null, "d.UpdateTime == null");
      });

      test("the management account opens a zone; DescribeIdentityCenter then returns every field", async () => {
        const { org } = await orgOnlyTenant(server);
        clock.advance(60_000);
        const openedAt = clock.now();
        const name = uniq("acme");
        const opened = await org.OpenIdentityCenter({ ZoneName: name });
        assert.ok(isUuid(opened.RequestId), "isUuid(opened.RequestId)");
        assert.match(opened.ZoneId!, ZONE_ID);
        clock.advance(5_000);
        const d = await org.DescribeIdentityCenter();
        assert.equal(d.ZoneId, opened.ZoneId);
        assert.equal(d.ZoneName, name);
        assert.equal(d.ServiceStatus, "Enabled");
        assert.equal(d.ScimSyncStatus, "Disabled");
        assert.match(d.CreateTime!, TIME);
        assert.match(d.UpdateTime!, TIME);
        assert.equal(d.CreateTime, beijing(openedAt));
        assert.equal(d.UpdateTime, beijing(openedAt));
      });

      test("ZoneIds are z- plus 12 lowercase letters or digits, and distinct", async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 5; i++) {
          const t = await openTenant(server);
          assert.match(t.zoneId, ZONE_ID);
          seen.add(t.zoneId);
        }
        assert.equal(seen.size, 5);
      });

      test("zone names at the edges of the rules are accepted", async () => {
        for (const name of [
          `a${randomBytes(1).toString("hex")[0]}`,
          ("z" + randomBytes(32).toString("hex")).slice(0, 64),
          `0-${randomBytes(3).toString("hex")}-9`,
          `${Date.now()}`,
        ]) {
          const { org } = await orgOnlyTenant(server);
          const r = await org.OpenIdentityCenter({ ZoneName: name });
          assert.match(r.ZoneId!, ZONE_ID);
          assert.equal((await org.DescribeIdentityCenter()).ZoneName, name, `name ${name} (${name.length} chars)`);
        }
      });

      test("badly formed zone names are refused with InvalidParameterValue.ZoneNameFormatError", async () => {
        const { org } = await orgOnlyTenant(server);
        const bad = [
          "",
          "a",
          "x".repeat(65),
          "-abc",
          "abc-",
          "-",
          "--",
          "ab--cd",
          "Abc",
          "ABC",
          "ab_cd",
          "ab cd",
          "ab.cd",
          "ab/cd",
          "中文名称",
          "zoné",
          " abc",
          "abc\n",
        ];
        for (const name of bad) {
          await rejects(server, "InvalidParameterValue.ZoneNameFormatError", () => org.OpenIdentityCenter({ ZoneName: name }), "ZoneName");
        }
        assert.equal((await org.DescribeIdentityCenter()).ServiceStatus, "Disabled");
      });

      test("zone names are unique across tenants: InvalidParameterValue.IdentityCenterZoneNameAlreadyExist", async () => {
        const a = await openTenant(server);
        const b = await orgOnlyTenant(server);
        await rejects(server, "InvalidParameterValue.IdentityCenterZoneNameAlreadyExist", () => b.org.OpenIdentityCenter({ ZoneName: a.zoneName }));
        assert.equal((await b.org.DescribeIdentityCenter()).ServiceStatus, "Disabled");
        // The name is still A's; B can open under another.
        assert.equal((await a.org.DescribeIdentityCenter()).ZoneName, a.zoneName);
        const r = await b.org.OpenIdentityCenter({ ZoneName: uniq("other") });
        assert.match(r.ZoneId!, ZONE_ID);
        assert.notEqual(r.ZoneId, a.zoneId);
      });

      test("a second OpenIdentityCenter is refused with FailedOperation.IdentityCenterAlreadyOpen", async () => {
        const t = await openTenant(server);
        await rejects(server, "FailedOperation.IdentityCenterAlreadyOpen", () => t.org.OpenIdentityCenter({ ZoneName: uniq("again") }));
        await rejects(server, "FailedOperation.IdentityCenterAlreadyOpen", () => t.org.OpenIdentityCenter({ ZoneName: t.zoneName }));
        const d = await t.org.DescribeIdentityCenter();
        assert.equal(d.ZoneId, t.zoneId);
        assert.equal(d.ZoneName, t.zoneName);
      });

      test("a caller without an organization: FailedOperation.IdentityCenterOrganizationNotOpen", async () => {
        const key = await server.newRoot();
        const org = orgClient(server, key);
        await rejects(server, "FailedOperation.IdentityCenterOrganizationNotOpen", () => org.OpenIdentityCenter({ ZoneName: uniq("lonely") }));
        await rejects(server, "FailedOperation.IdentityCenterOrganizationNotOpen", () => org.DescribeIdentityCenter());
      });

      test("a member account: FailedOperation.IdentityCenterNotOrganizationManager", async () => {
        const t = await orgOnlyTenant(server, 1);
        const member = orgClient(server, await server.keyFor(t.members[0]!));
        await rejects(server, "FailedOperation.IdentityCenterNotOrganizationManager", () => member.OpenIdentityCenter({ ZoneName: uniq("member") }));
        // The organization's zone is still closed, and opening it stays possible for the manager.
        assert.equal((await t.org.DescribeIdentityCenter()).ServiceStatus, "Disabled");
        const { ZoneId } = await t.org.OpenIdentityCenter({ ZoneName: uniq("manager") });
        await rejects(server, "FailedOperation.IdentityCenterNotOrganizationManager", () => member.DescribeIdentityCenter());
        for (const [name, call] of zoneCalls(member, ZoneId!, UNKNOWN_USER)) {
          await rejects(server, "FailedOperation.IdentityCenterNotOrganizationManager", call).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
        }
      });

      test("request shape errors: MissingParameter, UnknownParameter, InvalidParameter", async () => {
        const { org } = await orgOnlyTenant(server);
        await rejects(server, "MissingParameter", () => org.OpenIdentityCenter({} as never), "ZoneName");
        await rejects(server, "UnknownParameter", () => org.OpenIdentityCenter({ ZoneName: uniq("x"), ZoneId: "z-1" } as never), "ZoneId");
        await rejects(server, "InvalidParameter", () => org.OpenIdentityCenter({ ZoneName: 12345 } as never), "ZoneName");
        await rejects(server, "InvalidParameter", () => org.OpenIdentityCenter({ ZoneName: ["abc"] } as never), "ZoneName");
        await rejects(server, "UnknownParameter", () => org.DescribeIdentityCenter({ ZoneId: "z-1" } as never), "ZoneId");
        assert.equal((await org.DescribeIdentityCenter()).ServiceStatus, "Disabled");
      });
    });

    describe("UpdateZone", () => {
      let server: TestServer;
      const clock = manualClock();
      before(async () => {
        server = await startServer(engine, { clock });
      });
      after(async () => {
        await server?.close();
      });

      test("renames the zone; UpdateTime moves, CreateTime and ZoneId stay", async () => {
        const t = await openTenant(server);
        const before = await t.org.DescribeIdentityCenter();
        clock.advance(61_000);
        const name = uniq("renamed");
        const r = await t.org.UpdateZone({ ZoneId: t.zoneId, NewZoneName: name });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        const d = await t.org.DescribeIdentityCenter();
        assert.equal(d.ZoneId, t.zoneId);
        assert.equal(d.ZoneName, name);
        assert.equal(d.CreateTime, before.CreateTime);
        assert.equal(d.UpdateTime, beijing(clock.now()));
        assert.notEqual(d.UpdateTime, before.UpdateTime);
      });

      test("renaming to its own current name succeeds", async () => {
        const t = await openTenant(server);
        await t.org.UpdateZone({ ZoneId: t.zoneId, NewZoneName: t.zoneName });
        assert.equal((await t.org.DescribeIdentityCenter()).ZoneName, t.zoneName);
      });

      test("the old name is released and another tenant may take it", async () => {
        const a = await openTenant(server);
        await a.org.UpdateZone({ ZoneId: a.zoneId, NewZoneName: uniq("moved") });
        const b = await orgOnlyTenant(server);
        const r = await b.org.OpenIdentityCenter({ ZoneName: a.zoneName });
        assert.match(r.ZoneId!, ZONE_ID);
        assert.equal((await b.org.DescribeIdentityCenter()).ZoneName, a.zoneName);
      });

      test("another tenant's name: InvalidParameterValue.IdentityCenterZoneNameAlreadyExist", async () => {
        const a = await openTenant(server);
        const b = await openTenant(server);
        await rejects(server, "InvalidParameterValue.IdentityCenterZoneNameAlreadyExist", () => b.org.UpdateZone({ ZoneId: b.zoneId, NewZoneName: a.zoneName }));
        assert.equal((await b.org.DescribeIdentityCenter()).ZoneName, b.zoneName);
      });

      test("bad names: InvalidParameterValue.ZoneNameFormatError, naming NewZoneName", async () => {
        const t = await openTenant(server);
        for (const name of ["", "a", "x".repeat(65), "-abc", "abc-", "ab--cd", "Upper", "under_score", "中文"]) {
          await rejects(server, "InvalidParameterValue.ZoneNameFormatError", () => t.org.UpdateZone({ ZoneId: t.zoneId, NewZoneName: name }), "NewZoneName");
        }
        assert.equal((await t.org.DescribeIdentityCenter()).ZoneName, t.zoneName);
      });

      test("request shape errors", async () => {
        const t = await openTenant(server);
        await rejects(server, "MissingParameter", () => t.org.UpdateZone({ ZoneId: t.zoneId } as never), "NewZoneName");
        await rejects(server, "MissingParameter", () => t.org.UpdateZone({ NewZoneName: uniq("n") } as never), "ZoneId");
        await rejects(server, "UnknownParameter", () => t.org.UpdateZone({ ZoneId: t.zoneId, NewZoneName: uniq("n"), ZoneName: "x" } as never), "ZoneName");
        await rejects(server, "InvalidParameter", () => t.org.UpdateZone({ ZoneId: t.zoneId, NewZoneName: 7 } as never), "NewZoneName");
      });
    });

    describe("GetZoneStatistics", () => {
      let server: TestServer;
      let limited: TestServer;
      before(async () => {
        server = await startServer(engine);
        limited = await startServer(engine, { limits: { usersPerDirectory: 3 } });
      });
      after(async () => {
        await server?.close();
        await limited?.close();
      });

      test("a new zone: default quotas and zero counts", async () => {
        const t = await openTenant(server);
        const r = await t.org.GetZoneStatistics({ ZoneId: t.zoneId });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        assert.deepEqual(r.ZoneStatistics, {
          UserQuota: 1000,
          GroupQuota: 500,
          RoleConfigurationQuota: 1000,
          SystemPolicyPerRoleConfigurationQuota: 20,
          UserCount: 0,
          GroupCount: 0,
          RoleConfigurationCount: 0,
          UserProvisioningCount: 0,
          RoleConfigurationSyncCount: 0,
        });
      });

      test("UserCount and GroupCount follow creates and deletes", async () => {
        const t = await openTenant(server);
        const users: string[] = [];
        for (let i = 0; i < 4; i++) users.push((await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("stat") })).UserInfo!.UserId!);
        const groups: string[] = [];
        for (let i = 0; i < 3; i++) groups.push((await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("grp") })).GroupInfo!.GroupId!);
        let s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 4);
        assert.equal(s.GroupCount, 3);
        await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: users[0]! });
        await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: users[1]! });
        await t.org.DeleteGroup({ ZoneId: t.zoneId, GroupId: groups[0]! });
        s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 2);
        assert.equal(s.GroupCount, 2);
        assert.equal(s.UserQuota, 1000);
        // A failed create or delete does not move the count.
        await expectCode(t.org.CreateUser({ ZoneId: t.zoneId, UserName: "bad name" }), "InvalidParameter.UsernameFormatError");
        await expectCode(t.org.DeleteUser({ ZoneId: t.zoneId, UserId: users[0]! }), "ResourceNotFound.UserNotExist");
        s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 2);
        assert.equal(s.UserCount, await countUsers(server, t.zoneId));
      });

      test("another tenant's users do not count", async () => {
        const a = await openTenant(server);
        const b = await openTenant(server);
        await a.org.CreateUser({ ZoneId: a.zoneId, UserName: uniq("mine") });
        assert.equal((await stats(b.org, b.zoneId)).UserCount, 0);
        assert.equal((await stats(a.org, a.zoneId)).UserCount, 1);
      });

      test("the server's usersPerDirectory limit is the UserQuota", async () => {
        const t = await openTenant(limited);
        const s = await stats(t.org, t.zoneId);
        assert.equal(s.UserQuota, 3);
        assert.equal(s.GroupQuota, 500);
      });

      test("request shape errors", async () => {
        const t = await openTenant(server);
        await rejects(server, "MissingParameter", () => t.org.GetZoneStatistics({} as never), "ZoneId");
        await rejects(server, "InvalidParameter", () => t.org.GetZoneStatistics({ ZoneId: 1 } as never), "ZoneId");
        await rejects(server, "UnknownParameter", () => t.org.GetZoneStatistics({ ZoneId: t.zoneId, UserId: "u-1" } as never), "UserId");
      });
    });

    describe("zone scoping of every zone action", () => {
      let server: TestServer;
      let a: Tenant;
      let b: Tenant;
      let aUser: UserInfo;
      let bUser: UserInfo;
      before(async () => {
        server = await startServer(engine);
        a = await openTenant(server);
        b = await openTenant(server);
        aUser = (await a.org.CreateUser({ ZoneId: a.zoneId, UserName: uniq("alice"), Email: `${uniq("a")}@a.test` })).UserInfo!;
        bUser = (await b.org.CreateUser({ ZoneId: b.zoneId, UserName: uniq("bob"), Email: `${uniq("b")}@b.test` })).UserInfo!;
      });
      after(async () => {
        await server?.close();
      });

      test("another tenant's ZoneId: FailedOperation.ZoneIdNotExist, and nothing leaks or changes", async () => {
        for (const [name, call] of zoneCalls(a.org, b.zoneId, bUser.UserId!)) {
          const msg = await rejects(server, "FailedOperation.ZoneIdNotExist", call).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
          assert.ok(!msg.includes(bUser.UserName!), `${name} leaked the other tenant's user name`);
        }
        const got = await b.org.GetUser({ ZoneId: b.zoneId, UserId: bUser.UserId! });
        const { Password: _pw, ...unchanged } = bUser;
        assert.deepEqual(got.UserInfo, unchanged);
        assert.equal((await b.org.DescribeIdentityCenter()).ZoneName, b.zoneName);
      });

      test("an unknown z- ZoneId: FailedOperation.ZoneIdNotExist", async () => {
        for (const zone of [UNKNOWN_ZONE, "z-doesnotexist", "not-a-zone", ""]) {
          for (const [name, call] of zoneCalls(a.org, zone, aUser.UserId!)) {
            await rejects(server, "FailedOperation.ZoneIdNotExist", call).catch((e: Error) => assert.fail(`${name} with "${zone}": ${e.message}`));
          }
        }
      });

      test("the tenant's own zone with another tenant's UserId: ResourceNotFound.UserNotExist", async () => {
        await rejects(server, "ResourceNotFound.UserNotExist", () => a.org.GetUser({ ZoneId: a.zoneId, UserId: bUser.UserId! }));
        await rejects(server, "ResourceNotFound.UserNotExist", () => a.org.UpdateUser({ ZoneId: a.zoneId, UserId: bUser.UserId!, NewDescription: "x" }));
        await rejects(server, "ResourceNotFound.UserNotExist", () => a.org.UpdateUserStatus({ ZoneId: a.zoneId, UserId: bUser.UserId!, NewUserStatus: "Disabled" }));
        await rejects(server, "ResourceNotFound.UserNotExist", () => a.org.DeleteUser({ ZoneId: a.zoneId, UserId: bUser.UserId! }));
        const list = await a.org.ListUsers({ ZoneId: a.zoneId, Filter: bUser.UserId! });
        assert.deepEqual(list.Users, []);
        assert.equal(list.TotalCounts, 0);
      });

      test("user names and emails are scoped to the zone: another tenant may reuse them", async () => {
        const r = await a.org.CreateUser({ ZoneId: a.zoneId, UserName: bUser.UserName!, Email: bUser.Email! });
        assert.equal(r.UserInfo!.UserName, bUser.UserName);
        await a.org.DeleteUser({ ZoneId: a.zoneId, UserId: r.UserInfo!.UserId! });
      });

      test("a tenant whose organization never opened CIC: FailedOperation.IdentityCenterNotOpen", async () => {
        const c = await orgOnlyTenant(server);
        for (const zone of [a.zoneId, UNKNOWN_ZONE]) {
          for (const [name, call] of zoneCalls(c.org, zone, aUser.UserId!)) {
            await rejects(server, "FailedOperation.IdentityCenterNotOpen", call).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
          }
        }
      });

      test("a caller without an organization: FailedOperation.IdentityCenterOrganizationNotOpen", async () => {
        const lone = orgClient(server, await server.newRoot());
        for (const [name, call] of zoneCalls(lone, a.zoneId, aUser.UserId!)) {
          await rejects(server, "FailedOperation.IdentityCenterOrganizationNotOpen", call).catch((e: Error) => assert.fail(`${name}: ${e.message}`));
        }
      });
    });

    describe("CreateUser, GetUser, UpdateUser, UpdateUserStatus, DeleteUser", () => {
      let server: TestServer;
      let t: Tenant;
      const clock = manualClock();
      before(async () => {
        server = await startServer(engine, { clock });
        t = await openTenant(server, 1);
      });
      after(async () => {
        await server?.close();
      });

      const create = (fields: Partial<Sdk.CreateUserRequest> = {}) => t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("user"), ...fields });

      test("a minimal CreateUser: defaults for every field, a generated password returned once", async () => {
        clock.advance(1000);
        const at = clock.now();
        const name = uniq("minimal");
        const r = await t.org.CreateUser({ ZoneId: t.zoneId, UserName: name });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        const u = r.UserInfo!;
        assert.match(u.UserId!, USER_ID);
        assert.equal(typeof u.Password, "string");
        assert.ok(u.Password!.length >= 8, `password ${u.Password}`);
        assert.deepEqual(u, {
          UserName: name,
          FirstName: "",
          LastName: "",
          DisplayName: "",
          Description: "",
          Email: "",
          UserStatus: "Enabled",
          UserType: "Manual",
          UserId: u.UserId,
          CreateTime: beijing(at),
          UpdateTime: beijing(at),
          IsSelected: false,
          Password: u.Password,
          NeedResetPassword: false,
        });
        // The password is stored only as a hash that verifies it.
        const row = await server.store.db.selectFrom("dir_users").selectAll().where("user_id", "=", u.UserId!).executeTakeFirstOrThrow();
        assert.equal(row.directory_id, t.zoneId);
        assert.ok(row.password_hash && !row.password_hash.includes(u.Password!), "the password is stored in clear");
        assert.equal(verifyPassword(u.Password!, row.password_hash), true);
        assert.equal(verifyPassword(u.Password! + "x", row.password_hash), false);
        // Two users never share a generated password.
        const other = (await create()).UserInfo!;
        assert.notEqual(other.Password, u.Password);
      });

      test("a full CreateUser stores and echoes every field; GetUser returns them without the password", async () => {
        clock.advance(1000);
        const at = clock.now();
        const req = {
          ZoneId: t.zoneId,
          UserName: `Full.User+1=a,b@corp_x-${randomBytes(2).toString("hex")}`,
          FirstName: "Zhang",
          LastName: "San",
          DisplayName: "Zhang San (张三)",
          Description: "Finance lead — 财务",
          Email: `${uniq("zhang.san")}@Example.com`,
          UserStatus: "Disabled",
          UserType: "Synchronized",
          NeedResetPassword: true,
        };
        const created = (await t.org.CreateUser(req)).UserInfo!;
        const expected = {
          UserName: req.UserName,
          FirstName: req.FirstName,
          LastName: req.LastName,
          DisplayName: req.DisplayName,
          Description: req.Description,
          Email: req.Email,
          UserStatus: "Disabled",
          UserType: "Synchronized",
          UserId: created.UserId,
          CreateTime: beijing(at),
          UpdateTime: beijing(at),
          IsSelected: false,
          NeedResetPassword: true,
        };
        assert.match(created.UserId!, USER_ID);
        assert.ok(created.Password, "created.Password");
        assert.deepEqual(created, { ...expected, Password: created.Password });
        clock.advance(1000);
        const got = await t.org.GetUser({ ZoneId: t.zoneId, UserId: created.UserId! });
        assert.ok(isUuid(got.RequestId), "isUuid(got.RequestId)");
        assert.deepEqual(got.UserInfo, expected);
        assert.ok(!("Password" in got.UserInfo!), "GetUser returned a Password");
        const listed = await t.org.ListUsers({ ZoneId: t.zoneId, Filter: created.UserId!, MaxResults: 100 });
        assert.equal(listed.Users!.length, 1);
        assert.deepEqual(listed.Users![0], expected);
        for (const u of (await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 100 })).Users!) {
          assert.ok(!("Password" in u) || u.Password === undefined, "ListUsers returned a Password");
        }
      });

      test("NeedResetPassword false and UserStatus Enabled / UserType Manual are accepted explicitly", async () => {
        const u = (await create({ NeedResetPassword: false, UserStatus: "Enabled", UserType: "Manual" })).UserInfo!;
        assert.equal(u.NeedResetPassword, false);
        assert.equal(u.UserStatus, "Enabled");
        assert.equal(u.UserType, "Manual");
      });

      test("field lengths at their limits are accepted", async () => {
        const local = `edge${randomBytes(3).toString("hex")}`;
        const email = `${local}@${"d".repeat(128 - local.length - 1 - 5)}.test`;
        assert.equal(email.length, 128);
        const name = ("n" + randomBytes(40).toString("hex")).slice(0, 64);
        const u = (
          await t.org.CreateUser({
            ZoneId: t.zoneId,
            UserName: name,
            FirstName: "f".repeat(64),
            LastName: "l".repeat(64),
            DisplayName: "d".repeat(256),
            Description: "x".repeat(1024),
            Email: email,
          })
        ).UserInfo!;
        assert.equal(u.UserName, name);
        assert.equal(u.FirstName!.length, 64);
        assert.equal(u.LastName!.length, 64);
        assert.equal(u.DisplayName!.length, 256);
        assert.equal(u.Description!.length, 1024);
        assert.equal(u.Email, email);
        // Every allowed user-name character, and a one-character name.
        assert.equal((await create({ UserName: `a+b=c,d.e@f-g_H9${randomBytes(2).toString("hex")}` })).UserInfo!.UserStatus, "Enabled");
        const one = "Q";
        assert.equal((await create({ UserName: one })).UserInfo!.UserName, one);
      });

      test("users without an email do not collide with each other", async () => {
        const a = (await create()).UserInfo!;
        const b = (await create({ Email: "" })).UserInfo!;
        assert.equal(a.Email, "");
        assert.equal(b.Email, "");
      });

      test("bad user names: InvalidParameter.UsernameFormatError", async () => {
        for (const name of ["x".repeat(65), "has space", " lead", "trail ", "a/b", "中", "名字abc", "", "tab\tname", "semi;colon", "quote'", "per%cent", "a*b", "new\nline"]) {
          await rejects(server, "InvalidParameter.UsernameFormatError", () => create({ UserName: name }), "UserName").catch((e: Error) =>
            assert.fail(`${JSON.stringify(name)}: ${e.message}`),
          );
        }
      });

      test("a taken user name, in any case: InvalidParameter.UsernameAlreadyExists", async () => {
        const base = `Alice${randomBytes(3).toString("hex")}`;
        await create({ UserName: base });
        await rejects(server, "InvalidParameter.UsernameAlreadyExists", () => create({ UserName: base }), "UserName");
        await rejects(server, "InvalidParameter.UsernameAlreadyExists", () => create({ UserName: base.toLowerCase() }));
        await rejects(server, "InvalidParameter.UsernameAlreadyExists", () => create({ UserName: base.toUpperCase() }));
        const listed = await t.org.ListUsers({ ZoneId: t.zoneId, Filter: base, MaxResults: 100 });
        assert.deepEqual(
          listed.Users!.map((u) => u.UserName),
          [base],
        );
      });

      test("a taken email, in any case: InvalidParameter.EmailAlreadyExists", async () => {
        const email = `${uniq("Dup.Mail")}@Example.COM`;
        await create({ Email: email });
        await rejects(server, "InvalidParameter.EmailAlreadyExists", () => create({ Email: email }), "Email");
        await rejects(server, "InvalidParameter.EmailAlreadyExists", () => create({ Email: email.toLowerCase() }));
        await rejects(server, "InvalidParameter.EmailAlreadyExists", () => create({ Email: email.toUpperCase() }));
      });

      test("over-long or malformed fields: InvalidParameter.ParamError naming the field", async () => {
        const cases: Array<[string, Partial<Sdk.CreateUserRequest>]> = [
          ["FirstName", { FirstName: "f".repeat(65) }],
          ["LastName", { LastName: "l".repeat(65) }],
          ["DisplayName", { DisplayName: "d".repeat(257) }],
          ["Description", { Description: "x".repeat(1025) }],
          ["Email", { Email: `${"e".repeat(119)}@corp.test` }],
          ["Email", { Email: "not-an-email" }],
          ["Email", { Email: "a@b" }],
          ["Email", { Email: "two@@corp.test" }],
          ["Email", { Email: "sp ace@corp.test" }],
          ["Email", { Email: "@corp.test" }],
        ];
        assert.equal(cases[4]![1].Email!.length, 128 + 1);
        for (const [field, extra] of cases) {
          await rejects(server, "InvalidParameter.ParamError", () => create(extra), `\`${field}\``).catch((e: Error) => assert.fail(`${field}: ${e.message}`));
        }
      });

      test("bad UserStatus or UserType values: InvalidParameterValue", async () => {
        for (const v of ["enabled", "ENABLED", "Active", "", "Enabled "]) {
          await rejects(server, "InvalidParameterValue", () => create({ UserStatus: v }), "UserStatus");
        }
        for (const v of ["manual", "SCIM", "Synced", ""]) {
          await rejects(server, "InvalidParameterValue", () => create({ UserType: v }), "UserType");
        }
      });

      test("request shape errors: MissingParameter, UnknownParameter, InvalidParameter", async () => {
        const u = (await create()).UserInfo!;
        await rejects(server, "MissingParameter", () => t.org.CreateUser({ ZoneId: t.zoneId } as never), "UserName");
        await rejects(server, "MissingParameter", () => t.org.CreateUser({ UserName: uniq("x") } as never), "ZoneId");
        await rejects(server, "MissingParameter", () => t.org.GetUser({ ZoneId: t.zoneId } as never), "UserId");
        await rejects(server, "MissingParameter", () => t.org.UpdateUser({ ZoneId: t.zoneId, NewDescription: "x" } as never), "UserId");
        await rejects(server, "MissingParameter", () => t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId! } as never), "NewUserStatus");
        await rejects(server, "MissingParameter", () => t.org.DeleteUser({ ZoneId: t.zoneId } as never), "UserId");
        await rejects(server, "MissingParameter", () => t.org.ListUsers({} as never), "ZoneId");
        await rejects(server, "UnknownParameter", () => create({ Password: "Secret123!" } as never), "Password");
        await rejects(server, "UnknownParameter", () => create({ UserId: "u-aaaaaaaaaaaa" } as never), "UserId");
        await rejects(server, "UnknownParameter", () => t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId!, UserName: u.UserName } as never), "UserName");
        await rejects(server, "UnknownParameter", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserName: "renamed" } as never), "NewUserName");
        await rejects(server, "UnknownParameter", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, UserName: "renamed" } as never), "UserName");
        await rejects(server, "UnknownParameter", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: "Disabled" } as never), "NewUserStatus");
        await rejects(server, "UnknownParameter", () => t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId!, Force: true } as never), "Force");
        await rejects(server, "UnknownParameter", () => t.org.ListUsers({ ZoneId: t.zoneId, Limit: 5 } as never), "Limit");
        await rejects(server, "InvalidParameter", () => create({ UserName: 5 } as never), "UserName");
        await rejects(server, "InvalidParameter", () => create({ NeedResetPassword: "yes" } as never), "NeedResetPassword");
        await rejects(server, "InvalidParameter", () => create({ Email: ["a@b.test"] } as never), "Email");
        await rejects(server, "InvalidParameter", () => create({ FirstName: { x: 1 } } as never), "FirstName");
        await rejects(server, "InvalidParameter", () => t.org.GetUser({ ZoneId: t.zoneId, UserId: 42 } as never), "UserId");
        await rejects(server, "InvalidParameter", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NeedResetPassword: 1 } as never), "NeedResetPassword");
        await rejects(server, "InvalidParameter", () => t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: true } as never), "NewUserStatus");
        await rejects(server, "InvalidParameter", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: "ten" } as never), "MaxResults");
        await rejects(server, "InvalidParameter", () => t.org.ListUsers({ ZoneId: t.zoneId, FilterGroups: "g-1" } as never), "FilterGroups");
        await rejects(server, "InvalidParameter", () => t.org.ListUsers({ ZoneId: t.zoneId, Offset: "first" } as never), "Offset");
      });

      test("GetUser of an unknown or deleted user: ResourceNotFound.UserNotExist", async () => {
        for (const id of [UNKNOWN_USER, "u-doesnotexist", "g-aaaaaaaaaaaa", ""]) {
          await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.GetUser({ ZoneId: t.zoneId, UserId: id }));
        }
      });

      test("UpdateUser changes only the supplied fields; UserName and CreateTime are untouched", async () => {
        clock.advance(1000);
        const createdAt = clock.now();
        const orig = (
          await create({ FirstName: "Ada", LastName: "Lovelace", DisplayName: "Ada L", Description: "first", Email: `${uniq("ada")}@corp.test`, NeedResetPassword: true })
        ).UserInfo!;
        const { Password: _pw, ...base } = orig;

        clock.advance(1000);
        const r1 = await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: orig.UserId!, NewDisplayName: "Countess" });
        assert.ok(isUuid(r1.RequestId), "isUuid(r1.RequestId)");
        const after1 = { ...base, DisplayName: "Countess", UpdateTime: beijing(clock.now()) };
        assert.deepEqual(r1.UserInfo, after1);
        assert.ok(!("Password" in r1.UserInfo!), "!(\"Password\" in r1.UserInfo!)");
        assert.deepEqual((await t.org.GetUser({ ZoneId: t.zoneId, UserId: orig.UserId! })).UserInfo, after1);

        clock.advance(1000);
        const newEmail = `${uniq("ada.new")}@corp.test`;
        const r2 = await t.org.UpdateUser({
          ZoneId: t.zoneId,
          UserId: orig.UserId!,
          NewFirstName: "Augusta",
          NewLastName: "King",
          NewDescription: "second",
          NewEmail: newEmail,
          NeedResetPassword: false,
        });
        const after2 = { ...after1, FirstName: "Augusta", LastName: "King", Description: "second", Email: newEmail, NeedResetPassword: false, UpdateTime: beijing(clock.now()) };
        assert.deepEqual(r2.UserInfo, after2);
        assert.deepEqual((await t.org.GetUser({ ZoneId: t.zoneId, UserId: orig.UserId! })).UserInfo, after2);
        assert.equal(after2.UserName, orig.UserName);
        assert.equal(after2.CreateTime, beijing(createdAt));
        assert.equal(after2.UserStatus, "Enabled");
        assert.equal(after2.UserType, "Manual");

        // An update with no fields changes no field (UpdateTime aside).
        clock.advance(1000);
        const r3 = await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: orig.UserId! });
        const { UpdateTime: _u3, ...r3Rest } = r3.UserInfo!;
        const { UpdateTime: _u2, ...after2Rest } = after2;
        assert.deepEqual(r3Rest, after2Rest);

        // NeedResetPassword can be set back to true alone.
        const r4 = await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: orig.UserId!, NeedResetPassword: true });
        assert.equal(r4.UserInfo!.NeedResetPassword, true);
        assert.equal(r4.UserInfo!.Email, newEmail);

        // The password hash is not touched by UpdateUser.
        const row = await server.store.db.selectFrom("dir_users").select("password_hash").where("user_id", "=", orig.UserId!).executeTakeFirstOrThrow();
        assert.equal(verifyPassword(orig.Password!, row.password_hash!), true);
      });

      test("UpdateUser NewEmail: the old email is released; changing only its case is allowed", async () => {
        const oldEmail = `${uniq("old")}@corp.test`;
        const u = (await create({ Email: oldEmail })).UserInfo!;
        const newEmail = `${uniq("new")}@corp.test`;
        await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewEmail: newEmail });
        const reuse = (await create({ Email: oldEmail })).UserInfo!;
        assert.equal(reuse.Email, oldEmail);
        const upper = newEmail.toUpperCase();
        const r = await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewEmail: upper });
        assert.equal(r.UserInfo!.Email, upper);
        await t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewEmail: upper });
      });

      test("UpdateUser errors name the New* parameters and change nothing", async () => {
        const a = (await create({ Email: `${uniq("taken")}@Corp.test` })).UserInfo!;
        const b = (await create({ Email: `${uniq("mine")}@corp.test` })).UserInfo!;
        const upd = (extra: Partial<Sdk.UpdateUserRequest>) => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: b.UserId!, ...extra });
        await rejects(server, "InvalidParameter.EmailAlreadyExists", () => upd({ NewEmail: a.Email! }), "NewEmail");
        await rejects(server, "InvalidParameter.EmailAlreadyExists", () => upd({ NewEmail: a.Email!.toLowerCase(), NewDescription: "would change" }), "NewEmail");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewEmail: "not-an-email" }), "NewEmail");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewEmail: `${"e".repeat(119)}@corp.test` }), "NewEmail");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewFirstName: "f".repeat(65) }), "NewFirstName");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewLastName: "l".repeat(65) }), "NewLastName");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewDisplayName: "d".repeat(257) }), "NewDisplayName");
        await rejects(server, "InvalidParameter.ParamError", () => upd({ NewDescription: "x".repeat(1025), NewFirstName: "ok" }), "NewDescription");
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: UNKNOWN_USER, NewDescription: "x" }));
        const got = (await t.org.GetUser({ ZoneId: t.zoneId, UserId: b.UserId! })).UserInfo!;
        const { Password: _pw, ...expected } = b;
        assert.deepEqual(got, expected);
      });

      test("UpdateUserStatus disables and re-enables; bad values are InvalidParameterValue", async () => {
        const u = (await create()).UserInfo!;
        clock.advance(1000);
        const r = await t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: "Disabled" });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        let got = (await t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! })).UserInfo!;
        assert.equal(got.UserStatus, "Disabled");
        assert.equal(got.UpdateTime, beijing(clock.now()));
        assert.equal(got.CreateTime, u.CreateTime);
        await t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: "Disabled" });
        assert.equal((await t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! })).UserInfo!.UserStatus, "Disabled");
        await t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: "Enabled" });
        got = (await t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! })).UserInfo!;
        assert.equal(got.UserStatus, "Enabled");
        const { Password: _pw, UpdateTime: _ut, ...rest } = u;
        const { UpdateTime: _ut2, ...gotRest } = got;
        assert.deepEqual(gotRest, rest);
        for (const v of ["disabled", "Locked", "", "Enabled,Disabled"]) {
          await rejects(server, "InvalidParameterValue", () => t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: u.UserId!, NewUserStatus: v }), "NewUserStatus");
        }
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.UpdateUserStatus({ ZoneId: t.zoneId, UserId: UNKNOWN_USER, NewUserStatus: "Disabled" }));
      });

      test("DeleteUser removes the user, frees its name and email, and a second delete is UserNotExist", async () => {
        const name = uniq("gone");
        const email = `${uniq("gone")}@corp.test`;
        const before = (await stats(t.org, t.zoneId)).UserCount!;
        const u = (await create({ UserName: name, Email: email })).UserInfo!;
        assert.equal((await stats(t.org, t.zoneId)).UserCount, before + 1);
        const r = await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        assert.equal((await stats(t.org, t.zoneId)).UserCount, before);
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! }));
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! }));
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewDescription: "zombie" }));
        const again = (await create({ UserName: name.toUpperCase(), Email: email })).UserInfo!;
        assert.notEqual(again.UserId, u.UserId);
        assert.equal((await stats(t.org, t.zoneId)).UserCount, before + 1);
        assert.equal((await stats(t.org, t.zoneId)).UserCount, await countUsers(server, t.zoneId));
      });

      test("a user still in a group cannot be deleted: InvalidParameter.UserAlreadyExistsGroup", async () => {
        const u = (await create()).UserInfo!;
        const g = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("team") })).GroupInfo!;
        await t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await rejects(server, "InvalidParameter.UserAlreadyExistsGroup", () => t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! }));
        assert.equal((await t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! })).UserInfo!.UserId, u.UserId);
        await t.org.RemoveUserFromGroup({ ZoneId: t.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! });
        await rejects(server, "ResourceNotFound.UserNotExist", () => t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! }));
      });

      test("a user referenced by a provisioning cannot be deleted: FailedOperation.UserProvisioningExists", async () => {
        const u = (await create()).UserInfo!;
        const provisioningId = `up-${randomBytes(6).toString("hex")}`;
        await server.store.db
          .insertInto("provisionings")
          .values({
            provisioning_id: provisioningId,
            directory_id: t.zoneId,
            principal_type: "User",
            principal_id: u.UserId!,
            target_type: "MemberUin",
            target_uin: t.members[0]!,
            duplication_strategy: "KeepBoth",
            deletion_strategy: "Keep",
            description: "",
            status: "Enabled",
            created_at: Date.now(),
            updated_at: Date.now(),
          })
          .execute();
        await rejects(server, "FailedOperation.UserProvisioningExists", () => t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! }));
        assert.equal((await t.org.GetUser({ ZoneId: t.zoneId, UserId: u.UserId! })).UserInfo!.UserId, u.UserId);
        await server.store.db.deleteFrom("provisionings").where("provisioning_id", "=", provisioningId).execute();
        await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! });
      });
    });

    describe("the user quota", () => {
      let server: TestServer;
      before(async () => {
        server = await startServer(engine, { limits: { usersPerDirectory: 3 } });
      });
      after(async () => {
        await server?.close();
      });

      test("the create past UserQuota fails with FailedOperation.UserOverUpperLimit; a delete makes room", async () => {
        const t = await openTenant(server);
        const made: string[] = [];
        for (let i = 0; i < 3; i++) made.push((await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("q") })).UserInfo!.UserId!);
        await rejects(server, "FailedOperation.UserOverUpperLimit", () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("q") }));
        await rejects(server, "FailedOperation.UserOverUpperLimit", () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("q"), UserType: "Synchronized" }));
        const s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 3);
        assert.equal(s.UserQuota, 3);
        await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: made[0]! });
        await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("q") });
        await rejects(server, "FailedOperation.UserOverUpperLimit", () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("q") }));
        assert.equal(await countUsers(server, t.zoneId), 3);
      });

      test("the quota is per zone", async () => {
        const a = await openTenant(server);
        const b = await openTenant(server);
        for (let i = 0; i < 3; i++) await a.org.CreateUser({ ZoneId: a.zoneId, UserName: uniq("qa") });
        for (let i = 0; i < 3; i++) await b.org.CreateUser({ ZoneId: b.zoneId, UserName: uniq("qb") });
        await expectCode(b.org.CreateUser({ ZoneId: b.zoneId, UserName: uniq("qb") }), "FailedOperation.UserOverUpperLimit");
      });
    });

    describe("ListUsers", () => {
      let server: TestServer;
      let t: Tenant;
      let other: Tenant;
      const clock = manualClock();
      /** The fixture in creation order (= CreateTime order, one second apart). */
      const users: Array<UserInfo & { index: number }> = [];
      const createdAt: number[] = [];
      let groupA: string;
      let groupB: string;
      let groupC: string;
      /** Group members by fixture index; a group only takes users of its own type (Manual or Synchronized). */
      const IN_A = [1, 2, 3, 17];
      const IN_B = [4, 8, 24];
      const IN_C = [3, 5];
      const N = 25;

      const disabled = (i: number) => i % 3 === 0;
      const synced = (i: number) => i % 4 === 0;

      before(async () => {
        server = await startServer(engine, { clock });
        t = await openTenant(server);
        other = await openTenant(server);
        const special: Record<number, string> = { 10: "Alice.Liddell", 11: "alice_cooper", 12: "aliceXcooper" };
        for (let i = 0; i < N; i++) {
          clock.advance(1000);
          createdAt.push(clock.now());
          const r = await t.org.CreateUser({
            ZoneId: t.zoneId,
            UserName: special[i] ?? `member${String(i).padStart(2, "0")}`,
            Email: i % 5 === 0 ? `person${i}@Example.ORG` : `person${i}@corp.test`,
            Description: i % 6 === 0 ? `Team Falcon #${i}` : `plain ${i}`,
            // FirstName and DisplayName are not searched by Filter.
            FirstName: i === 1 ? "Falcon" : "",
            DisplayName: i === 1 ? "falcon display" : "",
            UserStatus: disabled(i) ? "Disabled" : "Enabled",
            UserType: synced(i) ? "Synchronized" : "Manual",
          });
          users.push({ ...r.UserInfo!, index: i });
        }
        groupA = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("ga") })).GroupInfo!.GroupId!;
        groupB = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("gb"), GroupType: "Synchronized" })).GroupInfo!.GroupId!;
        groupC = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("gc") })).GroupInfo!.GroupId!;
        for (const i of IN_A) await t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: groupA, UserId: users[i]!.UserId! });
        for (const i of IN_B) await t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: groupB, UserId: users[i]!.UserId! });
        for (const i of IN_C) await t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: groupC, UserId: users[i]!.UserId! });
        for (let i = 0; i < 3; i++) {
          clock.advance(1000);
          await other.org.CreateUser({ ZoneId: other.zoneId, UserName: `member${String(i).padStart(2, "0")}` });
        }
      });
      after(async () => {
        await server?.close();
      });

      const asc = () => users.map((u) => u.UserId!);
      const where = (p: (u: UserInfo & { index: number }) => boolean) => users.filter(p).map((u) => u.UserId!);
      /** The documented Filter: a case-insensitive substring of the name, email, id or description. */
      const matches = (needle: string) => (u: UserInfo) =>
        [u.UserName!, u.Email!, u.UserId!, u.Description!].some((f) => f.toLowerCase().includes(needle.toLowerCase()));

      test("the first page: MaxResults defaults to 10, TotalCounts counts all, a NextToken follows", async () => {
        const r = await t.org.ListUsers({ ZoneId: t.zoneId });
        assert.ok(isUuid(r.RequestId), "isUuid(r.RequestId)");
        assert.equal(r.MaxResults, 10);
        assert.equal(r.TotalCounts, N);
        assert.equal(r.IsTruncated, true);
        assert.equal(typeof r.NextToken, "string");
        assert.equal(r.Users!.length, 10);
        assert.deepEqual(ids(r.Users), asc().slice(0, 10));
        for (const u of r.Users!) {
          assert.equal(u.IsSelected, false);
          assert.ok(!("Password" in u), "!(\"Password\" in u)");
        }
      });

      test("each listed user carries every UserInfo field, CreateTime one second apart", async () => {
        const r = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 100 });
        assert.equal(r.Users!.length, N);
        r.Users!.forEach((u, i) => {
          const { Password: _pw, index: _i, ...expected } = users[i]!;
          assert.deepEqual(u, expected);
          assert.equal(u.CreateTime, beijing(createdAt[i]!));
        });
      });

      test("walking every page with NextToken returns every user exactly once, in CreateTime order", async () => {
        for (const max of [1, 3, 7, 10, 24, 25, 26, 100]) {
          const { users: got, pages } = await walk(t.org, { ZoneId: t.zoneId, MaxResults: max });
          assert.deepEqual(ids(got), asc(), `MaxResults ${max}`);
          assert.equal(pages.length, Math.max(1, Math.ceil(N / max)), `MaxResults ${max}: ${pages.length} pages`);
          for (const p of pages) assert.equal(p.TotalCounts, N);
        }
      });

      test("MaxResults outside 1..100: InvalidParameter.ParamError", async () => {
        for (const max of [0, 101, -1, 1000, 1.5]) {
          await rejects(server, "InvalidParameter.ParamError", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: max }), "MaxResults");
        }
        const r = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 100 });
        assert.equal(r.MaxResults, 100);
        assert.equal(r.IsTruncated, false);
        assert.ok(noToken(r.NextToken), "noToken(r.NextToken)");
      });

      test("SortField=CreateTime with SortType Asc / Desc; Desc reverses Asc at every page size", async () => {
        const ascAll = await walk(t.org, { ZoneId: t.zoneId, MaxResults: 6, SortField: "CreateTime", SortType: "Asc" });
        assert.deepEqual(ids(ascAll.users), asc());
        for (const max of [1, 4, 10, 100]) {
          const desc = await walk(t.org, { ZoneId: t.zoneId, MaxResults: max, SortField: "CreateTime", SortType: "Desc" });
          assert.deepEqual(ids(desc.users), [...asc()].reverse(), `Desc, MaxResults ${max}`);
        }
        const first = await t.org.ListUsers({ ZoneId: t.zoneId, SortField: "CreateTime", SortType: "Desc", MaxResults: 3 });
        assert.deepEqual(ids(first.Users), asc().slice(-3).reverse());
        // SortType alone (SortField defaults to CreateTime).
        const alone = await t.org.ListUsers({ ZoneId: t.zoneId, SortType: "Desc", MaxResults: 3 });
        assert.deepEqual(ids(alone.Users), asc().slice(-3).reverse());
      });

      test("bad SortField or SortType: InvalidParameterValue", async () => {
        for (const f of ["UserName", "createTime", "UpdateTime", ""]) {
          await rejects(server, "InvalidParameterValue", () => t.org.ListUsers({ ZoneId: t.zoneId, SortField: f }), "SortField");
        }
        for (const s of ["asc", "DESC", "Ascending", ""]) {
          await rejects(server, "InvalidParameterValue", () => t.org.ListUsers({ ZoneId: t.zoneId, SortField: "CreateTime", SortType: s }), "SortType");
        }
      });

      test("Offset skips rows, works with Desc and filters, and its NextToken continues from there", async () => {
        let r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 0, MaxResults: 5 });
        assert.deepEqual(ids(r.Users), asc().slice(0, 5));
        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 5, MaxResults: 5 });
        assert.deepEqual(ids(r.Users), asc().slice(5, 10));
        assert.equal(r.IsTruncated, true);
        assert.equal(r.TotalCounts, N);
        const next = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 5, NextToken: r.NextToken! });
        assert.deepEqual(ids(next.Users), asc().slice(10, 15));

        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 20, MaxResults: 10 });
        assert.deepEqual(ids(r.Users), asc().slice(20));
        assert.equal(r.IsTruncated, false);
        assert.ok(noToken(r.NextToken), "noToken(r.NextToken)");

        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: N, MaxResults: 10 });
        assert.deepEqual(r.Users, []);
        assert.equal(r.IsTruncated, false);
        assert.equal(r.TotalCounts, N);
        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 1000 });
        assert.deepEqual(r.Users, []);

        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 3, MaxResults: 4, SortField: "CreateTime", SortType: "Desc" });
        assert.deepEqual(ids(r.Users), [...asc()].reverse().slice(3, 7));

        r = await t.org.ListUsers({ ZoneId: t.zoneId, Offset: 2, MaxResults: 100, UserStatus: "Disabled" });
        assert.deepEqual(ids(r.Users), where((u) => disabled(u.index)).slice(2));
        assert.equal(r.TotalCounts, where((u) => disabled(u.index)).length);
      });

      test("NextToken wins over Offset", async () => {
        const p1 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 4 });
        const p2 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 4, NextToken: p1.NextToken!, Offset: 20 });
        assert.deepEqual(ids(p2.Users), asc().slice(4, 8));
      });

      test("a bad Offset: InvalidParameter.ParamError", async () => {
        for (const offset of [-1, 2.5]) {
          await rejects(server, "InvalidParameter.ParamError", () => t.org.ListUsers({ ZoneId: t.zoneId, Offset: offset }), "Offset");
        }
      });

      test("Filter: a case-insensitive substring of the name, email, UserId or description", async () => {
        const u7 = users[7]!;
        const cases = [
          "ALICE", // names, any case
          "alice_c", // '_' is literal, not a wildcard
          "Alice.", // '.' is literal
          "%", // '%' is literal: matches nothing
          "example.org", // email domain, stored as Example.ORG
          "PERSON1", // emails person1, person10..19
          "falcon", // descriptions; FirstName/DisplayName "Falcon" of user 1 are not searched
          "#12",
          u7.UserId!, // an exact UserId
          u7.UserId!.slice(2, 9).toUpperCase(), // part of a UserId, upper-cased
          "member0",
          "u-",
          "no-such-thing",
        ];
        for (const needle of cases) {
          const expected = users.filter(matches(needle)).map((u) => u.UserId!);
          const { users: got, pages } = await walk(t.org, { ZoneId: t.zoneId, Filter: needle, MaxResults: 4 });
          assert.deepEqual(ids(got), expected, `Filter ${JSON.stringify(needle)}`);
          assert.equal(pages[0]!.TotalCounts, expected.length, `TotalCounts for Filter ${JSON.stringify(needle)}`);
        }
        // Spot checks that the model above is not vacuous.
        assert.deepEqual(
          users.filter(matches("ALICE")).map((u) => u.UserName),
          ["Alice.Liddell", "alice_cooper", "aliceXcooper"],
        );
        assert.deepEqual(
          users.filter(matches("alice_c")).map((u) => u.UserName),
          ["alice_cooper"],
        );
        assert.deepEqual(users.filter(matches("%")), []);
        assert.ok(!users.filter(matches("falcon")).some((u) => u.index === 1), "!users.filter(matches(\"falcon\")).some((u) => u.index === 1)");
        assert.equal(users.filter(matches(u7.UserId!)).length, 1);
        assert.equal(users.filter(matches("u-")).length, N);
      });

      test("an empty Filter is no filter", async () => {
        const r = await t.org.ListUsers({ ZoneId: t.zoneId, Filter: "", MaxResults: 100 });
        assert.equal(r.TotalCounts, N);
        assert.deepEqual(ids(r.Users), asc());
      });

      test("UserStatus and UserType filters, alone and combined with Filter", async () => {
        const cases: Array<[Partial<ListUsersRequest>, string[]]> = [
          [{ UserStatus: "Disabled" }, where((u) => disabled(u.index))],
          [{ UserStatus: "Enabled" }, where((u) => !disabled(u.index))],
          [{ UserType: "Synchronized" }, where((u) => synced(u.index))],
          [{ UserType: "Manual" }, where((u) => !synced(u.index))],
          [{ UserStatus: "Disabled", UserType: "Synchronized" }, where((u) => disabled(u.index) && synced(u.index))],
          [{ UserStatus: "Disabled", UserType: "Synchronized", Filter: "FALCON" }, where((u) => disabled(u.index) && synced(u.index) && matches("falcon")(u))],
          [{ UserStatus: "Enabled", Filter: "alice" }, where((u) => !disabled(u.index) && matches("alice")(u))],
        ];
        for (const [filters, expected] of cases) {
          assert.ok(expected.length > 0 || filters.Filter !== undefined, "vacuous case");
          for (const max of [2, 100]) {
            const { users: got, pages } = await walk(t.org, { ZoneId: t.zoneId, MaxResults: max, ...filters });
            assert.deepEqual(ids(got), expected, `${JSON.stringify(filters)} MaxResults ${max}`);
            assert.equal(pages[0]!.TotalCounts, expected.length);
            for (const u of got) {
              if (filters.UserStatus) assert.equal(u.UserStatus, filters.UserStatus);
              if (filters.UserType) assert.equal(u.UserType, filters.UserType);
            }
          }
          const desc = await walk(t.org, { ZoneId: t.zoneId, MaxResults: 3, SortType: "Desc", SortField: "CreateTime", ...filters });
          assert.deepEqual(ids(desc.users), [...expected].reverse());
        }
        assert.deepEqual(where((u) => disabled(u.index) && synced(u.index) && matches("falcon")(u)).length, 3);
      });

      test("bad UserStatus or UserType filters: InvalidParameterValue", async () => {
        for (const v of ["enabled", "All", ""]) {
          await rejects(server, "InvalidParameterValue", () => t.org.ListUsers({ ZoneId: t.zoneId, UserStatus: v }), "UserStatus");
        }
        for (const v of ["manual", "All", ""]) {
          await rejects(server, "InvalidParameterValue", () => t.org.ListUsers({ ZoneId: t.zoneId, UserType: v }), "UserType");
        }
      });

      test("FilterGroups marks IsSelected exactly for users in any of those groups, without filtering", async () => {
        const set = (...lists: number[][]) => new Set(lists.flat().map((i) => users[i]!.UserId!));
        const cases: Array<[string[] | undefined, Set<string>]> = [
          [undefined, set()],
          [[], set()],
          [[groupA], set(IN_A)],
          [[groupB], set(IN_B)],
          [[groupC], set(IN_C)],
          [[groupA, groupB], set(IN_A, IN_B)],
          [[groupA, groupC], set(IN_A, IN_C)],
          [[groupC, groupB, groupA], set(IN_A, IN_B, IN_C)],
        ];
        for (const [groups, selected] of cases) {
          for (const max of [4, 100]) {
            const { users: got } = await walk(t.org, { ZoneId: t.zoneId, MaxResults: max, ...(groups ? { FilterGroups: groups } : {}) });
            assert.deepEqual(ids(got), asc(), `FilterGroups ${JSON.stringify(groups)} filtered the list`);
            const marked = new Set(got.filter((u) => u.IsSelected === true).map((u) => u.UserId!));
            assert.deepEqual(marked, selected, `FilterGroups ${JSON.stringify(groups)} MaxResults ${max}`);
            for (const u of got) assert.equal(typeof u.IsSelected, "boolean");
          }
        }
        // With other filters too.
        const r = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 100, FilterGroups: [groupA], UserStatus: "Enabled" });
        assert.deepEqual(
          r.Users!.filter((u) => u.IsSelected).map((u) => u.UserId),
          [1, 2, 17].map((i) => users[i]!.UserId),
        );
        // The paging token does not depend on FilterGroups (it only marks rows).
        const p1 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, FilterGroups: [groupA] });
        const p2 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, FilterGroups: [groupA], NextToken: p1.NextToken! });
        assert.deepEqual(
          p2.Users!.map((u) => u.IsSelected),
          [true, true],
        );
      });

      test("a token reused with different filters or order: InvalidParameter.NextTokenInvalid", async () => {
        const p1 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2 });
        const token = p1.NextToken!;
        const variants: Array<Partial<ListUsersRequest>> = [
          { Filter: "member" },
          { UserStatus: "Enabled" },
          { UserType: "Manual" },
          { SortField: "CreateTime", SortType: "Desc" },
        ];
        for (const v of variants) {
          await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: token, ...v }), "NextToken").catch(
            (e: Error) => assert.fail(`${JSON.stringify(v)}: ${e.message}`),
          );
        }
        // A filtered token is bound to its filter as well.
        const f1 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, UserStatus: "Disabled" });
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: f1.NextToken! }));
        await rejects(server, "InvalidParameter.NextTokenInvalid", () =>
          t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: f1.NextToken!, UserStatus: "Enabled" }),
        );
        const d1 = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, SortType: "Desc" });
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: d1.NextToken! }));
        // The same query with the same token still works (tokens are not single-use), and so does a new page size.
        const again = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: token });
        assert.deepEqual(ids(again.Users), asc().slice(2, 4));
        const bigger = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 5, NextToken: token });
        assert.deepEqual(ids(bigger.Users), asc().slice(2, 7));
      });

      test("forged or garbled tokens: InvalidParameter.NextTokenInvalid", async () => {
        const token = (await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2 })).NextToken!;
        const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
        const forged = [
          "garbage",
          "OTM0YzE4MzY2ZjdhMWM0MYZDhnYaxsiYTLI=",
          Buffer.from(JSON.stringify([0, users[0]!.UserId])).toString("base64url"),
          Buffer.from(JSON.stringify([0, users[0]!.UserId])).toString("base64url") + "." + "x".repeat(43),
          flip(token, 0),
          flip(token, Math.floor(token.length / 2)),
          flip(token, token.length - 1),
          token + "x",
          "x" + token,
          token + "." + token,
          token.slice(0, -1),
          token.split("").reverse().join(""),
          ".",
          "..",
          "€",
        ];
        for (const bad of forged) {
          assert.notEqual(bad, token);
          await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 2, NextToken: bad }), "NextToken").catch(
            (e: Error) => assert.fail(`${JSON.stringify(bad)}: ${e.message}`),
          );
        }
      });

      test("a token from another tenant's zone: InvalidParameter.NextTokenInvalid", async () => {
        const theirs = (await other.org.ListUsers({ ZoneId: other.zoneId, MaxResults: 1 })).NextToken!;
        assert.ok(theirs, "theirs");
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 1, NextToken: theirs }));
        const mine = (await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 1 })).NextToken!;
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => other.org.ListUsers({ ZoneId: other.zoneId, MaxResults: 1, NextToken: mine }));
        // A token from another list kind (groups) is not a users token either.
        const groupsToken = (await t.org.ListGroups({ ZoneId: t.zoneId, MaxResults: 1 })).NextToken!;
        assert.ok(groupsToken, "groupsToken");
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 1, NextToken: groupsToken }));
      });

      test("an empty NextToken is the first page", async () => {
        const r = await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 3, NextToken: "" });
        assert.deepEqual(ids(r.Users), asc().slice(0, 3));
      });

      test("paging is stable across concurrent inserts and deletes: rows that exist throughout appear exactly once", async () => {
        const z = await openTenant(server);
        const made: string[] = [];
        for (let i = 0; i < 12; i++) {
          clock.advance(1000);
          made.push((await z.org.CreateUser({ ZoneId: z.zoneId, UserName: `stable${i}` })).UserInfo!.UserId!);
        }
        const seen: string[] = [];
        let r = await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 4 });
        seen.push(...ids(r.Users));
        // Between pages: delete one already seen and one not yet seen, and add a new user.
        await z.org.DeleteUser({ ZoneId: z.zoneId, UserId: made[1]! });
        await z.org.DeleteUser({ ZoneId: z.zoneId, UserId: made[6]! });
        clock.advance(1000);
        const added = (await z.org.CreateUser({ ZoneId: z.zoneId, UserName: "stable-late" })).UserInfo!.UserId!;
        while (r.IsTruncated) {
          r = await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 4, NextToken: r.NextToken! });
          seen.push(...ids(r.Users));
        }
        assert.equal(new Set(seen).size, seen.length, "a user was listed twice");
        for (const id of made) if (id !== made[1] && id !== made[6]) assert.ok(seen.includes(id), `${id} was skipped`);
        assert.ok(!seen.includes(made[6]!), "a user deleted before its page was listed");
        assert.ok(seen.includes(added), "a user created after the first page, sorting after it, was not listed");
        assert.equal(r.TotalCounts, 11);
        // Desc paging across an insert of a newer row: the newer row is not on later pages.
        let d = await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 3, SortType: "Desc" });
        const seenDesc = ids(d.Users);
        clock.advance(1000);
        const newest = (await z.org.CreateUser({ ZoneId: z.zoneId, UserName: "stable-newest" })).UserInfo!.UserId!;
        while (d.IsTruncated) {
          d = await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 3, SortType: "Desc", NextToken: d.NextToken! });
          seenDesc.push(...ids(d.Users));
        }
        assert.ok(!seenDesc.includes(newest), "!seenDesc.includes(newest)");
        assert.equal(new Set(seenDesc).size, 11);
      });

      test("users sharing one CreateTime still page exactly once each (ties broken by id)", async () => {
        const z = await openTenant(server);
        clock.advance(1000);
        const made = new Set<string>();
        for (let i = 0; i < 9; i++) made.add((await z.org.CreateUser({ ZoneId: z.zoneId, UserName: `tie${i}` })).UserInfo!.UserId!);
        for (const sort of ["Asc", "Desc"]) {
          const { users: got } = await walk(z.org, { ZoneId: z.zoneId, MaxResults: 2, SortField: "CreateTime", SortType: sort });
          assert.equal(got.length, 9);
          assert.deepEqual(new Set(ids(got)), made);
        }
        const a = await walk(z.org, { ZoneId: z.zoneId, MaxResults: 2, SortType: "Asc" });
        const d = await walk(z.org, { ZoneId: z.zoneId, MaxResults: 2, SortType: "Desc" });
        assert.deepEqual(ids(d.users), ids(a.users).reverse());
      });

      test("an empty zone lists nothing", async () => {
        const z = await openTenant(server);
        const r = await z.org.ListUsers({ ZoneId: z.zoneId });
        assert.deepEqual(r.Users, []);
        assert.equal(r.TotalCounts, 0);
        assert.equal(r.IsTruncated, false);
        assert.ok(noToken(r.NextToken), "noToken(r.NextToken)");
        assert.equal(r.MaxResults, 10);
      });
    });

    describe("concurrency", () => {
      let server: TestServer;
      let limited: TestServer;
      before(async () => {
        server = await startServer(engine);
        limited = await startServer(engine, { limits: { usersPerDirectory: 5 } });
      });
      after(async () => {
        await server?.close();
        await limited?.close();
      });

      /** Settles `calls` together; returns the successes and the error codes of the failures. */
      async function race<T>(calls: Array<() => Promise<T>>): Promise<{ ok: T[]; codes: string[] }> {
        const settled = await Promise.allSettled(calls.map((c) => c()));
        const ok: T[] = [];
        const codes: string[] = [];
        for (const s of settled) {
          if (s.status === "fulfilled") ok.push(s.value);
          else codes.push(String((s.reason as { code?: string }).code ?? (s.reason as Error).message));
        }
        return { ok, codes };
      }

      test("two concurrent CreateUser with one UserName: exactly one wins (5 rounds)", async () => {
        const t = await openTenant(server);
        for (let round = 0; round < 5; round++) {
          const name = `Racer${round}x${randomBytes(2).toString("hex")}`;
          const variants = round % 2 === 0 ? [name, name] : [name, name.toLowerCase()];
          const { ok, codes } = await race(variants.map((n) => () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: n })));
          assert.equal(ok.length, 1, `round ${round}: ${codes.join(", ")}`);
          assert.deepEqual(codes, ["InvalidParameter.UsernameAlreadyExists"], `round ${round}`);
          const listed = await t.org.ListUsers({ ZoneId: t.zoneId, Filter: name, MaxResults: 100 });
          assert.equal(listed.TotalCounts, 1);
        }
        const s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 5);
        assert.equal(await countUsers(server, t.zoneId), 5);
      });

      test("two concurrent CreateUser with one Email: exactly one wins (5 rounds)", async () => {
        const t = await openTenant(server);
        for (let round = 0; round < 5; round++) {
          const email = `Race${round}.${randomBytes(2).toString("hex")}@corp.test`;
          const variants = round % 2 === 0 ? [email, email] : [email, email.toUpperCase()];
          const { ok, codes } = await race(variants.map((e) => () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("mail"), Email: e })));
          assert.equal(ok.length, 1, `round ${round}: ${codes.join(", ")}`);
          assert.deepEqual(codes, ["InvalidParameter.EmailAlreadyExists"], `round ${round}`);
        }
        assert.equal((await stats(t.org, t.zoneId)).UserCount, 5);
        assert.equal(await countUsers(server, t.zoneId), 5);
      });

      test("two concurrent UpdateUser to one NewEmail: exactly one wins (5 rounds)", async () => {
        const t = await openTenant(server);
        const a = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("ua") })).UserInfo!;
        const b = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("ub") })).UserInfo!;
        for (let round = 0; round < 5; round++) {
          const email = `upd${round}.${randomBytes(2).toString("hex")}@corp.test`;
          const { ok, codes } = await race([a, b].map((u) => () => t.org.UpdateUser({ ZoneId: t.zoneId, UserId: u.UserId!, NewEmail: email })));
          assert.equal(ok.length, 1, `round ${round}: ${codes.join(", ")}`);
          assert.deepEqual(codes, ["InvalidParameter.EmailAlreadyExists"], `round ${round}`);
          const listed = await t.org.ListUsers({ ZoneId: t.zoneId, Filter: email, MaxResults: 100 });
          assert.equal(listed.TotalCounts, 1);
        }
      });

      test("10 concurrent creates against a quota of 5: exactly 5 succeed and UserCount is 5", async () => {
        const t = await openTenant(limited);
        const { ok, codes } = await race(Array.from({ length: 10 }, (_, i) => () => t.org.CreateUser({ ZoneId: t.zoneId, UserName: `burst${i}` })));
        assert.equal(ok.length, 5, codes.join(", "));
        assert.deepEqual(codes, Array(5).fill("FailedOperation.UserOverUpperLimit"));
        const s = await stats(t.org, t.zoneId);
        assert.equal(s.UserCount, 5);
        assert.equal(s.UserQuota, 5);
        assert.equal(await countUsers(limited, t.zoneId), 5);
        assert.equal((await t.org.ListUsers({ ZoneId: t.zoneId, MaxResults: 100 })).TotalCounts, 5);
      });

      test("concurrent deletes of one user: one succeeds, UserCount drops once", async () => {
        const t = await openTenant(server);
        for (let round = 0; round < 5; round++) {
          const u = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("del") })).UserInfo!;
          const { ok, codes } = await race([0, 1, 2].map(() => () => t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! })));
          assert.equal(ok.length, 1, codes.join(", "));
          assert.deepEqual(codes, ["ResourceNotFound.UserNotExist", "ResourceNotFound.UserNotExist"]);
          assert.equal((await stats(t.org, t.zoneId)).UserCount, 0);
        }
      });

      test("DeleteUser racing AddUserToGroup: never both succeed (10 rounds)", async () => {
        const t = await openTenant(server);
        const g = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: uniq("racegrp") })).GroupInfo!;
        for (let round = 0; round < 10; round++) {
          const u = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: uniq("joiner") })).UserInfo!;
          const [del, add] = await Promise.allSettled([
            t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! }),
            t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: g.GroupId!, UserId: u.UserId! }),
          ]);
          const code = (s: PromiseSettledResult<unknown>) => (s.status === "rejected" ? String((s.reason as { code?: string }).code) : "ok");
          const outcome = `${code(del!)} / ${code(add!)}`;
          assert.ok(
            outcome === "ok / ResourceNotFound.UserNotExist" || outcome === "InvalidParameter.UserAlreadyExistsGroup / ok",
            `round ${round}: DeleteUser / AddUserToGroup = ${outcome}`,
          );
          const members = await server.store.db.selectFrom("dir_memberships").select("user_id").where("user_id", "=", u.UserId!).execute();
          const exists = await server.store.db.selectFrom("dir_users").select("user_id").where("user_id", "=", u.UserId!).execute();
          if (del!.status === "fulfilled") {
            assert.equal(members.length, 0, "a membership of a deleted user");
            assert.equal(exists.length, 0);
          } else {
            assert.equal(members.length, 1);
            await t.org.RemoveUserFromGroup({ ZoneId: t.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
            await t.org.DeleteUser({ ZoneId: t.zoneId, UserId: u.UserId! });
          }
        }
        assert.equal((await stats(t.org, t.zoneId)).UserCount, 0);
      });
    });
  });
}
