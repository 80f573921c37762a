/**
 * CloudSSO user provisioning through the official Alibaba clients over real HTTP: provisionings,
 * KeepBoth `_sso`, failed-sync events and their retry, statistics, configuration, every error
 * with its HTTP status, and the cross-dialect view (Alibaba ↔ Tencent on one core).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient, expectAliyunError, popClient } from "../helpers/aliyun.js";
import { camClient, ENGINES, type Key, orgClient, orgWithMembers, snapshot, startServer, type TestServer } from "../helpers/harness.js";

type Sso = ReturnType<typeof aliyunClient>;

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An Alibaba error with the status, and the store byte-for-byte unchanged. */
async function rejectsAliyun(server: TestServer, code: string, status: number, call: () => Promise<unknown>, messageIncludes?: string): Promise<void> {
  const before = await snapshot(server.store);
  await expectAliyunError(call(), code, status, messageIncludes);
  assert.equal(await snapshot(server.store), before, `a request rejected with ${code} changed the store`);
}

interface World {
  server: TestServer;
  root: Key & { uin: number };
  sso: Sso;
  directoryId: string;
  members: number[];
  memberKeys: Key[];
}

/** A tenant with an organization of `n` members and a CloudSSO directory, all made through the Alibaba door. */
async function world(server: TestServer, n = 2): Promise<World> {
  const root = await server.newRoot();
  const { members } = await orgWithMembers(server, root, n);
  const sso = aliyunClient(server, root, "cloudsso");
  await sso.call("EnableService");
  const { Directory } = await sso.call("CreateDirectory", { DirectoryName: `dir-${Math.random().toString(36).slice(2, 10)}` });
  const memberKeys = await Promise.all(members.map((m) => server.keyFor(m)));
  return { server, root, sso, directoryId: Directory.DirectoryId, members, memberKeys };
}

const ramNames = async (w: World, i: number) => ((await camClient(w.server, w.memberKeys[i]!).ListUsers()).Data ?? []).map((u) => u.Name!).sort();

async function user(w: World, name: string): Promise<string> {
  return (await w.sso.call("CreateUser", { DirectoryId: w.directoryId, UserName: name })).User.UserId;
}

async function groupWith(w: World, name: string, users: string[]): Promise<string> {
  const { Group } = await w.sso.call("CreateGroup", { DirectoryId: w.directoryId, GroupName: name });
  for (const u of users) await w.sso.call("AddUserToGroup", { DirectoryId: w.directoryId, GroupId: Group.GroupId, UserId: u });
  return Group.GroupId;
}

async function provision(w: World, principal: { id: string; type: "User" | "Group" }, member: number, extra: Record<string, string> = {}) {
  const { UserProvisioning } = await w.sso.call("CreateUserProvisioning", {
    DirectoryId: w.directoryId,
    PrincipalId: principal.id,
    PrincipalType: principal.type,
    TargetId: String(w.members[member]),
    TargetType: "RD-Account",
    DuplicationStrategy: "KeepBoth",
    DeletionStrategy: "Delete",
    ...extra,
  });
  return UserProvisioning as Record<string, any>;
}

const stats = async (w: World, id: string) => (await w.sso.call("GetUserProvisioningStatistics", { DirectoryId: w.directoryId, UserProvisioningId: id })).UserProvisioningStatistics;

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

