/**
 * The hidden-state test: a script of SDK calls over real HTTP (organization, members, a zone, users,
 * groups, memberships, a user-sync provisioning polled to Success, CAM and RAM reads of the sub-users
 * it made, paged lists, an Alibaba directory, a rate-limited burst under a frozen clock) answers the
 * same, ids, tokens and times normalized away, on a fresh server, after a reset, and after restoring
 * a snapshot taken when the server was fresh; a snapshot taken mid-script gives back the mid-script
 * answers, and the rest of the script then answers as it did the first time.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseRateLimits } from "../../src/server/rate-limit.js";
import { aliyunClient } from "../helpers/aliyun.js";
import { settled } from "../helpers/cloudsso.js";
import { camClient, ENGINES, type Key, orgClient, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient, type NativeClient } from "../helpers/native.js";

type Answers = unknown[];

/** Answers with what differs between equal states taken out: request ids, random ids, page tokens, times. */
function normalize(answers: Answers): unknown {
  const ids = new Map<string, string>();
  const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;
  const ID = /^(?:[a-z]+-)+[a-z0-9]{8,}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^AKID[A-Za-z0-9]{32}$/i;
  const walk = (v: unknown, key: string): unknown => {
    if (/^(RequestId|requestId)$/.test(key)) return "<request>";
    // Generated passwords are random by design.
    if (key === "Password" && typeof v === "string") return "<password>";
    if (/^(NextToken|nextToken)$/.test(key)) return typeof v === "string" && v !== "" ? "<token>" : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    if (typeof v === "string" && TIME.test(v)) return "<time>";
    if (typeof v === "number" && /(Time|Timestamp|At)$/.test(key)) return "<time>";
    if (typeof v === "string" && ID.test(v)) {
      if (!ids.has(v)) ids.set(v, `<id ${ids.size}>`);
      return ids.get(v);
    }
    return v;
  };
  return walk(answers, "");
}

/** An SDK call's answer, or its error code: both are what a client sees. */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return await call;
  } catch (e) {
    const err = e as { code?: string; httpCode?: number; statusCode?: number };
    return { error: err.code ?? String(e), status: err.statusCode ?? err.httpCode };
  }
}

interface Run {
  answers: Answers;
  zoneId?: string;
}

/** The script's first half: an organization, a zone with users, groups and memberships, a provisioning to Success. */
async function firstHalf(server: TestServer): Promise<Answers> {
  const out: Answers = [];
  const org = orgClient(server, server.root);
  out.push(await outcome(org.CreateOrganization()));
  const { RootNodeId } = await org.DescribeOrganization({});
  const members: number[] = [];
  for (const name of ["alpha", "beta"]) {
    const r = await org.CreateOrganizationMember({ Name: name, PolicyType: "Financial", PermissionIds: [1, 2, 7], NodeId: RootNodeId!, AccountName: name });
    out.push(r);
    members.push(r.Uin!);
  }
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "zone-one" });
  out.push({ ZoneId });
  const users: string[] = [];
  for (const name of ["alice", "bob", "carol"]) {
    const u = await org.CreateUser({ ZoneId: ZoneId!, UserName: name, Email: `${name}@example.com`, DisplayName: `${name} display` });
    out.push(u);
    users.push(u.UserInfo!.UserId!);
  }
  const group = await org.CreateGroup({ ZoneId: ZoneId!, GroupName: "devs", Description: "developers" });
  out.push(group);
  for (const userId of users.slice(0, 2)) out.push(await org.AddUserToGroup({ ZoneId: ZoneId!, GroupId: group.GroupInfo!.GroupId!, UserId: userId }));
  const created = await org.CreateUserSyncProvisioning({
    ZoneId: ZoneId!,
    UserSyncProvisionings: [{ PrincipalId: group.GroupInfo!.GroupId, PrincipalType: "Group", TargetUin: members[0], TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth", Description: "devs to alpha" }],
  });
  out.push(created);
  out.push(await settled(org, ZoneId!, created.Tasks![0]!.TaskId!));
  // A duplicate name in one call is refused the same way each time (the server's own state decides nothing else).
  out.push(await outcome(org.CreateUser({ ZoneId: ZoneId!, UserName: "alice" })));
  return out;
}

/**
 * A burst of one action at one frozen instant: its limit (2 a second) counts from zero on a fresh
 * server. The script starts and ends with it, so counts a reset kept would throttle the next run's
 * first burst (another second's call would clear them).
 */
async function burst(server: TestServer, frozenAt: number, api: NativeClient): Promise<Answers> {
  const out: Answers = [];
  const cam = camClient(server, server.root);
  await api.ok(200, "PUT", "/emulator/clock", { body: { time: frozenAt, frozen: true } });
  try {
    for (let i = 0; i < 3; i++) out.push(await outcome(cam.GetUser({ Name: "nobody" })));
  } finally {
    await api.ok(200, "PUT", "/emulator/clock", { body: { time: "real" } });
  }
  return out;
}

/** Reads of everything the first half made, as both doors show it. */
async function reads(server: TestServer, memberKeys: () => Promise<Key[]>): Promise<Answers> {
  const out: Answers = [];
  const org = orgClient(server, server.root);
  out.push(await org.DescribeOrganization({}));
  out.push(await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Lang: "en" }));
  const { ZoneId } = await org.DescribeIdentityCenter();
  if (!ZoneId) return [...out, "no zone"];
  // Paged: two pages of users and their tokens.
  const page1 = await org.ListUsers({ ZoneId, MaxResults: 2 });
  out.push(page1);
  if (page1.NextToken) out.push(await org.ListUsers({ ZoneId, MaxResults: 2, NextToken: page1.NextToken }));
  out.push(await org.ListGroups({ ZoneId }));
  out.push(await org.ListUserSyncProvisionings({ ZoneId }));
  const [alpha] = await memberKeys();
  if (alpha) {
    // A provisioning makes its sub-users in the order of the directory's user ids, which are random:
    // their UINs follow that order, so the lists are compared by name, without the numbers.
    const byName = <T extends Record<string, unknown>>(list: T[], name: string) =>
      list.map(({ Uin: _uin, Uid: _uid, UserId: _id, ...rest }) => rest).sort((a, b) => String(a[name]).localeCompare(String(b[name])));
    const cam = await camClient(server, alpha).ListUsers();
    out.push({ ...cam, Data: byName((cam.Data ?? []) as Record<string, unknown>[], "Name") });
    const ram = await aliyunClient(server, alpha, "ram").call("ListUsers");
    out.push({ ...ram, Users: { User: byName(ram.Users.User, "UserName") } });
  }
  return out;
}

