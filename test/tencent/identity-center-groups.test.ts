/**
 * organization 2021-03-31 Identity Center groups and memberships through the official
 * tencentcloud-sdk-nodejs client over real HTTP, on every engine: CreateGroup, GetGroup,
 * UpdateGroup, DeleteGroup, ListGroups, AddUserToGroup, RemoveUserFromGroup, ListGroupMembers,
 * ListJoinedGroupsForUser; quotas and caps; races between concurrent writers; and the paging
 * acceptance test (ListUsers over 5,000 users while users are created and deleted between pages).
 * Every rejected request is checked to leave the store (directory tables included) exactly as it was.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { sql } from "kysely";
import type { Caller } from "../../src/core/accounts.js";
import { ManualClock } from "../../src/core/clock.js";
import { ENGINES, expectCode, isUuid, type Key, orgClient, snapshot, startServer, type TestServer, rejects } from "../helpers/harness.js";

type Org = ReturnType<typeof orgClient>;
type GroupInfo = NonNullable<Awaited<ReturnType<Org["GetGroup"]>>["GroupInfo"]>;
type ListGroupsReq = Omit<Parameters<Org["ListGroups"]>[0], "ZoneId">;

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const GROUP_ID = /^g-[a-z0-9]{12}$/;

/** Beijing wall-clock time (UTC+8), formatted independently of the server's own formatter. */
function beijing(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Whole seconds, a little in the past: request signatures must stay within the 300 s skew. */
const manualClock = () => new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 120_000);

const hex = () => randomBytes(4).toString("hex");


interface Zone {
  key: Key & { uin: number };
  org: Org;
  zoneId: string;
  caller: Caller;
}

/** A fresh tenant with an organization and an opened identity center. */
async function openZone(server: TestServer, key?: Key & { uin: number }): Promise<Zone> {
  const k = key ?? (await server.newRoot());
  const org = orgClient(server, k);
  await org.CreateOrganization();
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `zone-${hex()}` });
  assert.match(ZoneId!, /^z-[a-z0-9]{12}$/);
  return { key: k, org, zoneId: ZoneId!, caller: { accountUin: k.uin, principalUin: k.uin, isSubUser: false } };
}

async function createUser(z: Zone, userName: string, userType?: "Manual" | "Synchronized") {
  const r = await z.org.CreateUser({ ZoneId: z.zoneId, UserName: userName, ...(userType ? { UserType: userType } : {}) });
  return r.UserInfo!;
}

async function createUsers(z: Zone, prefix: string, n: number, userType?: "Manual" | "Synchronized"): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await createUser(z, `${prefix}-${i}`, userType)).UserId!);
  return out;
}

async function createGroup(z: Zone, groupName: string, extra: { Description?: string; GroupType?: string } = {}): Promise<GroupInfo> {
  return (await z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: groupName, ...extra })).GroupInfo!;
}

async function getGroup(z: Zone, groupId: string): Promise<GroupInfo> {
  return (await z.org.GetGroup({ ZoneId: z.zoneId, GroupId: groupId })).GroupInfo!;
}