for (const engine of ENGINES) {
  describe(`CloudSSO user provisioning (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("group provisioning: synchronous object, RAM users appear in the target, statistics follow; Get/List/Update", async () => {
      const w = await world(server);
      const ids = [await user(w, "ann"), await user(w, "ben")];
      const groupId = await groupWith(w, "eng", ids);
      const up = await provision(w, { id: groupId, type: "Group" }, 0, { Description: "eng → member 0" });
      assert.match(up.UserProvisioningId, /^up-[a-z0-9]{20}$/);
      assert.equal(up.DirectoryId, w.directoryId);
      assert.deepEqual(
        [up.PrincipalId, up.PrincipalType, up.PrincipalName, up.TargetId, up.TargetType, up.Status, up.DuplicationStrategy, up.DeletionStrategy, up.Description, up.OwnerPk],
        [groupId, "Group", "eng", String(w.members[0]), "RD-Account", "Enabled", "KeepBoth", "Delete", "eng → member 0", String(w.root.uin)],
      );
      assert.ok(up.TargetName && up.TargetPath);
      assert.match(up.CreateTime, TIME);
      assert.equal("Code" in up, false);
      await until(async () => (await ramNames(w, 0)).join() === "ann,ben", "RAM users in member 0");
      await until(async () => (await stats(w, up.UserProvisioningId)).LatestAsyncTime !== undefined, "LatestAsyncTime");
      const s = await stats(w, up.UserProvisioningId);
      assert.deepEqual([s.Type, s.EntityId, s.FailedEventCount, s.DirectoryId, s.OwnerPk], ["User Provisioning", up.UserProvisioningId, 0, w.directoryId, String(w.root.uin)]);
      assert.match(s.LatestAsyncTime, TIME);

      const got = (await w.sso.call("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId })).UserProvisioning;
      assert.deepEqual({ ...got, UpdateTime: undefined }, { ...up, UpdateTime: undefined });
      const updated = (await w.sso.call("UpdateUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId, NewDescription: "changed", NewDeletionStrategy: "keep", NewDuplicationStrategy: "Takeover" }))
        .UserProvisioning;
      // Enums are accepted in any case and echoed as the client spelled them.
      assert.deepEqual([updated.Description, updated.DeletionStrategy, updated.DuplicationStrategy], ["changed", "keep", "Takeover"]);
      const list = await w.sso.call("ListUserProvisionings", { DirectoryId: w.directoryId, PrincipalId: groupId });
      assert.deepEqual([list.TotalCounts, list.IsTruncated, list.UserProvisionings[0].UserProvisioningId], [1, false, up.UserProvisioningId]);
      assert.equal("NextToken" in list, false);
    });

    test("Terraform's spelling: DuplicationStrategy Takeover is stored and echoed; TakeOver adopts the existing RAM user", async () => {
      const w = await world(server);
      await camClient(server, w.memberKeys[0]!).AddUser({ Name: "cara", ConsoleLogin: 0 });
      const u = await user(w, "cara");
      const up = await provision(w, { id: u, type: "User" }, 0, { DuplicationStrategy: "Takeover", DeletionStrategy: "Keep" });
      assert.equal(up.DuplicationStrategy, "Takeover");
      await until(async () => (await stats(w, up.UserProvisioningId)).LatestAsyncTime !== undefined, "reconcile");
      assert.deepEqual(await ramNames(w, 0), ["cara"]);
      assert.equal((await stats(w, up.UserProvisioningId)).FailedEventCount, 0);
    });

    test("a spelling is echoed while it names the stored strategy: a change through the Tencent door reads back canonically", async () => {
      const w = await world(server);
      const u = await user(w, "cyd");
      const up = await provision(w, { id: u, type: "User" }, 0, { DuplicationStrategy: "Takeover", DeletionStrategy: "keep" });
      assert.deepEqual([up.DuplicationStrategy, up.DeletionStrategy], ["Takeover", "keep"]);
      const tc = orgClient(server, w.root);
      const zoneId = (await tc.DescribeIdentityCenter()).ZoneId!;
      await tc.UpdateUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: up.UserProvisioningId, NewDuplicationStateful: "KeepBoth" });
      const got = (await w.sso.call("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId })).UserProvisioning;
      assert.deepEqual([got.DuplicationStrategy, got.DeletionStrategy], ["KeepBoth", "keep"]);
    });

    test("KeepBoth through this door creates <name>_sso next to the existing RAM user", async () => {
      const w = await world(server);
      await camClient(server, w.memberKeys[0]!).AddUser({ Name: "dan", ConsoleLogin: 0 });
      const up = await provision(w, { id: await user(w, "dan"), type: "User" }, 0);
      await until(async () => (await ramNames(w, 0)).includes("dan_sso"), "dan_sso");
      assert.deepEqual(await ramNames(w, 0), ["dan", "dan_sso"]);
      assert.equal((await stats(w, up.UserProvisioningId)).FailedEventCount, 0);
    });

    test("failure and retry: a double clash records a failed event; RetryUserProvisioningEvent with TakeOver resolves it and the event disappears", async () => {
      const w = await world(server);
      const cam = camClient(server, w.memberKeys[1]!);
      await cam.AddUser({ Name: "eve", ConsoleLogin: 0 });
      await cam.AddUser({ Name: "eve_sso", ConsoleLogin: 0 });
      const eve = await user(w, "eve");
      const groupId = await groupWith(w, "ops", [eve, await user(w, "fay")]);
      const up = await provision(w, { id: groupId, type: "Group" }, 1);
      await until(async () => (await stats(w, up.UserProvisioningId)).FailedEventCount === 1, "a failed event");
      assert.deepEqual(await ramNames(w, 1), ["eve", "eve_sso", "fay"]);
      const rd = (await w.sso.call("GetUserProvisioningRdAccountStatistics", { DirectoryId: w.directoryId, RdMemberId: String(w.members[1]) })).UserProvisioningStatistics;
      assert.deepEqual([rd.Type, rd.EntityId, rd.FailedEventCount], ["RD Account", String(w.members[1]), 1]);

      const events = await w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId });
      assert.equal(events.TotalCounts, 1);
      const e = events.UserProvisioningEvents[0];
      assert.match(e.EventId, /^upe-[A-Za-z0-9]{20}$/);
      assert.deepEqual(
        [e.UserProvisioningId, e.PrincipalId, e.PrincipalType, e.TargetId, e.TargetType, e.SourceType, e.DuplicationStrategy, e.DeletionStrategy],
        [up.UserProvisioningId, groupId, "Group", String(w.members[1]), "RD-Account", "StartProvisioning", "KeepBoth", "Delete"],
      );
      assert.ok(e.ErrorCount >= 1);
      assert.match(e.ErrorInfo, /ImsUserExists/);
      assert.match(e.ErrorInfo, /"eve" and "eve_sso" both exist/);
      assert.match(e.LatestAsyncTime, TIME);
      assert.equal(JSON.parse(e.Content).UserName, "eve");
      const one = (await w.sso.call("GetUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: e.EventId })).UserProvisioningEvent;
      assert.equal(one.EventId, e.EventId);

      // Another change re-runs the unit: it fails again and the count grows.
      await w.sso.call("AddUserToGroup", { DirectoryId: w.directoryId, GroupId: groupId, UserId: await user(w, "gil") });
      await until(async () => (await ramNames(w, 1)).includes("gil"), "gil");
      await until(async () => (await w.sso.call("GetUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: e.EventId })).UserProvisioningEvent.ErrorCount > e.ErrorCount, "ErrorCount grows");

      await w.sso.call("RetryUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: e.EventId, DuplicationStrategy: "TakeOver" });
      await until(async () => (await stats(w, up.UserProvisioningId)).FailedEventCount === 0, "the event to clear");
      await expectAliyunError(w.sso.call("GetUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: e.EventId }), "EntityNotExists.UserProvisioningEvent", 404);
      assert.equal((await w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId })).TotalCounts, 0);
      assert.deepEqual(await ramNames(w, 1), ["eve", "eve_sso", "fay", "gil"]);
      // eve is now managed: deleting the provisioning (Delete) removes her adopted RAM user, not the unrelated eve_sso.
      await w.sso.call("DeleteUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId });
      await until(async () => (await ramNames(w, 1)).join() === "eve_sso", "cleanup");
    });

    test("events page correctly and filter by provisioning; DeleteUserProvisioningEvent discards one", async () => {
      const w = await world(server);
      const cam = camClient(server, w.memberKeys[0]!);
      const ids: string[] = [];
      for (let i = 0; i < 23; i++) {
        await cam.AddUser({ Name: `c${i}`, ConsoleLogin: 0 });
        await cam.AddUser({ Name: `c${i}_sso`, ConsoleLogin: 0 });
        ids.push(await user(w, `c${i}`));
      }
      const up = await provision(w, { id: await groupWith(w, "clashers", ids), type: "Group" }, 0);
      const other = await provision(w, { id: ids[0]!, type: "User" }, 0);
      await until(async () => (await w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId })).TotalCounts === 24, "24 events");
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId, MaxResults: 10, ...(token ? { NextToken: token } : {}) });
        assert.equal(page.TotalCounts, 23);
        assert.equal(page.MaxResults, 10);
        assert.equal(page.IsTruncated, page.NextToken !== undefined);
        seen.push(...page.UserProvisioningEvents.map((e: { EventId: string }) => e.EventId));
        token = page.NextToken;
        pages++;
      } while (token);
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 23);
      await expectAliyunError(
        w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId, MaxResults: 10, NextToken: (await w.sso.call("ListUserProvisioningEvents", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId, MaxResults: 10 })).NextToken }),
        "InvalidParameter.NextToken",
        400,
      );
      await expectAliyunError(w.sso.call("DeleteUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: seen[0], UserProvisioningId: other.UserProvisioningId }), "EntityNotExists.UserProvisioningEvent", 404);
      await w.sso.call("DeleteUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: seen[0], UserProvisioningId: up.UserProvisioningId });
      assert.equal((await stats(w, up.UserProvisioningId)).FailedEventCount, 22);
    });

    test("DeleteUserProvisioning: the per-call DeletionStrategy overrides the stored one; then EntityNotExists.UserProvisioning (404)", async () => {
      const w = await world(server);
      const up = await provision(w, { id: await user(w, "hal"), type: "User" }, 0, { DeletionStrategy: "Keep" });
      await until(async () => (await ramNames(w, 0)).includes("hal"), "hal");
      await w.sso.call("DeleteUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId, DeletionStrategy: "Delete" });
      await until(async () => !(await ramNames(w, 0)).includes("hal"), "hal removed");
      await until(
        () => w.sso.call("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId }).then(() => false, (e: { code?: string }) => e.code === "EntityNotExists.UserProvisioning"),
        "provisioning gone",
      );
      await expectAliyunError(w.sso.call("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId }), "EntityNotExists.UserProvisioning", 404);
      await expectAliyunError(w.sso.call("GetUserProvisioningStatistics", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId }), "EntityNotExists.UserProvisioning", 404);
    });

    test("provisioning configuration: defaults, update, bounds", async () => {
      const w = await world(server);
      const c = (await w.sso.call("GetUserProvisioningConfiguration", { DirectoryId: w.directoryId })).UserProvisioningConfiguration;
      assert.deepEqual([c.DirectoryId, c.DefaultLandingPage, c.SessionDuration], [w.directoryId, "https://homenew.console.aliyun.com", 6]);
      const u = (await w.sso.call("UpdateUserProvisioningConfiguration", { DirectoryId: w.directoryId, NewDefaultLandingPage: "https://example.com/home", NewSessionDuration: 12 })).UserProvisioningConfiguration;
      assert.deepEqual([u.DefaultLandingPage, u.SessionDuration], ["https://example.com/home", 12]);
      await rejectsAliyun(server, "InvalidParameter.NewSessionDuration", 400, () => w.sso.call("UpdateUserProvisioningConfiguration", { DirectoryId: w.directoryId, NewSessionDuration: 25 }));
      await rejectsAliyun(server, "InvalidParameter.NewDefaultLandingPage", 400, () => w.sso.call("UpdateUserProvisioningConfiguration", { DirectoryId: w.directoryId, NewDefaultLandingPage: "not a url" }));
      assert.equal((await w.sso.call("GetUserProvisioningConfiguration", { DirectoryId: w.directoryId })).UserProvisioningConfiguration.SessionDuration, 12);
    });

    test("bad input: the documented code and HTTP status, and nothing changes", async () => {
      const w = await world(server);
      const u = await user(w, "ida");
      const base = { DirectoryId: w.directoryId, PrincipalId: u, PrincipalType: "User", TargetId: String(w.members[0]), TargetType: "RD-Account", DuplicationStrategy: "KeepBoth", DeletionStrategy: "Delete" };
      const create = (p: Record<string, string>) => () => w.sso.call("CreateUserProvisioning", p);
      const without = (k: keyof typeof base) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k));
      for (const k of Object.keys(base) as (keyof typeof base)[]) await rejectsAliyun(server, `Missing${k}`, 400, create(without(k)), `${k} is mandatory for this action`);
      await rejectsAliyun(server, "EntityNotExists.User", 404, create({ ...base, PrincipalId: "u-nobody" }));
      await rejectsAliyun(server, "EntityNotExists.Group", 404, create({ ...base, PrincipalType: "Group", PrincipalId: "g-nobody" }));
      await rejectsAliyun(server, "EntityNotExists.RdAccount", 404, create({ ...base, TargetId: "123" }));
      await rejectsAliyun(server, "EntityNotExists.RdAccount", 404, create({ ...base, TargetId: "not-a-number" }));
      await rejectsAliyun(server, "InvalidParameter.PrincipalType", 400, create({ ...base, PrincipalType: "Robot" }));
      await rejectsAliyun(server, "InvalidParameter.TargetType", 400, create({ ...base, TargetType: "MemberUin" }));
      await rejectsAliyun(server, "InvalidParameter.DuplicationStrategy", 400, create({ ...base, DuplicationStrategy: "Merge" }));
      await rejectsAliyun(server, "InvalidParameter.DeletionStrategy", 400, create({ ...base, DeletionStrategy: "Shred" }));
      await rejectsAliyun(server, "EntityNotExists.Directory", 404, create({ ...base, DirectoryId: "d-000000000000" }));
      const made = (await w.sso.call("CreateUserProvisioning", base)).UserProvisioning;
      await until(async () => (await stats(w, made.UserProvisioningId)).LatestAsyncTime !== undefined, "reconcile");
      await rejectsAliyun(server, "EntityAlreadyExists.UserProvisioning", 409, create(base));
      await rejectsAliyun(server, "EntityNotExists.UserProvisioning", 404, () => w.sso.call("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: "up-nothing" }));
      await rejectsAliyun(server, "EntityNotExists.UserProvisioning", 404, () => w.sso.call("DeleteUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: "up-nothing" }));
      await rejectsAliyun(server, "EntityNotExists.UserProvisioning", 404, () => w.sso.call("UpdateUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: "up-nothing", NewDescription: "x" }));
      await rejectsAliyun(server, "EntityNotExists.UserProvisioningEvent", 404, () => w.sso.call("GetUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: "upe-nothing" }));
      await rejectsAliyun(server, "EntityNotExists.UserProvisioningEvent", 404, () => w.sso.call("RetryUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: "upe-nothing", DuplicationStrategy: "TakeOver" }));
      await rejectsAliyun(server, "MissingDuplicationStrategy", 400, () => w.sso.call("RetryUserProvisioningEvent", { DirectoryId: w.directoryId, EventId: "upe-nothing" }));
      await rejectsAliyun(server, "EntityNotExists.RdAccount", 404, () => w.sso.call("GetUserProvisioningRdAccountStatistics", { DirectoryId: w.directoryId, RdMemberId: "42" }));
      // Another tenant's key sees none of it.
      const other = await world(server);
      await rejectsAliyun(server, "EntityNotExists.Directory", 404, () => other.sso.call("ListUserProvisionings", { DirectoryId: w.directoryId }));
      await rejectsAliyun(server, "EntityNotExists.User", 404, () => other.sso.call("CreateUserProvisioning", { ...base, DirectoryId: other.directoryId, TargetId: String(other.members[0]) }));
    });

    test("V1 signatures (query and form body) and pop-core drive the same actions", async () => {
      const w = await world(server);
      const u = await user(w, "jon");
      const v1 = aliyunClient(server, w.root, "cloudsso", "v1");
      const up = (
        await v1.call(
          "CreateUserProvisioning",
          { DirectoryId: w.directoryId, PrincipalId: u, PrincipalType: "user", TargetId: String(w.members[1]), TargetType: "RD-Account", DuplicationStrategy: "keepboth", DeletionStrategy: "Delete" },
          { inBody: true },
        )
      ).UserProvisioning;
      assert.equal(up.PrincipalType, "User");
      assert.equal(up.DuplicationStrategy, "keepboth");
      const pop = popClient(server, w.root, "cloudsso");
      const got = await pop.call<{ UserProvisioning: { UserProvisioningId: string } }>("GetUserProvisioning", { DirectoryId: w.directoryId, UserProvisioningId: up.UserProvisioningId });
      assert.equal(got.UserProvisioning.UserProvisioningId, up.UserProvisioningId);
      const listed = await pop.call<{ TotalCounts: number }>("ListUserProvisionings", { DirectoryId: w.directoryId, TargetId: String(w.members[1]) }, "GET");
      assert.equal(listed.TotalCounts, 1);
      await until(async () => (await ramNames(w, 1)).includes("jon"), "jon");
    });

    test("cross-dialect: made with the Alibaba client, seen by the Tencent SDK (zone, users, provisioning, the _sso clash user in CAM)", async () => {
      const w = await world(server);
      await camClient(server, w.memberKeys[0]!).AddUser({ Name: "kai", ConsoleLogin: 0 });
      const kai = await user(w, "kai");
      const groupId = await groupWith(w, "cross", [kai]);
      const up = await provision(w, { id: groupId, type: "Group" }, 0);
      const tc = orgClient(server, w.root);
      const zoneId = (await tc.DescribeIdentityCenter()).ZoneId!;
      assert.equal((await tc.GetUser({ ZoneId: zoneId, UserId: kai })).UserInfo?.UserName, "kai");
      const seen = (await tc.GetUserSyncProvisioning({ ZoneId: zoneId, UserProvisioningId: up.UserProvisioningId })).UserProvisioning!;
      assert.deepEqual([seen.PrincipalId, seen.PrincipalType, seen.TargetUin, seen.TargetType, seen.DuplicationStrategy, seen.Status], [groupId, "Group", w.members[0], "MemberUin", "KeepBoth", "Enabled"]);
      await until(async () => (await ramNames(w, 0)).includes("kai_sso"), "kai_sso in CAM");
      assert.deepEqual(await ramNames(w, 0), ["kai", "kai_sso"]);
      const zone = (await tc.GetZoneStatistics({ ZoneId: zoneId })).ZoneStatistics!;
      assert.deepEqual([zone.UserCount, zone.GroupCount, zone.UserProvisioningCount], [1, 1, 1]);
    });

    test("cross-dialect, reverse: made with the Tencent SDK, seen by the Alibaba client; the _cic clash user in RAM", async () => {
      const root = await server.newRoot();
      const { members } = await orgWithMembers(server, root, 1);
      const memberKey = await server.keyFor(members[0]!);
      await camClient(server, memberKey).AddUser({ Name: "lea", ConsoleLogin: 0 });
      const tc = orgClient(server, root);
      const zoneId = (await tc.OpenIdentityCenter({ ZoneName: `zone-${Math.random().toString(36).slice(2, 10)}` })).ZoneId!;
      const lea = (await tc.CreateUser({ ZoneId: zoneId, UserName: "lea" })).UserInfo!.UserId!;
      const created = await tc.CreateUserSyncProvisioning({ ZoneId: zoneId, UserSyncProvisionings: [{ PrincipalId: lea, PrincipalType: "User", TargetUin: members[0], TargetType: "MemberUin", DuplicationStrategy: "KeepBoth" }] });
      const sso = aliyunClient(server, root, "cloudsso");
      const { Directories } = await sso.call("ListDirectories");
      assert.equal(Directories.length, 1);
      const directoryId = Directories[0].DirectoryId;
      const up = (await sso.call("GetUserProvisioning", { DirectoryId: directoryId, UserProvisioningId: created.Tasks![0]!.UserProvisioningId })).UserProvisioning;
      assert.deepEqual([up.PrincipalId, up.PrincipalName, up.TargetId, up.TargetType], [lea, "lea", String(members[0]), "RD-Account"]);
      const ram = aliyunClient(server, memberKey, "ram");
      await until(async () => ((await ram.call("ListUsers")).Users.User as { UserName: string }[]).some((u) => u.UserName === "lea_cic"), "lea_cic in RAM");
    });
  });
}