/** The script's second half: more of the same, and a second tenant with an Alibaba directory. */
async function secondHalf(server: TestServer): Promise<Answers> {
  const out: Answers = [];
  const org = orgClient(server, server.root);
  const { ZoneId } = await org.DescribeIdentityCenter();
  const dave = await org.CreateUser({ ZoneId: ZoneId!, UserName: "dave", Email: "dave@example.com" });
  out.push(dave);
  const { Groups } = await org.ListGroups({ ZoneId: ZoneId! });
  out.push(await org.AddUserToGroup({ ZoneId: ZoneId!, GroupId: Groups![0]!.GroupId!, UserId: dave.UserInfo!.UserId! }));
  const { UserProvisionings } = await org.ListUserSyncProvisionings({ ZoneId: ZoneId! });
  out.push(UserProvisionings?.length);
  // A second root account (core-made, as the harness makes tenants) runs CloudSSO through the Alibaba SDK.
  const tenant = await server.newRoot("tenant-b");
  out.push(tenant.uin);
  const rd = aliyunClient(server, tenant, "resourcemanager");
  out.push(await outcome(rd.call("EnableResourceDirectory", { EnableMode: "CurrentAccount" })));
  const sso = aliyunClient(server, tenant, "cloudsso");
  const dir = await sso.call("CreateDirectory", { DirectoryName: "dir-b" });
  out.push(dir);
  const directoryId = dir.Directory.DirectoryId as string;
  for (const name of ["erin", "frank"]) out.push(await sso.call("CreateUser", { DirectoryId: directoryId, UserName: name, DisplayName: name }));
  out.push(await sso.call("ListUsers", { DirectoryId: directoryId, MaxResults: 1 }));
  out.push(await sso.call("GetDirectory", { DirectoryId: directoryId }));
  return out;
}

/** Member keys are made through the core (as the harness makes them); a member's UIN is the same in every run. */
const memberKeysOf = (server: TestServer) => async (): Promise<Key[]> => {
  const org = orgClient(server, server.root);
  const { Items } = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10, Lang: "en" });
  const alpha = Items?.find((m) => m.Name === "alpha");
  return alpha ? [await server.keyFor(alpha.MemberUin!)] : [];
};

/** Waits until the worker has nothing left to do (the script's changes have all converged). */
async function quiet(server: TestServer): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const s = await server.core.queue.stats();
    if (s.due === 0 && s.leased === 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail("the worker did not finish");
}