async function memberCountRows(server: TestServer, groupId: string): Promise<number> {
  const r = await server.store.db
    .selectFrom("dir_memberships")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("group_id", "=", groupId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Every group a ListGroups query returns, walking NextToken; checks the page invariants on the way. */
async function allGroups(z: Zone, req: ListGroupsReq, pageSize?: number): Promise<GroupInfo[]> {
  const out: GroupInfo[] = [];
  let token: string | undefined;
  let total: number | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const r = await z.org.ListGroups({ ZoneId: z.zoneId, ...req, ...(pageSize ? { MaxResults: pageSize } : {}), ...(token ? { NextToken: token } : {}) });
    assert.ok(isUuid(r.RequestId));
    assert.equal(r.MaxResults, pageSize ?? req.MaxResults ?? 10);
    if (total === undefined) total = r.TotalCounts!;
    assert.equal(r.TotalCounts, total, "TotalCounts is the same on every page");
    out.push(...r.Groups!);
    if (!r.IsTruncated) {
      assert.equal(r.NextToken, null, "no NextToken on the last page");
      assert.equal(out.length, total, "the pages add up to TotalCounts");
      return out;
    }
    assert.equal(r.Groups!.length, r.MaxResults, "a truncated page is full");
    assert.equal(typeof r.NextToken, "string");
    token = r.NextToken!;
  }
  assert.fail("ListGroups never stopped");
}

const names = (gs: { GroupName?: string }[]) => gs.map((g) => g.GroupName);
const ids = (gs: { GroupId?: string }[]) => gs.map((g) => g.GroupId);

/** Splits a NextToken into its payload (the cursor) and its MAC, as paging.ts writes it. */
function tokenParts(token: string): { cursor: [number, string]; mac: string; payload: string } {
  const [payload, mac] = token.split(".");
  assert.ok(payload && mac, `token ${token} has a payload and a MAC`);
  return { cursor: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [number, string], mac, payload };
}

for (const engine of ENGINES) {
  describe(`identity center groups [${engine}]`, () => {
    describe("CreateGroup, GetGroup, UpdateGroup, DeleteGroup", () => {
      let server: TestServer;
      let clock: ManualClock;
      let z: Zone;
      before(async () => {
        clock = manualClock();
        server = await startServer(engine, { clock });
        z = await openZone(server, server.root);
      });
      after(async () => {
        await server?.close();
      });

      test("CreateGroup returns a full GroupInfo; GetGroup and the stored row agree", async () => {
        const at = clock.now();
        const created = await z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "Engineering-01", Description: "the engineers" });
        assert.ok(isUuid(created.RequestId));
        const g = created.GroupInfo!;
        assert.match(g.GroupId!, GROUP_ID);
        assert.match(g.CreateTime!, TIME);
        assert.deepEqual(g, {
          GroupName: "Engineering-01",
          Description: "the engineers",
          CreateTime: beijing(at),
          GroupType: "Manual",
          UpdateTime: beijing(at),
          GroupId: g.GroupId,
          MemberCount: 0,
          IsSelected: false,
        });
        const got = await z.org.GetGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.ok(isUuid(got.RequestId));
        assert.deepEqual(got.GroupInfo, g);
        const row = await server.store.db.selectFrom("dir_groups").selectAll().where("group_id", "=", g.GroupId!).executeTakeFirstOrThrow();
        assert.deepEqual(row, {
          group_id: g.GroupId,
          directory_id: z.zoneId,
          group_name: "Engineering-01",
          description: "the engineers",
          group_type: "Manual",
          member_count: 0,
          created_at: at,
          updated_at: at,
          // Set only for groups an identity provider pushed over SCIM.
          external_id: null,
          scim_attributes: null,
        });
      });

      test("GroupType Synchronized is kept; Description defaults to empty; ids are distinct", async () => {
        const s = await createGroup(z, "synced.from_idp", { GroupType: "Synchronized" });
        assert.equal(s.GroupType, "Synchronized");
        assert.equal(s.Description, "");
        assert.equal(s.MemberCount, 0);
        assert.equal((await getGroup(z, s.GroupId!)).GroupType, "Synchronized");
        const m = await createGroup(z, "explicit-manual", { GroupType: "Manual" });
        assert.equal(m.GroupType, "Manual");
        assert.notEqual(m.GroupId, s.GroupId);
        assert.match(m.GroupId!, GROUP_ID);
      });

      test("names: 128 characters, letters, digits, '.', '_' and '-' are accepted", async () => {
        const long = "a".repeat(127) + "Z";
        assert.equal((await createGroup(z, long)).GroupName, long);
        for (const n of ["x", "9", "A.b_c-D", "-lead", "_under", ".dot"]) assert.equal((await createGroup(z, n)).GroupName, n);
      });

      test("InvalidParameter.GroupNameFormatError: empty, 129 characters, spaces, '/', and other characters", async () => {
        for (const bad of ["", "a".repeat(129), "has space", " lead", "trail ", "a/b", "组", "a@b", "tab\tname", "a+b"]) {
          await rejects(server, "InvalidParameter.GroupNameFormatError", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: bad }));
        }
      });

      test("a missing GroupName is MissingParameter", async () => {
        await rejects(server, "MissingParameter", () => z.org.CreateGroup({ ZoneId: z.zoneId } as never), "GroupName");
      });

      test("InvalidParameter.GroupNameAlreadyExists, without regard to case; another tenant may reuse a name", async () => {
        await createGroup(z, "Dup-Name");
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "Dup-Name" }));
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "dup-name" }));
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "DUP-NAME", GroupType: "Synchronized" }));
        const other = await openZone(server);
        assert.equal((await createGroup(other, "Dup-Name")).GroupName, "Dup-Name");
      });

      test("Description: 1024 characters are accepted, 1025 are InvalidParameter.ParamError", async () => {
        assert.equal((await createGroup(z, "desc-1024", { Description: "d".repeat(1024) })).Description, "d".repeat(1024));
        await rejects(server, "InvalidParameter.ParamError", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "desc-1025", Description: "d".repeat(1025) }), "Description");
      });

      test("an unknown GroupType is InvalidParameterValue", async () => {
        for (const t of ["Bogus", "manual", "SYNCHRONIZED", ""]) {
          await rejects(server, "InvalidParameterValue", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: `type-${hex()}`, GroupType: t }), "GroupType");
        }
      });

      test("zone errors: an unknown ZoneId, and a tenant that never opened its identity center", async () => {
        await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.CreateGroup({ ZoneId: "z-000000000000", GroupName: "nozone" }));
        await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.GetGroup({ ZoneId: "z-000000000000", GroupId: "g-000000000000" }));
        const k = await server.newRoot();
        const org = orgClient(server, k);
        await org.CreateOrganization();
        await rejects(server, "FailedOperation.IdentityCenterNotOpen", () => org.CreateGroup({ ZoneId: z.zoneId, GroupName: "closed" }));
        await rejects(server, "FailedOperation.IdentityCenterNotOpen", () => org.ListGroups({ ZoneId: z.zoneId }));
      });

      test("UpdateGroup: NewGroupName and NewDescription change, CreateTime stays, UpdateTime moves", async () => {
        const createdAt = clock.now();
        const g = await createGroup(z, "to-rename", { Description: "before" });
        clock.advance(61_000);
        const renamedAt = clock.now();
        const r = await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewGroupName: "Renamed" });
        assert.ok(isUuid(r.RequestId));
        assert.deepEqual(r.GroupInfo, { ...g, GroupName: "Renamed", UpdateTime: beijing(renamedAt) });
        assert.deepEqual(await getGroup(z, g.GroupId!), r.GroupInfo);
        assert.equal(r.GroupInfo!.CreateTime, beijing(createdAt));

        clock.advance(5_000);
        const d = await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewDescription: "after" });
        assert.deepEqual(d.GroupInfo, { ...g, GroupName: "Renamed", Description: "after", UpdateTime: beijing(clock.now()) });

        const both = await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewGroupName: "Renamed-2", NewDescription: "" });
        assert.equal(both.GroupInfo!.GroupName, "Renamed-2");
        assert.equal(both.GroupInfo!.Description, "");
        assert.deepEqual(await getGroup(z, g.GroupId!), both.GroupInfo);

        // Neither field: nothing but UpdateTime changes.
        const none = await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.equal(none.GroupInfo!.GroupName, "Renamed-2");
        assert.equal(none.GroupInfo!.Description, "");

        // The old names are free again.
        assert.equal((await createGroup(z, "to-rename")).GroupName, "to-rename");
        assert.equal((await createGroup(z, "renamed")).GroupName, "renamed");
      });

      test("UpdateGroup: a group may change the case of its own name; another group's name is taken without regard to case", async () => {
        const a = await createGroup(z, "case-a");
        await createGroup(z, "case-b");
        assert.equal((await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: "CASE-A" })).GroupInfo!.GroupName, "CASE-A");
        assert.equal((await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: "CASE-A" })).GroupInfo!.GroupName, "CASE-A");
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () => z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: "case-b" }));
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () => z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: "Case-B" }));
        await rejects(server, "InvalidParameter.GroupNameAlreadyExists", () =>
          z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: "CASE-B", NewDescription: "ignored" }),
        );
        assert.equal((await getGroup(z, a.GroupId!)).Description, "");
      });

      test("UpdateGroup: format and length errors", async () => {
        const g = await createGroup(z, "update-errors");
        for (const bad of ["has space", "a/b", "a".repeat(129)]) {
          await rejects(server, "InvalidParameter.GroupNameFormatError", () => z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewGroupName: bad }));
        }
        await rejects(server, "InvalidParameter.ParamError", () => z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewDescription: "d".repeat(1025) }), "NewDescription");
        assert.equal((await z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewDescription: "d".repeat(1024) })).GroupInfo!.Description!.length, 1024);
      });

      test("DeleteGroup removes the group; GetGroup, a second DeleteGroup and UpdateGroup then say GroupNotExist", async () => {
        const g = await createGroup(z, "short-lived");
        const before = (await z.org.GetZoneStatistics({ ZoneId: z.zoneId })).ZoneStatistics!.GroupCount!;
        const r = await z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.ok(isUuid(r.RequestId));
        assert.equal((await z.org.GetZoneStatistics({ ZoneId: z.zoneId })).ZoneStatistics!.GroupCount, before - 1);
        await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.GetGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }));
        await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }));
        await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewDescription: "x" }));
        assert.ok(!ids(await allGroups(z, {}, 100)).includes(g.GroupId));
        // The name is free again.
        assert.equal((await createGroup(z, "short-lived")).GroupName, "short-lived");
      });

      test("FailedOperation.DeleteGroupNotAllowExistUser while the group has members", async () => {
        const g = await createGroup(z, "with-members");
        const u1 = await createUser(z, `member-${hex()}`);
        const u2 = await createUser(z, `member-${hex()}`);
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u1.UserId! });
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u2.UserId! });
        await rejects(server, "FailedOperation.DeleteGroupNotAllowExistUser", () => z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }));
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u1.UserId! });
        await rejects(server, "FailedOperation.DeleteGroupNotAllowExistUser", () => z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }));
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u2.UserId! });
        await z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        await expectCode(z.org.GetGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }), "InvalidParameter.GroupNotExist");
        // The users are untouched and can now be deleted.
        await z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u1.UserId! });
        await z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u2.UserId! });
      });

      test("FailedOperation.UserProvisioningExists while a provisioning references the group", async () => {
        const g = await createGroup(z, "provisioned");
        const now = Date.now();
        await server.store.db
          .insertInto("provisionings")
          .values({
            provisioning_id: "up-test00000001",
            directory_id: z.zoneId,
            principal_type: "Group",
            principal_id: g.GroupId!,
            target_type: "MemberUin",
            target_uin: 1,
            duplication_strategy: "KeepBoth",
            deletion_strategy: "Keep",
            description: "",
            status: "Enabled",
            created_at: now,
            updated_at: now,
          })
          .execute();
        await rejects(server, "FailedOperation.UserProvisioningExists", () => z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }), "up-test00000001");
        await server.store.db.deleteFrom("provisionings").where("provisioning_id", "=", "up-test00000001").execute();
        await z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        await expectCode(z.org.GetGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }), "InvalidParameter.GroupNotExist");
      });

      test("InvalidParameter.GroupNotExist for an unknown id and for another tenant's group, on every group action", async () => {
        const other = await openZone(server);
        const theirs = await createGroup(other, "theirs");
        const theirUser = await createUser(other, "their-user");
        await other.org.AddUserToGroup({ ZoneId: other.zoneId, GroupId: theirs.GroupId!, UserId: theirUser.UserId! });
        const mine = await createUser(z, `gne-${hex()}`);
        for (const gid of ["g-000000000000", "g-doesnotexist", theirs.GroupId!]) {
          const G = { ZoneId: z.zoneId, GroupId: gid };
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.GetGroup(G));
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.UpdateGroup({ ...G, NewGroupName: `x-${hex()}`, NewDescription: "x" }));
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.DeleteGroup(G));
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.AddUserToGroup({ ...G, UserId: mine.UserId! }));
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.RemoveUserFromGroup({ ...G, UserId: mine.UserId! }));
          await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.ListGroupMembers(G));
        }
        // Even naming their own user alongside their group does not reach it.
        await rejects(server, "InvalidParameter.GroupNotExist", () => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: theirs.GroupId!, UserId: theirUser.UserId! }));
        // Their zone id is not ours to use either.
        await rejects(server, "FailedOperation.ZoneIdNotExist", () => z.org.GetGroup({ ZoneId: other.zoneId, GroupId: theirs.GroupId! }));
        // Their group is intact.
        const still = await getGroup(other, theirs.GroupId!);
        assert.equal(still.GroupName, "theirs");
        assert.equal(still.MemberCount, 1);
      });
    });

    describe("quotas and caps", () => {
      test("FailedOperation.GroupOverUpperLimit at groupsPerDirectory; deleting a group frees a slot", async () => {
        const server = await startServer(engine, { limits: { groupsPerDirectory: 2 } });
        try {
          const z = await openZone(server, server.root);
          const a = await createGroup(z, "quota-a");
          await createGroup(z, "quota-b");
          const stats = (await z.org.GetZoneStatistics({ ZoneId: z.zoneId })).ZoneStatistics!;
          assert.equal(stats.GroupQuota, 2);
          assert.equal(stats.GroupCount, 2);
          await rejects(server, "FailedOperation.GroupOverUpperLimit", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "quota-c" }));
          await rejects(server, "FailedOperation.GroupOverUpperLimit", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "quota-c", GroupType: "Synchronized" }));
          await z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: a.GroupId! });
          assert.equal((await createGroup(z, "quota-c")).GroupName, "quota-c");
          await rejects(server, "FailedOperation.GroupOverUpperLimit", () => z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: "quota-d" }));
          // The quota is per directory: another tenant has its own.
          const other = await openZone(server);
          await createGroup(other, "quota-a");
          await createGroup(other, "quota-b");
          await rejects(server, "FailedOperation.GroupOverUpperLimit", () => other.org.CreateGroup({ ZoneId: other.zoneId, GroupName: "quota-c" }));
        } finally {
          await server.close();
        }
      });

      test("FailedOperation.GroupUserCountOverUpperLimit at membersPerGroup", async () => {
        const server = await startServer(engine, { limits: { membersPerGroup: 2 } });
        try {
          const z = await openZone(server, server.root);
          const g = await createGroup(z, "small");
          const [u1, u2, u3] = await createUsers(z, "cap", 3);
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u1! });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u2! });
          await rejects(server, "FailedOperation.GroupUserCountOverUpperLimit", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u3! }));
          // A duplicate is still reported as a duplicate, even in a full group.
          await rejects(server, "InvalidParameter.GroupUserAlreadyExists", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u1! }));
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 2);
          await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u1! });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u3! });
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 2);
          // The cap is per group.
          const g2 = await createGroup(z, "small-2");
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g2.GroupId!, UserId: u1! });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g2.GroupId!, UserId: u2! });
        } finally {
          await server.close();
        }
      });

      test("FailedOperation.UserAddGroupCountOverUpperLimit at groupsPerUser", async () => {
        const server = await startServer(engine, { limits: { groupsPerUser: 2 } });
        try {
          const z = await openZone(server, server.root);
          const [g1, g2, g3] = [await createGroup(z, "gpu-1"), await createGroup(z, "gpu-2"), await createGroup(z, "gpu-3")];
          const [u1, u2] = await createUsers(z, "gpu", 2);
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g1.GroupId!, UserId: u1! });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g2.GroupId!, UserId: u1! });
          await rejects(server, "FailedOperation.UserAddGroupCountOverUpperLimit", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g3.GroupId!, UserId: u1! }));
          // Another user can still join that group; the cap is per user.
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g3.GroupId!, UserId: u2! });
          assert.equal((await getGroup(z, g3.GroupId!)).MemberCount, 1);
          await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g1.GroupId!, UserId: u1! });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g3.GroupId!, UserId: u1! });
          const joined = await z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u1! });
          assert.deepEqual(ids(joined.JoinedGroups!).sort(), [g2.GroupId, g3.GroupId].sort());
        } finally {
          await server.close();
        }
      });
    });

    describe("membership: AddUserToGroup, RemoveUserFromGroup, ListGroupMembers, ListJoinedGroupsForUser", () => {
      let server: TestServer;
      let clock: ManualClock;
      let z: Zone;
      before(async () => {
        clock = manualClock();
        server = await startServer(engine, { clock });
        z = await openZone(server, server.root);
      });
      after(async () => {
        await server?.close();
      });

      async function listed(groupId: string): Promise<GroupInfo> {
        const g = (await allGroups(z, {}, 100)).find((x) => x.GroupId === groupId);
        assert.ok(g, `${groupId} is listed`);
        return g;
      }

      test("MemberCount is exact after adds and removes, in GetGroup and ListGroups; JoinTime and member fields", async () => {
        const g = await createGroup(z, "team");
        const users: NonNullable<Awaited<ReturnType<Org["CreateUser"]>>["UserInfo"]>[] = [];
        for (const n of ["ann", "bob", "cy"]) {
          const r = await z.org.CreateUser({
            ZoneId: z.zoneId,
            UserName: n,
            DisplayName: `${n.toUpperCase()} Display`,
            Description: `about ${n}`,
            Email: `${n}@example.com`,
          });
          users.push(r.UserInfo!);
        }
        const joinedAt: number[] = [];
        for (const [i, u] of users.entries()) {
          clock.advance(2_000);
          joinedAt.push(clock.now());
          const r = await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
          assert.ok(isUuid(r.RequestId));
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, i + 1);
          assert.equal((await listed(g.GroupId!)).MemberCount, i + 1);
        }
        const members = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.ok(isUuid(members.RequestId));
        assert.equal(members.TotalCounts, 3);
        assert.equal(members.MaxResults, 10);
        assert.equal(members.IsTruncated, false);
        assert.equal(members.NextToken, null);
        assert.deepEqual(
          members.GroupMembers,
          users.map((u, i) => ({
            UserName: u.UserName,
            DisplayName: u.DisplayName,
            Description: u.Description,
            Email: u.Email,
            UserStatus: "Enabled",
            UserType: "Manual",
            UserId: u.UserId,
            JoinTime: beijing(joinedAt[i]!),
          })),
        );
        for (const m of members.GroupMembers!) assert.match(m.JoinTime!, TIME);

        // Adding members does not touch the group's UpdateTime or CreateTime.
        const info = await getGroup(z, g.GroupId!);
        assert.equal(info.UpdateTime, g.UpdateTime);
        assert.equal(info.CreateTime, g.CreateTime);

        const r = await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: users[1]!.UserId! });
        assert.ok(isUuid(r.RequestId));
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 2);
        assert.equal((await listed(g.GroupId!)).MemberCount, 2);
        assert.equal(await memberCountRows(server, g.GroupId!), 2);

        // Re-joining gives a new JoinTime, and the member now lists last.
        clock.advance(2_000);
        const rejoinedAt = clock.now();
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: users[1]!.UserId! });
        const again = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.deepEqual(
          again.GroupMembers!.map((m) => [m.UserName, m.JoinTime]),
          [
            ["ann", beijing(joinedAt[0]!)],
            ["cy", beijing(joinedAt[2]!)],
            ["bob", beijing(rejoinedAt)],
          ],
        );
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 3);

        for (const u of users) await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 0);
        assert.equal((await listed(g.GroupId!)).MemberCount, 0);
        const empty = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId! });
        assert.deepEqual(empty.GroupMembers, []);
        assert.equal(empty.TotalCounts, 0);
      });

      test("InvalidParameter.GroupUserAlreadyExists and InvalidParameter.GroupUserNotExist", async () => {
        const g = await createGroup(z, "dups");
        const u = await createUser(z, "dup-user");
        const outsider = await createUser(z, "outsider");
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await rejects(server, "InvalidParameter.GroupUserAlreadyExists", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! }));
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 1);
        await rejects(server, "InvalidParameter.GroupUserNotExist", () => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: outsider.UserId! }));
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await rejects(server, "InvalidParameter.GroupUserNotExist", () => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! }));
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 0);
      });

      test("ResourceNotFound.UserNotExist for an unknown user and for another tenant's user", async () => {
        const g = await createGroup(z, "ghosts");
        const other = await openZone(server);
        const theirs = await createUser(other, "their-user");
        for (const uid of ["u-000000000000", "u-doesnotexist", theirs.UserId!]) {
          await rejects(server, "ResourceNotFound.UserNotExist", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: uid }));
          await rejects(server, "ResourceNotFound.UserNotExist", () => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: uid }));
          await rejects(server, "ResourceNotFound.UserNotExist", () => z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: uid }));
        }
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 0);
      });

      test("FailedOperation.GroupTypeUserTypeNotMatch both ways; matching types join", async () => {
        const manual = await createGroup(z, "manual-group");
        const synced = await createGroup(z, "synced-group", { GroupType: "Synchronized" });
        const mu = await createUser(z, "manual-user");
        const su = await createUser(z, "synced-user", "Synchronized");
        assert.equal(su.UserType, "Synchronized");
        await rejects(server, "FailedOperation.GroupTypeUserTypeNotMatch", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: manual.GroupId!, UserId: su.UserId! }));
        await rejects(server, "FailedOperation.GroupTypeUserTypeNotMatch", () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: synced.GroupId!, UserId: mu.UserId! }));
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: manual.GroupId!, UserId: mu.UserId! });
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: synced.GroupId!, UserId: su.UserId! });
        assert.equal((await getGroup(z, manual.GroupId!)).MemberCount, 1);
        assert.equal((await getGroup(z, synced.GroupId!)).MemberCount, 1);

        // UserType filters ListGroupMembers.
        const bySync = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: synced.GroupId!, UserType: "Synchronized" });
        assert.deepEqual(bySync.GroupMembers!.map((m) => [m.UserId, m.UserType]), [[su.UserId, "Synchronized"]]);
        assert.equal(bySync.TotalCounts, 1);
        const noManual = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: synced.GroupId!, UserType: "Manual" });
        assert.deepEqual(noManual.GroupMembers, []);
        assert.equal(noManual.TotalCounts, 0);
        const manualOnly = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: manual.GroupId!, UserType: "Manual" });
        assert.deepEqual(manualOnly.GroupMembers!.map((m) => m.UserId), [mu.UserId]);
        const noSync = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: manual.GroupId!, UserType: "Synchronized" });
        assert.deepEqual(noSync.GroupMembers, []);
        assert.equal(noSync.TotalCounts, 0);
        await rejects(server, "InvalidParameterValue", () => z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: manual.GroupId!, UserType: "Robot" }), "UserType");
      });

      test("a user still in a group cannot be deleted (InvalidParameter.UserAlreadyExistsGroup)", async () => {
        const g = await createGroup(z, "keeps-user");
        const u = await createUser(z, "kept-user");
        await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await rejects(server, "InvalidParameter.UserAlreadyExistsGroup", () => z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u.UserId! }));
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
        await z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u.UserId! });
        await expectCode(z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u.UserId! }), "ResourceNotFound.UserNotExist");
      });

      test("ListGroupMembers pages with MaxResults and NextToken in join order; TotalCounts on every page; tokens are bound", async () => {
        const g = await createGroup(z, "paged-members");
        const g2 = await createGroup(z, "paged-members-2");
        const userIds = await createUsers(z, "pm", 7);
        // Pairs joined in the same millisecond: the tie breaks on UserId.
        const joins: { id: string; at: number }[] = [];
        for (const [i, uid] of userIds.entries()) {
          if (i % 2 === 0) clock.advance(1_000);
          joins.push({ id: uid, at: clock.now() });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: uid });
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g2.GroupId!, UserId: uid });
        }
        const order = [...joins].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((j) => j.id);

        const seen: string[] = [];
        const pages: number[] = [];
        let token: string | undefined;
        let firstToken: string | undefined;
        for (;;) {
          const r = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 3, ...(token ? { NextToken: token } : {}) });
          assert.equal(r.TotalCounts, 7);
          assert.equal(r.MaxResults, 3);
          pages.push(r.GroupMembers!.length);
          seen.push(...r.GroupMembers!.map((m) => m.UserId!));
          for (const m of r.GroupMembers!) assert.equal(m.JoinTime, beijing(joins.find((j) => j.id === m.UserId)!.at));
          if (!r.IsTruncated) {
            assert.equal(r.NextToken, null);
            break;
          }
          token = r.NextToken!;
          firstToken ??= token;
        }
        assert.deepEqual(pages, [3, 3, 1]);
        assert.deepEqual(seen, order);

        // MaxResults 7 exactly fits: not truncated.
        const all = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 7 });
        assert.equal(all.IsTruncated, false);
        assert.deepEqual(all.GroupMembers!.map((m) => m.UserId), order);

        // A token continues with another MaxResults...
        const rest = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 10, NextToken: firstToken! });
        assert.deepEqual(rest.GroupMembers!.map((m) => m.UserId), order.slice(3));
        // ...but not for another group, another UserType filter, or as a forgery.
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g2.GroupId!, MaxResults: 3, NextToken: firstToken! }));
        await rejects(server, "InvalidParameter.NextTokenInvalid", () =>
          z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 3, UserType: "Manual", NextToken: firstToken! }),
        );
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, NextToken: "not-a-token" }));
        for (const bad of [0, 101, 2.5, -1]) {
          await rejects(server, "InvalidParameter.ParamError", () => z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: bad }), "MaxResults");
        }

        // The UserType-filtered walk has its own tokens and the same order.
        const f1 = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 4, UserType: "Manual" });
        assert.equal(f1.TotalCounts, 7);
        const f2 = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 4, UserType: "Manual", NextToken: f1.NextToken! });
        assert.deepEqual([...f1.GroupMembers!, ...f2.GroupMembers!].map((m) => m.UserId), order);
        assert.equal(f2.IsTruncated, false);

        // Removing a member not yet reached never skips or repeats the others.
        const p1 = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 3 });
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: order[4]! });
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: order[0]! });
        const p2 = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 10, NextToken: p1.NextToken! });
        assert.deepEqual(p2.GroupMembers!.map((m) => m.UserId), [order[3], order[5], order[6]]);
        assert.equal(p2.TotalCounts, 5);
      });

      test("ListJoinedGroupsForUser: fields, JoinTime, join order, paging and bound tokens", async () => {
        const u = await createUser(z, "joiner");
        const u2 = await createUser(z, "joiner-2");
        const groups: { g: GroupInfo; at: number }[] = [];
        for (let i = 0; i < 5; i++) {
          clock.advance(1_000);
          groups.push({ g: await createGroup(z, `joined-${i}`, { Description: `group ${i}` }), at: 0 });
        }
        // Join in reverse creation order: the list follows JoinTime, not CreateTime.
        for (const x of [...groups].reverse()) {
          clock.advance(1_000);
          x.at = clock.now();
          await z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: x.g.GroupId!, UserId: u.UserId! });
        }
        const expected = [...groups].sort((a, b) => a.at - b.at);
        assert.deepEqual(
          expected.map((x) => x.g.GroupName),
          ["joined-4", "joined-3", "joined-2", "joined-1", "joined-0"],
        );

        const r = await z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u.UserId! });
        assert.ok(isUuid(r.RequestId));
        assert.equal(r.TotalCounts, 5);
        assert.equal(r.MaxResults, 10);
        assert.equal(r.IsTruncated, false);
        assert.equal(r.NextToken, null);
        assert.deepEqual(
          r.JoinedGroups,
          expected.map(({ g, at }) => ({ GroupName: g.GroupName, Description: g.Description, GroupId: g.GroupId, GroupType: "Manual", JoinTime: beijing(at) })),
        );

        const walked: string[] = [];
        const sizes: number[] = [];
        let token: string | undefined;
        let first: string | undefined;
        for (;;) {
          const p = await z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u.UserId!, MaxResults: 2, ...(token ? { NextToken: token } : {}) });
          assert.equal(p.TotalCounts, 5);
          assert.equal(p.MaxResults, 2);
          sizes.push(p.JoinedGroups!.length);
          walked.push(...ids(p.JoinedGroups!).map(String));
          if (!p.IsTruncated) {
            assert.equal(p.NextToken, null);
            break;
          }
          token = p.NextToken!;
          first ??= token;
        }
        assert.deepEqual(sizes, [2, 2, 1]);
        assert.deepEqual(walked, ids(expected.map((x) => x.g)));

        // Tokens are bound to the user.
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u2.UserId!, NextToken: first! }));
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u.UserId!, NextToken: `${first!}x` }));

        // A user in no group.
        const none = await z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u2.UserId! });
        assert.deepEqual(none.JoinedGroups, []);
        assert.equal(none.TotalCounts, 0);

        // Leaving a group removes it from the list.
        await z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: expected[1]!.g.GroupId!, UserId: u.UserId! });
        const after = await z.org.ListJoinedGroupsForUser({ ZoneId: z.zoneId, UserId: u.UserId! });
        assert.equal(after.TotalCounts, 4);
        assert.deepEqual(ids(after.JoinedGroups!), ids([expected[0]!, expected[2]!, expected[3]!, expected[4]!].map((x) => x.g)));
      });
    });

    describe("ListGroups", () => {
      let server: TestServer;
      let clock: ManualClock;
      let z: Zone;
      /** Every group in the expected ascending order: CreateTime, then GroupId. */
      let order: GroupInfo[];
      let uM1: string;
      let uM2: string;
      let uS1: string;
      const byName = (n: string) => order.find((g) => g.GroupName === n)!;

      before(async () => {
        clock = manualClock();
        server = await startServer(engine, { clock });
        z = await openZone(server, server.root);
        const plan: [number, string, string][] = [
          [0, "alpha-eng", "Manual"],
          [1, "alpha-ops", "Manual"],
          [2, "Beta.Eng", "Manual"],
          [2, "beta_ops", "Manual"],
          [3, "gamma-eng", "Synchronized"],
          [3, "gamma-ops", "Synchronized"],
          [3, "delta", "Synchronized"],
          [5, "zeta-eng", "Manual"],
        ];
        const start = clock.now();
        const created: { g: GroupInfo; at: number }[] = [];
        for (const [s, name, type] of plan) {
          clock.set(start + s * 1_000);
          created.push({ g: await createGroup(z, name, { GroupType: type, Description: `the ${name} group` }), at: clock.now() });
        }
        uM1 = (await createUser(z, "m1")).UserId!;
        uM2 = (await createUser(z, "m2")).UserId!;
        uS1 = (await createUser(z, "s1", "Synchronized")).UserId!;
        const add = (g: string, u: string) => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: created.find((c) => c.g.GroupName === g)!.g.GroupId!, UserId: u });
        await add("alpha-eng", uM1);
        await add("Beta.Eng", uM1);
        await add("Beta.Eng", uM2);
        await add("zeta-eng", uM2);
        await add("gamma-ops", uS1);
        created.sort((a, b) => a.at - b.at || (a.g.GroupId! < b.g.GroupId! ? -1 : 1));
        const counts: Record<string, number> = { "alpha-eng": 1, "Beta.Eng": 2, "zeta-eng": 1, "gamma-ops": 1 };
        order = created.map(({ g }) => ({ ...g, MemberCount: counts[g.GroupName!] ?? 0 }));
      });
      after(async () => {
        await server?.close();
      });

      test("without filters: every group, GroupInfo field by field with exact MemberCount, oldest first, default MaxResults 10", async () => {
        const r = await z.org.ListGroups({ ZoneId: z.zoneId });
        assert.ok(isUuid(r.RequestId));
        assert.equal(r.TotalCounts, 8);
        assert.equal(r.MaxResults, 10);
        assert.equal(r.IsTruncated, false);
        assert.equal(r.NextToken, null);
        assert.deepEqual(r.Groups, order);
        for (const g of r.Groups!) assert.deepEqual(g, await getGroup(z, g.GroupId!));
        const explicit = await z.org.ListGroups({ ZoneId: z.zoneId, SortField: "CreateTime", SortType: "Asc" });
        assert.deepEqual(explicit.Groups, order);
      });

      test("SortType Desc reverses the order; bad SortType or SortField is InvalidParameterValue", async () => {
        const r = await z.org.ListGroups({ ZoneId: z.zoneId, SortField: "CreateTime", SortType: "Desc" });
        assert.deepEqual(r.Groups, [...order].reverse());
        assert.deepEqual((await z.org.ListGroups({ ZoneId: z.zoneId, SortType: "Desc" })).Groups, [...order].reverse());
        await rejects(server, "InvalidParameterValue", () => z.org.ListGroups({ ZoneId: z.zoneId, SortType: "desc" }), "SortType");
        await rejects(server, "InvalidParameterValue", () => z.org.ListGroups({ ZoneId: z.zoneId, SortField: "GroupName" }), "SortField");
      });

      test("Filter matches a case-insensitive substring of the name; LIKE wildcards are literal", async () => {
        const cases: [string, string[]][] = [
          ["eng", ["alpha-eng", "Beta.Eng", "gamma-eng", "zeta-eng"]],
          ["ENG", ["alpha-eng", "Beta.Eng", "gamma-eng", "zeta-eng"]],
          ["alpha", ["alpha-eng", "alpha-ops"]],
          ["_", ["beta_ops"]],
          [".", ["Beta.Eng"]],
          ["%", []],
          ["a-e", ["alpha-eng", "gamma-eng", "zeta-eng"]],
          ["nomatch", []],
        ];
        for (const [filter, want] of cases) {
          const expected = order.filter((g) => want.includes(g.GroupName!));
          assert.equal(expected.length, want.length);
          const r = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: filter });
          assert.deepEqual(names(r.Groups!), names(expected), `Filter ${filter}`);
          assert.equal(r.TotalCounts, want.length, `TotalCounts for Filter ${filter}`);
          assert.equal(r.IsTruncated, false);
        }
        // An empty Filter is no filter.
        assert.deepEqual((await z.org.ListGroups({ ZoneId: z.zoneId, Filter: "" })).Groups, order);
      });

      test("GroupType filters, alone and with Filter; an unknown GroupType is InvalidParameterValue", async () => {
        const sync = await z.org.ListGroups({ ZoneId: z.zoneId, GroupType: "Synchronized" });
        assert.deepEqual(sync.Groups, order.filter((g) => g.GroupType === "Synchronized"));
        assert.equal(sync.TotalCounts, 3);
        const manual = await z.org.ListGroups({ ZoneId: z.zoneId, GroupType: "Manual" });
        assert.deepEqual(manual.Groups, order.filter((g) => g.GroupType === "Manual"));
        assert.equal(manual.TotalCounts, 5);
        const both = await z.org.ListGroups({ ZoneId: z.zoneId, GroupType: "Synchronized", Filter: "ENG" });
        assert.deepEqual(names(both.Groups!), ["gamma-eng"]);
        assert.equal(both.TotalCounts, 1);
        await rejects(server, "InvalidParameterValue", () => z.org.ListGroups({ ZoneId: z.zoneId, GroupType: "manual" }), "GroupType");
      });

      test("FilterUsers: IsSelected is true exactly for the groups containing one of those users, on every page", async () => {
        const containing = (users: string[]) => {
          const m: Record<string, string[]> = { "alpha-eng": [uM1], "Beta.Eng": [uM1, uM2], "zeta-eng": [uM2], "gamma-ops": [uS1] };
          return new Set(order.filter((g) => (m[g.GroupName!] ?? []).some((u) => users.includes(u))).map((g) => g.GroupId));
        };
        const cases: string[][] = [[uM1], [uM2], [uS1], [uM1, uS1], [uM1, uM2, uS1], [], ["u-doesnotexist"]];
        for (const users of cases) {
          const want = containing(users);
          for (const size of [100, 3]) {
            const got = await allGroups(z, { FilterUsers: users }, size);
            assert.deepEqual(ids(got), ids(order), "FilterUsers selects, it does not filter");
            const selected = got.filter((g) => g.IsSelected).map((g) => g.GroupId);
            assert.deepEqual(new Set(selected), want, `FilterUsers ${JSON.stringify(users)} at page size ${size}`);
            for (const g of got) assert.equal(typeof g.IsSelected, "boolean");
          }
        }
        // With other filters too.
        const r = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: "eng", FilterUsers: [uM2] });
        assert.deepEqual(
          r.Groups!.map((g) => [g.GroupName, g.IsSelected]),
          [
            ["alpha-eng", false],
            ["Beta.Eng", true],
            ["gamma-eng", false],
            ["zeta-eng", true],
          ],
        );
      });

      test("Offset skips rows; its page's NextToken continues after it; NextToken wins over Offset", async () => {
        const r = await z.org.ListGroups({ ZoneId: z.zoneId, Offset: 2, MaxResults: 3 });
        assert.deepEqual(ids(r.Groups!), ids(order.slice(2, 5)));
        assert.equal(r.IsTruncated, true);
        assert.equal(r.TotalCounts, 8);
        const next = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 3, NextToken: r.NextToken! });
        assert.deepEqual(ids(next.Groups!), ids(order.slice(5, 8)));
        assert.equal(next.IsTruncated, false);
        const tail = await z.org.ListGroups({ ZoneId: z.zoneId, Offset: 6, MaxResults: 3 });
        assert.deepEqual(ids(tail.Groups!), ids(order.slice(6)));
        assert.equal(tail.IsTruncated, false);
        assert.equal(tail.NextToken, null);
        const past = await z.org.ListGroups({ ZoneId: z.zoneId, Offset: 8 });
        assert.deepEqual(past.Groups, []);
        assert.equal(past.TotalCounts, 8);
        assert.equal(past.IsTruncated, false);
        const desc = await z.org.ListGroups({ ZoneId: z.zoneId, Offset: 1, MaxResults: 2, SortType: "Desc" });
        assert.deepEqual(ids(desc.Groups!), ids([...order].reverse().slice(1, 3)));
        const filtered = await z.org.ListGroups({ ZoneId: z.zoneId, Offset: 1, Filter: "eng" });
        assert.deepEqual(names(filtered.Groups!), ["Beta.Eng", "gamma-eng", "zeta-eng"]);
        assert.equal(filtered.TotalCounts, 4);
        // NextToken and Offset together: the token decides.
        const first = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2 });
        const both = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2, Offset: 5, NextToken: first.NextToken! });
        assert.deepEqual(ids(both.Groups!), ids(order.slice(2, 4)));
        await rejects(server, "InvalidParameter.ParamError", () => z.org.ListGroups({ ZoneId: z.zoneId, Offset: -1 }), "Offset");
      });

      test("paging with MaxResults and NextToken, both orders, every page size", async () => {
        for (const size of [1, 2, 3, 7, 8, 100]) {
          assert.deepEqual(ids(await allGroups(z, {}, size)), ids(order), `Asc, page size ${size}`);
          assert.deepEqual(ids(await allGroups(z, { SortType: "Desc" }, size)), ids([...order].reverse()), `Desc, page size ${size}`);
          assert.deepEqual(names(await allGroups(z, { Filter: "ops" }, size)), ["alpha-ops", "beta_ops", "gamma-ops"], `Filter, page size ${size}`);
          assert.deepEqual(names(await allGroups(z, { GroupType: "Synchronized", SortType: "Desc" }, size)), names(order.filter((g) => g.GroupType === "Synchronized").reverse()));
        }
        const r = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 8 });
        assert.equal(r.IsTruncated, false, "a page exactly as large as the rest is the last");
        assert.equal(r.NextToken, null);
        for (const bad of [0, 101, 2.5, -3]) {
          await rejects(server, "InvalidParameter.ParamError", () => z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: bad }), "MaxResults");
        }
      });

      test("tokens are bound to the query: other filters, order, list, zone are InvalidParameter.NextTokenInvalid; MaxResults may change", async () => {
        const p = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: "eng", MaxResults: 2 });
        const t = p.NextToken!;
        assert.equal(typeof t, "string");
        // Same query: continues.
        const p2 = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: "eng", MaxResults: 2, NextToken: t });
        assert.deepEqual(names(p2.Groups!), ["gamma-eng", "zeta-eng"]);
        // Same query with another page size and FilterUsers (which selects, not filters): continues.
        const p3 = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: "eng", MaxResults: 1, FilterUsers: [uM2], NextToken: t });
        assert.deepEqual(names(p3.Groups!), ["gamma-eng"]);
        // Another query: refused.
        const refused: ListGroupsReq[] = [
          { Filter: "ops" },
          {},
          { Filter: "eng", GroupType: "Manual" },
          { Filter: "eng", SortType: "Desc" },
          { GroupType: "Synchronized" },
        ];
        for (const req of refused) {
          await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2, ...req, NextToken: t }), "NextToken");
        }
        // Another list, and another group's member list.
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListUsers({ ZoneId: z.zoneId, Filter: "eng", NextToken: t }));
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: order[0]!.GroupId!, NextToken: t }));
        // A ListUsers token is no ListGroups token.
        const users = await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 1 });
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 1, NextToken: users.NextToken! }));
        // Another tenant with the same filter in its own zone.
        const other = await openZone(server);
        for (const n of ["eng-1", "eng-2", "eng-3"]) await createGroup(other, n);
        const theirs = await other.org.ListGroups({ ZoneId: other.zoneId, Filter: "eng", MaxResults: 2 });
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroups({ ZoneId: z.zoneId, Filter: "eng", MaxResults: 2, NextToken: theirs.NextToken! }));
        await rejects(server, "InvalidParameter.NextTokenInvalid", () => other.org.ListGroups({ ZoneId: other.zoneId, Filter: "eng", MaxResults: 2, NextToken: t }));
      });

      test("forged tokens are InvalidParameter.NextTokenInvalid; an empty NextToken means the first page", async () => {
        const p = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2 });
        const t = p.NextToken!;
        const { cursor, mac, payload } = tokenParts(t);
        const forge = (c: unknown) => Buffer.from(JSON.stringify(c)).toString("base64url");
        const forged = [
          "garbage",
          "OTM0YzE4MzY2ZjdhMWM0MYZDhnYaxsiYTLI=",
          payload,
          `${payload}.`,
          `.${mac}`,
          `${payload}.${mac}.extra`,
          `${forge([cursor[0] + 1, cursor[1]])}.${mac}`,
          `${forge([cursor[0], order[5]!.GroupId])}.${mac}`,
          `${forge(["x", "y"])}.${mac}`,
          `${payload}.${mac.slice(0, -2)}${mac.endsWith("AA") ? "BB" : "AA"}`,
          t.toUpperCase(),
          `${t} `,
        ];
        for (const bad of forged) {
          await rejects(server, "InvalidParameter.NextTokenInvalid", () => z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2, NextToken: bad }), "NextToken");
        }
        const empty = await z.org.ListGroups({ ZoneId: z.zoneId, MaxResults: 2, NextToken: "" });
        assert.deepEqual(ids(empty.Groups!), ids(order.slice(0, 2)));
      });

      test("a token stays valid while groups are created and deleted; no group that existed throughout is skipped or repeated", async () => {
        const o = await openZone(server);
        const start = clock.now();
        const made: GroupInfo[] = [];
        for (let i = 0; i < 9; i++) {
          clock.set(start + Math.floor(i / 3) * 1_000);
          made.push(await createGroup(o, `k-${i}`));
        }
        made.sort((a, b) => (a.CreateTime! < b.CreateTime! ? -1 : a.CreateTime! > b.CreateTime! ? 1 : a.GroupId! < b.GroupId! ? -1 : 1));
        const p1 = await o.org.ListGroups({ ZoneId: o.zoneId, MaxResults: 3 });
        assert.deepEqual(ids(p1.Groups!), ids(made.slice(0, 3)));
        // Delete one already seen and one not yet reached; add a newer one.
        await o.org.DeleteGroup({ ZoneId: o.zoneId, GroupId: made[1]!.GroupId! });
        await o.org.DeleteGroup({ ZoneId: o.zoneId, GroupId: made[4]!.GroupId! });
        clock.set(start + 10_000);
        const late = await createGroup(o, "k-late");
        const p2 = await o.org.ListGroups({ ZoneId: o.zoneId, MaxResults: 3, NextToken: p1.NextToken! });
        assert.deepEqual(ids(p2.Groups!), ids([made[3]!, made[5]!, made[6]!]));
        assert.equal(p2.TotalCounts, 8);
        const p3 = await o.org.ListGroups({ ZoneId: o.zoneId, MaxResults: 3, NextToken: p2.NextToken! });
        assert.deepEqual(ids(p3.Groups!), ids([made[7]!, made[8]!, late]));
        assert.equal(p3.IsTruncated, false);
      });
    });

    describe("concurrency", () => {
      let server: TestServer;
      let z: Zone;
      before(async () => {
        server = await startServer(engine);
        z = await openZone(server, server.root);
      });
      after(async () => {
        await server?.close();
      });

      /** Splits settled results into successes and the error codes of failures. */
      function outcomes(results: PromiseSettledResult<unknown>[]): { ok: number; codes: string[] } {
        const codes: string[] = [];
        let ok = 0;
        for (const r of results) {
          if (r.status === "fulfilled") ok++;
          else codes.push(String((r.reason as { code?: string }).code ?? r.reason));
        }
        return { ok, codes: codes.sort() };
      }

      async function groupCountInvariants(): Promise<void> {
        const rows = await server.store.db.selectFrom("dir_groups").select(["group_id", "member_count"]).where("directory_id", "=", z.zoneId).execute();
        for (const g of rows) assert.equal(g.member_count, await memberCountRows(server, g.group_id), `member_count of ${g.group_id}`);
        const dir = await server.store.db.selectFrom("directories").selectAll().where("directory_id", "=", z.zoneId).executeTakeFirstOrThrow();
        assert.equal(dir.group_count, rows.length, "the directory's group_count");
        const orphans = await server.store.db
          .selectFrom("dir_memberships")
          .leftJoin("dir_users", "dir_users.user_id", "dir_memberships.user_id")
          .leftJoin("dir_groups", "dir_groups.group_id", "dir_memberships.group_id")
          .select(["dir_memberships.group_id", "dir_memberships.user_id"])
          .where((eb) => eb.or([eb("dir_users.user_id", "is", null), eb("dir_groups.group_id", "is", null)]))
          .execute();
        assert.deepEqual(orphans, [], "no membership points at a deleted user or group");
      }

      test("two concurrent CreateGroup with one name: one succeeds, one is GroupNameAlreadyExists (5 rounds)", async () => {
        for (let round = 0; round < 5; round++) {
          const name = `race-${round}-${hex()}`;
          const other = round % 2 === 0 ? name : name.toUpperCase();
          const res = await Promise.allSettled([z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: name }), z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: other })]);
          assert.deepEqual(outcomes(res), { ok: 1, codes: ["InvalidParameter.GroupNameAlreadyExists"] }, `round ${round}`);
          const listed = await z.org.ListGroups({ ZoneId: z.zoneId, Filter: name });
          assert.equal(listed.TotalCounts, 1, `round ${round}: one group named ${name}`);
        }
        await groupCountInvariants();
      });

      test("two concurrent AddUserToGroup of one pair: one succeeds, one is GroupUserAlreadyExists; MemberCount 1 (5 rounds)", async () => {
        for (let round = 0; round < 5; round++) {
          const g = await createGroup(z, `pair-${round}-${hex()}`);
          const u = await createUser(z, `pair-${round}-${hex()}`);
          const add = () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
          assert.deepEqual(outcomes(await Promise.allSettled([add(), add()])), { ok: 1, codes: ["InvalidParameter.GroupUserAlreadyExists"] }, `round ${round}`);
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 1);
          assert.equal(await memberCountRows(server, g.GroupId!), 1);
          // And two concurrent removes: one succeeds, one is GroupUserNotExist.
          const remove = () => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u.UserId! });
          assert.deepEqual(outcomes(await Promise.allSettled([remove(), remove()])), { ok: 1, codes: ["InvalidParameter.GroupUserNotExist"] }, `round ${round}`);
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 0);
        }
        await groupCountInvariants();
      });

      test("20 concurrent AddUserToGroup of different users: MemberCount exactly 20; then 20 concurrent removes: 0", async () => {
        const g = await createGroup(z, `twenty-${hex()}`);
        const users = await createUsers(z, `twenty-${hex()}`, 20);
        const res = await Promise.allSettled(users.map((u) => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u })));
        assert.deepEqual(outcomes(res), { ok: 20, codes: [] });
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 20);
        assert.equal(await memberCountRows(server, g.GroupId!), 20);
        const members = await z.org.ListGroupMembers({ ZoneId: z.zoneId, GroupId: g.GroupId!, MaxResults: 100 });
        assert.equal(members.TotalCounts, 20);
        assert.deepEqual(new Set(members.GroupMembers!.map((m) => m.UserId)), new Set(users));

        // Mixed: remove the first ten while adding the last ten again (they are members already, so those adds fail).
        const mixed = await Promise.allSettled([
          ...users.slice(0, 10).map((u) => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u })),
          ...users.slice(10).map((u) => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u })),
        ]);
        assert.deepEqual(outcomes(mixed), { ok: 10, codes: Array(10).fill("InvalidParameter.GroupUserAlreadyExists") });
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 10);
        const rest = await Promise.allSettled(users.slice(10).map((u) => z.org.RemoveUserFromGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u })));
        assert.deepEqual(outcomes(rest), { ok: 10, codes: [] });
        assert.equal((await getGroup(z, g.GroupId!)).MemberCount, 0);
        await groupCountInvariants();
      });

      test("caps hold under concurrency: membersPerGroup 5, groupsPerUser 3, groupsPerDirectory", async () => {
        const capped = await startServer(engine, { limits: { membersPerGroup: 5, groupsPerUser: 3, groupsPerDirectory: 12 } });
        try {
          const c = await openZone(capped, capped.root);
          const g = await createGroup(c, "five");
          const users = await createUsers(c, "ten", 10);
          const res = await Promise.allSettled(users.map((u) => c.org.AddUserToGroup({ ZoneId: c.zoneId, GroupId: g.GroupId!, UserId: u })));
          assert.deepEqual(outcomes(res), { ok: 5, codes: Array(5).fill("FailedOperation.GroupUserCountOverUpperLimit") });
          assert.equal((await getGroup(c, g.GroupId!)).MemberCount, 5);
          assert.equal(await memberCountRows(capped, g.GroupId!), 5);

          const groups: GroupInfo[] = [];
          for (let i = 0; i < 8; i++) groups.push(await createGroup(c, `many-${i}`));
          const u = users[9]!;
          const joins = await Promise.allSettled(groups.map((x) => c.org.AddUserToGroup({ ZoneId: c.zoneId, GroupId: x.GroupId!, UserId: u })));
          const inFive = res.findIndex((r, i) => users[i] === u && r.status === "fulfilled") >= 0 ? 1 : 0;
          assert.deepEqual(outcomes(joins), { ok: 3 - inFive, codes: Array(5 + inFive).fill("FailedOperation.UserAddGroupCountOverUpperLimit") });
          const joined = await c.org.ListJoinedGroupsForUser({ ZoneId: c.zoneId, UserId: u });
          assert.equal(joined.TotalCounts, 3);

          // 9 groups exist; 6 concurrent creates against a quota of 12: exactly 3 succeed.
          const creates = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => c.org.CreateGroup({ ZoneId: c.zoneId, GroupName: `extra-${i}` })));
          assert.deepEqual(outcomes(creates), { ok: 3, codes: Array(3).fill("FailedOperation.GroupOverUpperLimit") });
          assert.equal((await c.org.GetZoneStatistics({ ZoneId: c.zoneId })).ZoneStatistics!.GroupCount, 12);
          assert.equal((await c.org.ListGroups({ ZoneId: c.zoneId })).TotalCounts, 12);
        } finally {
          await capped.close();
        }
      });

      test("concurrent DeleteUser and AddUserToGroup of that user never leave a membership pointing at a deleted user", async () => {
        const groups: GroupInfo[] = [];
        for (let i = 0; i < 5; i++) groups.push(await createGroup(z, `del-race-${i}-${hex()}`));
        const users = await createUsers(z, `del-race-${hex()}`, 40);
        let addWon = 0;
        let deleteWon = 0;
        for (let round = 0; round < users.length / groups.length; round++) {
          const batch = users.slice(round * groups.length, (round + 1) * groups.length);
          const calls = batch.flatMap((u, i) => {
            const del = () => z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u });
            const add = () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: groups[i]!.GroupId!, UserId: u });
            // Alternate which request leaves first; the array stays [delete, add].
            return (round + i) % 2 === 0 ? [del(), add()] : [add(), del()].reverse();
          });
          const settled = await Promise.allSettled(calls);
          for (let i = 0; i < batch.length; i++) {
            const [del, add] = [settled[2 * i]!, settled[2 * i + 1]!];
            const code = (r: PromiseSettledResult<unknown>) => (r.status === "fulfilled" ? "ok" : String((r.reason as { code?: string }).code));
            const pair = [code(del), code(add)].sort().join(" + ");
            assert.ok(
              pair === "InvalidParameter.UserAlreadyExistsGroup + ok" || pair === "ResourceNotFound.UserNotExist + ok",
              `round ${round}, user ${batch[i]}: ${code(del)} / ${code(add)}`,
            );
            const userLeft = await server.store.db.selectFrom("dir_users").select("user_id").where("user_id", "=", batch[i]!).executeTakeFirst();
            const memberships = await server.store.db.selectFrom("dir_memberships").select("group_id").where("user_id", "=", batch[i]!).execute();
            if (userLeft) {
              addWon++;
              assert.equal(memberships.length, 1, `user ${batch[i]} survived, so it joined`);
            } else {
              deleteWon++;
              assert.equal(memberships.length, 0, `user ${batch[i]} was deleted but a membership points at it`);
            }
          }
          await groupCountInvariants();
        }
        assert.equal(addWon + deleteWon, users.length);
        for (const g of groups) assert.equal((await getGroup(z, g.GroupId!)).MemberCount, await memberCountRows(server, g.GroupId!));
      });

      /**
       * Holds a write lock on one user's row from outside the server, sends `first`, waits until it is
       * queued behind that lock, sends `second`, waits likewise, then releases the lock: the two
       * requests then meet in a known order instead of by luck. (On SQLite, whose writers are
       * serialized anyway, the held transaction simply makes both requests wait.)
       */
      async function queuedBehindUser<A, B>(userId: string, first: () => Promise<A>, second: () => Promise<B>) {
        const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (err: { code?: string }) => ({ ok: false as const, code: String(err.code) }));
        let sent: [Promise<{ ok: true; value: A } | { ok: false; code: string }>, Promise<{ ok: true; value: B } | { ok: false; code: string }>] | undefined;
        await server.store.db.transaction().execute(async (trx) => {
          // FOR UPDATE locks without writing a new row version, so the waiters are woken in the
          // order they queued (after an UPDATE, PostgreSQL re-reads the chain and the order may flip).
          if (engine === "postgres") await sql`select user_id from dir_users where user_id = ${userId} for update`.execute(trx);
          else await sql`update dir_users set user_id = user_id where user_id = ${userId}`.execute(trx);
          const holder = engine === "postgres" ? (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0]!.pid : 0;
          const a = settle(first());
          await waitUntilQueued(holder, 1);
          const b = settle(second());
          await waitUntilQueued(holder, 2);
          sent = [a, b];
        });
        return [await sent![0], await sent![1]] as const;
      }

      /** Waits until `n` backends wait, directly or through one another, on the lock `holder` holds. */
      async function waitUntilQueued(holder: number, n: number): Promise<void> {
        if (engine !== "postgres") {
          await new Promise((resolve) => setTimeout(resolve, 100));
          return;
        }
        for (let tries = 0; tries < 500; tries++) {
          const { rows } = await sql<{ pid: number; blockers: number[] }>`
            select pid, pg_blocking_pids(pid) as blockers from pg_stat_activity where wait_event_type = 'Lock'`.execute(server.store.db);
          const chain = new Set([holder]);
          for (let grew = true; grew; ) {
            grew = false;
            for (const r of rows) {
              if (!chain.has(r.pid) && r.blockers.some((b) => chain.has(b))) {
                chain.add(r.pid);
                grew = true;
              }
            }
          }
          if (chain.size - 1 >= n) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.fail(`expected ${n} request(s) to wait for the user's row lock`);
      }

      test("DeleteUser queued ahead of AddUserToGroup on the same user: the delete wins, the add is UserNotExist, no membership", async () => {
        for (let round = 0; round < 3; round++) {
          const g = await createGroup(z, `gate-d-${round}-${hex()}`);
          const u = (await createUser(z, `gate-d-${round}-${hex()}`)).UserId!;
          const [del, add] = await queuedBehindUser(
            u,
            () => z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u }),
            () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u }),
          );
          const outcome = `${del.ok ? "ok" : del.code} / ${add.ok ? "ok" : add.code}`;
          if (engine === "postgres") assert.equal(outcome, "ok / ResourceNotFound.UserNotExist", `round ${round}`);
          else assert.ok(["ok / ResourceNotFound.UserNotExist", "InvalidParameter.UserAlreadyExistsGroup / ok"].includes(outcome), outcome);
          const userLeft = await server.store.db.selectFrom("dir_users").select("user_id").where("user_id", "=", u).executeTakeFirst();
          assert.equal(await memberCountRows(server, g.GroupId!), userLeft ? 1 : 0, "a membership exists exactly when the user does");
          assert.equal((await getGroup(z, g.GroupId!)).MemberCount, userLeft ? 1 : 0);
          await groupCountInvariants();
        }
      });

      test("AddUserToGroup queued ahead of DeleteUser on the same user: the add wins, the delete is UserAlreadyExistsGroup", async () => {
        for (let round = 0; round < 3; round++) {
          const g = await createGroup(z, `gate-a-${round}-${hex()}`);
          const u = (await createUser(z, `gate-a-${round}-${hex()}`)).UserId!;
          const [add, del] = await queuedBehindUser(
            u,
            () => z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u }),
            () => z.org.DeleteUser({ ZoneId: z.zoneId, UserId: u }),
          );
          const outcome = `${del.ok ? "ok" : del.code} / ${add.ok ? "ok" : add.code}`;
          if (engine === "postgres") assert.equal(outcome, "InvalidParameter.UserAlreadyExistsGroup / ok", `round ${round}`);
          else assert.ok(["ok / ResourceNotFound.UserNotExist", "InvalidParameter.UserAlreadyExistsGroup / ok"].includes(outcome), outcome);
          const userLeft = await server.store.db.selectFrom("dir_users").select("user_id").where("user_id", "=", u).executeTakeFirst();
          assert.equal(await memberCountRows(server, g.GroupId!), userLeft ? 1 : 0, "a membership exists exactly when the user does");
          await groupCountInvariants();
        }
      });

      test("concurrent UpdateGroup of one group's name and of its description: both changes survive (10 rounds)", async () => {
        for (let round = 0; round < 10; round++) {
          const g = await createGroup(z, `lost-${round}-${hex()}`, { Description: "old" });
          const newName = `${g.GroupName}-renamed`;
          await Promise.all([
            z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewGroupName: newName }),
            z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, NewDescription: "new" }),
          ]);
          const now = await getGroup(z, g.GroupId!);
          assert.deepEqual([now.GroupName, now.Description], [newName, "new"], `round ${round}: an update was lost`);
        }
      });

      test("concurrent renames to one name, and a rename racing CreateGroup of that name: exactly one wins (5 rounds)", async () => {
        for (let round = 0; round < 5; round++) {
          const a = await createGroup(z, `ren-a-${round}-${hex()}`);
          const b = await createGroup(z, `ren-b-${round}-${hex()}`);
          const target = `ren-target-${round}-${hex()}`;
          const renames = await Promise.allSettled([
            z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: target }),
            z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: b.GroupId!, NewGroupName: target.toUpperCase() }),
          ]);
          assert.deepEqual(outcomes(renames), { ok: 1, codes: ["InvalidParameter.GroupNameAlreadyExists"] }, `round ${round}`);
          assert.equal((await z.org.ListGroups({ ZoneId: z.zoneId, Filter: target })).TotalCounts, 1);

          const other = `ren-other-${round}-${hex()}`;
          const mixed = await Promise.allSettled([
            z.org.UpdateGroup({ ZoneId: z.zoneId, GroupId: a.GroupId!, NewGroupName: other }),
            z.org.CreateGroup({ ZoneId: z.zoneId, GroupName: other }),
          ]);
          assert.deepEqual(outcomes(mixed), { ok: 1, codes: ["InvalidParameter.GroupNameAlreadyExists"] }, `round ${round}`);
          assert.equal((await z.org.ListGroups({ ZoneId: z.zoneId, Filter: other })).TotalCounts, 1);
        }
        await groupCountInvariants();
      });

      test("concurrent DeleteGroup and AddUserToGroup never leave a membership pointing at a deleted group", async () => {
        const users = await createUsers(z, `gdel-${hex()}`, 10);
        for (const [i, u] of users.entries()) {
          const g = await createGroup(z, `gdel-${i}-${hex()}`);
          const [del, add] = await Promise.allSettled([
            z.org.DeleteGroup({ ZoneId: z.zoneId, GroupId: g.GroupId! }),
            z.org.AddUserToGroup({ ZoneId: z.zoneId, GroupId: g.GroupId!, UserId: u }),
          ]);
          const code = (r: PromiseSettledResult<unknown>) => (r.status === "fulfilled" ? "ok" : String((r.reason as { code?: string }).code));
          const pair = `${code(del!)} / ${code(add!)}`;
          assert.ok(pair === "ok / InvalidParameter.GroupNotExist" || pair === "FailedOperation.DeleteGroupNotAllowExistUser / ok", pair);
        }
        await groupCountInvariants();
      });
    });

    describe("paging acceptance: ListUsers over 5,000 users while users are created and deleted between pages", () => {
      let server: TestServer;
      let z: Zone;
      /** Pre-existing users and their sort keys. */
      const pre = new Map<string, { at: number; id: string }>();
      /** Users that have existed since before the first walk and were never deleted. */
      const survivors = new Set<string>();
      /** Every user this suite ever created in the zone. */
      const everCreated = new Set<string>();
      let serial = 0;

      before(async () => {
        server = await startServer(engine, { limits: { usersPerDirectory: 20_000 } });
        z = await openZone(server, server.root);
        // Through the core API in-process, in batches of parallel promises (5,000 SDK calls would only
        // measure HTTP). The core stamps created_at from the system clock, so many users share a
        // millisecond and the walk must break ties on UserId.
        for (let b = 0; b < 50; b++) {
          const made = await Promise.all(Array.from({ length: 100 }, (_, i) => server.core.users.create(z.caller, z.zoneId, { userName: `pre-${b}-${i}` })));
          for (const { user } of made) {
            pre.set(user.userId, { at: user.createdAt, id: user.userId });
            survivors.add(user.userId);
          }
        }
        // On SQLite those in-process creates run as one long chain of microtasks, so the event loop's
        // timers starve meanwhile: let the server close keep-alive sockets that went idle during the
        // burst before the SDK tries to reuse one (which would end in ECONNRESET).
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.equal(pre.size, 5_000);
        const stats = (await z.org.GetZoneStatistics({ ZoneId: z.zoneId })).ZoneStatistics!;
        assert.equal(stats.UserCount, 5_000);
        assert.equal(stats.UserQuota, 20_000);
      });
      after(async () => {
        await server?.close();
      });

      async function walk(sort: "Asc" | "Desc") {
        const seen = new Map<string, number>();
        const order: string[] = [];
        /** Users created during this walk, and those of them deleted. */
        const created: string[] = [];
        /**
         * Those created while the cursor sat on a pre-existing user, made seconds earlier: they sort
         * strictly after it (never in the same millisecond), so where they land is certain.
         */
        const clearOfCursor = new Set<string>();
        const deleted = new Set<string>();
        /** Pre-existing users deleted before the walk reached them. */
        const deletedUnreached = new Set<string>();
        /** Users whose creation overlapped a page read: they may or may not appear, but at most once. */
        const racing = new Set<string>();
        let current = await countUsers();
        let token: string | undefined;
        let pages = 0;
        for (;;) {
          // One CreateUser races with every page read.
          const racer = z.org.CreateUser({ ZoneId: z.zoneId, UserName: `racer-${sort}-${++serial}` });
          const [r, raced] = await Promise.all([
            z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 100, SortField: "CreateTime", SortType: sort, ...(token ? { NextToken: token } : {}) }),
            racer,
          ]);
          racing.add(raced.UserInfo!.UserId!);
          everCreated.add(raced.UserInfo!.UserId!);
          pages++;
          assert.equal(r.MaxResults, 100);
          assert.ok(r.TotalCounts! >= current && r.TotalCounts! <= current + 1, `page ${pages}: TotalCounts ${r.TotalCounts}, expected ${current} or ${current + 1}`);
          current++;
          for (const u of r.Users!) {
            seen.set(u.UserId!, (seen.get(u.UserId!) ?? 0) + 1);
            order.push(u.UserId!);
          }
          if (!r.IsTruncated) {
            assert.equal(r.NextToken, null);
            break;
          }
          assert.equal(r.Users!.length, 100);
          token = r.NextToken!;

          // Between pages, concurrently: create three users, delete a user created during this walk
          // that the walk has not reached, delete a pre-existing user not yet reached, and every
          // fourth page one already seen.
          const unreachedPre = [...survivors].filter((id) => !seen.has(id));
          const victims: string[] = [];
          if (unreachedPre.length > 0) victims.push(unreachedPre[(pages * 37) % unreachedPre.length]!);
          if (pages % 4 === 0) {
            const seenPre = [...survivors].filter((id) => seen.has(id));
            if (seenPre.length > 0) victims.push(seenPre[(pages * 13) % seenPre.length]!);
          }
          const newVictim = created.find((id) => !deleted.has(id) && !seen.has(id));
          const ops: Promise<unknown>[] = [];
          for (let k = 0; k < 3; k++) {
            ops.push(
              z.org.CreateUser({ ZoneId: z.zoneId, UserName: `walk-${sort}-${++serial}` }).then((x) => {
                created.push(x.UserInfo!.UserId!);
                if (pre.has(order[order.length - 1]!)) clearOfCursor.add(x.UserInfo!.UserId!);
                everCreated.add(x.UserInfo!.UserId!);
              }),
            );
          }
          for (const id of victims) ops.push(z.org.DeleteUser({ ZoneId: z.zoneId, UserId: id }));
          if (newVictim) ops.push(z.org.DeleteUser({ ZoneId: z.zoneId, UserId: newVictim }));
          await Promise.all(ops);
          for (const id of victims) {
            survivors.delete(id);
            if (!seen.has(id)) deletedUnreached.add(id);
          }
          if (newVictim) deleted.add(newVictim);
          current += 3 - victims.length - (newVictim ? 1 : 0);
        }
        return { seen, order, created, clearOfCursor, deleted, deletedUnreached, racing, pages };
      }

      async function countUsers(): Promise<number> {
        const r = await server.store.db
          .selectFrom("dir_users")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where("directory_id", "=", z.zoneId)
          .executeTakeFirstOrThrow();
        return Number(r.n);
      }

      function checkWalk(sort: "Asc" | "Desc", w: Awaited<ReturnType<typeof walk>>) {
        const twice = [...w.seen].filter(([, n]) => n > 1).map(([id]) => id);
        assert.deepEqual(twice, [], "no user appears twice");
        const missing = [...survivors].filter((id) => w.seen.get(id) !== 1);
        assert.deepEqual(missing, [], "every user that existed throughout the walk appears exactly once");
        const ghosts = [...w.deletedUnreached].filter((id) => w.seen.has(id));
        assert.deepEqual(ghosts, [], "users deleted before the walk reached them do not appear");
        assert.ok(w.deletedUnreached.size >= 40, `the walk deleted ${w.deletedUnreached.size} users ahead of it`);
        const deletedNew = [...w.deleted].filter((id) => w.seen.has(id));
        assert.deepEqual(deletedNew, [], "users created and deleted during the walk before it reached them do not appear");
        // Pre-existing users come in strict (CreateTime, UserId) order.
        const keys = w.order.filter((id) => pre.has(id)).map((id) => pre.get(id)!);
        for (let i = 1; i < keys.length; i++) {
          const [a, b] = [keys[i - 1]!, keys[i]!];
          const ascending = a.at < b.at || (a.at === b.at && a.id < b.id);
          assert.ok(sort === "Asc" ? ascending : !ascending, `${sort} order broken between ${a.id} and ${b.id}`);
        }
        const alive = w.created.filter((id) => !w.deleted.has(id) && w.clearOfCursor.has(id));
        assert.ok(alive.length >= 60, `${alive.length} users created during the walk are checked`);
        if (sort === "Asc") {
          // Keyset on CreateTime: users created during an ascending walk sort after its cursor, so all of them are reached.
          assert.deepEqual(alive.filter((id) => w.seen.get(id) !== 1), [], "users created during an ascending walk appear once");
        } else {
          // ...and behind the cursor of a descending one, which never reaches them.
          assert.deepEqual(alive.filter((id) => w.seen.has(id)), [], "users created during a descending walk do not appear");
        }
        const strangers = [...w.seen.keys()].filter((id) => !pre.has(id) && !everCreated.has(id));
        assert.deepEqual(strangers, [], "every listed user is one this suite created");
      }

      test("ascending walk, MaxResults 100", { timeout: 120_000 }, async () => {
        const started = Date.now();
        const w = await walk("Asc");
        checkWalk("Asc", w);
        assert.ok(w.pages >= 50, `${w.pages} pages`);
        const total = (await z.org.ListUsers({ ZoneId: z.zoneId, MaxResults: 1 })).TotalCounts!;
        assert.equal(total, await countUsers());
        console.log(`[${engine}] ascending walk: ${w.pages} pages, ${w.seen.size} users seen, ${w.created.length} created, ${w.deleted.size + w.deletedUnreached.size} deleted ahead, ${Date.now() - started} ms`);
      });

      test("descending walk, MaxResults 100", { timeout: 120_000 }, async () => {
        const started = Date.now();
        const w = await walk("Desc");
        checkWalk("Desc", w);
        assert.ok(w.pages >= 50, `${w.pages} pages`);
        console.log(`[${engine}] descending walk: ${w.pages} pages, ${w.seen.size} users seen, ${w.created.length} created, ${w.deleted.size + w.deletedUnreached.size} deleted ahead, ${Date.now() - started} ms`);
      });
    });
  });
}