for (const engine of ENGINES) {
  describe(`emulator reset and snapshots (${engine})`, () => {
    let server: TestServer;
    let api: NativeClient;
    // One instant for every run's frozen burst: the rate-limit counts of a run leak into the next only if reset keeps them.
    // Two minutes back (inside the 300 s signature window), so no request made at real time shares its
    // rate-limit second: a script that ran within the second it started in would otherwise find the
    // opening burst's counts still there at its closing burst.
    const frozenAt = Math.floor(Date.now() / 1000) * 1000 - 120_000;

    before(async () => {
      server = await startServer(engine, { emulator: true, rateLimits: parseRateLimits("default=100000,GetUser=2,GetProvisioningTaskStatus=100000") });
      api = nativeClient(server, server.root);
    });
    after(() => server?.close());

    async function script(): Promise<{ opening: unknown[]; first: unknown; mid: unknown; second: unknown; end: unknown; closing: unknown }> {
      const opening = await burst(server, frozenAt, api);
      const first = await firstHalf(server);
      await quiet(server);
      const mid = await reads(server, memberKeysOf(server));
      const second = await secondHalf(server);
      await quiet(server);
      const end = await reads(server, memberKeysOf(server));
      const closing = await burst(server, frozenAt, api);
      return { opening: normalize(opening) as unknown[], first: normalize(first), mid: normalize(mid), second: normalize(second), end: normalize(end), closing: normalize(closing) };
    }

    test("a fresh server, a reset one and one restored to a fresh snapshot answer the script alike; a mid-script snapshot restores the mid-script state", async () => {
      const fresh = await snapshot(server.store);
      const atStart = await api.ok(201, "POST", "/emulator/snapshots", { body: { name: "fresh" } });
      assert.equal(atStart.name, "fresh");
      assert.ok(atStart.rows >= 3, `the fresh state has the root account, its key and the settings: ${JSON.stringify(atStart)}`);

      const original = await script();
      const codes = (original.opening as { error?: string }[]).map((a) => a.error);
      assert.deepEqual(codes, ["ResourceNotFound.UserNotExist", "ResourceNotFound.UserNotExist", "RequestLimitExceeded"], "the third call in one second is over the limit");

      // Reset: the store is the fresh one again, byte for byte (the root key kept), and the script answers as before.
      await api.call("POST", "/emulator/reset").then((r) => assert.equal(r.status, 204));
      assert.equal(await snapshot(server.store), fresh, "reset gives back the first-start rows exactly");
      const afterReset = await script();
      assert.deepEqual(afterReset, original);

      // Restore of the snapshot taken when the server was fresh: the same again.
      await api.ok(200, "POST", "/emulator/snapshots/fresh/restore");
      assert.equal(await snapshot(server.store), fresh);
      const restored = await script();
      assert.deepEqual(restored, original);

      // Mid-script: snapshot after the first half, finish the script, restore: the mid-script answers, then the rest as before.
      await api.call("POST", "/emulator/reset");
      const first = normalize(await firstHalf(server));
      await quiet(server);
      await api.ok(201, "POST", "/emulator/snapshots", { body: { name: "mid" } });
      const midStore = await snapshot(server.store);
      assert.deepEqual(first, original.first);
      await secondHalf(server);
      await quiet(server);
      await api.ok(200, "POST", "/emulator/snapshots/mid/restore");
      assert.equal(await snapshot(server.store), midStore, "restore puts every row back");
      assert.deepEqual(normalize(await reads(server, memberKeysOf(server))), original.mid);
      const second = normalize(await secondHalf(server));
      await quiet(server);
      assert.deepEqual(second, original.second);
      assert.deepEqual(normalize(await reads(server, memberKeysOf(server))), original.end);

      // Snapshots survive reset; list and delete them.
      await api.call("POST", "/emulator/reset");
      const list = await api.ok(200, "GET", "/emulator/snapshots");
      assert.deepEqual(list.items.map((s: { name: string }) => s.name), ["fresh", "mid"]);
      assert.equal(list.totalCount, 2);
      await api.call("DELETE", "/emulator/snapshots/mid").then((r) => assert.equal(r.status, 204));
      assert.deepEqual((await api.ok(200, "GET", "/emulator/snapshots")).items.map((s: { name: string }) => s.name), ["fresh"]);
      const gone = await api.call("POST", "/emulator/snapshots/mid/restore");
      assert.equal(gone.status, 404);
      assert.equal(gone.body.reason, "emulator.snapshot_not_found");
    });
  });
}
