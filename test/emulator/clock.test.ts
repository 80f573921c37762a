/**
 * The emulator's clock through the official SDKs over real HTTP: moved forward, signed requests
 * expire as the clouds expire them; set back to real time they work again; frozen, wire timestamps
 * stand still; the reconcile worker still runs what is due; a clock moved back keeps due keys due.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { tencentTime } from "../../src/dialects/tencent/format.js";
import { aliyunClient, expectAliyunError } from "../helpers/aliyun.js";
import { settled } from "../helpers/cloudsso.js";
import { ENGINES, expectCode, orgClient, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient, type NativeClient } from "../helpers/native.js";

for (const engine of ENGINES) {
  describe(`emulator clock (${engine})`, () => {
    let server: TestServer;
    let api: NativeClient;

    before(async () => {
      server = await startServer(engine, { emulator: true });
      api = nativeClient(server, server.root);
    });
    after(() => server?.close());

    test("GET /emulator/clock reads real time, running, until it is moved", async () => {
      const before = Date.now();
      const c = await api.ok(200, "GET", "/emulator/clock");
      assert.equal(c.frozen, false);
      assert.ok(c.epochMs >= before && c.epochMs <= Date.now(), `${c.epochMs} is real time`);
      assert.equal(Date.parse(c.now), c.epochMs);
      assert.ok(Math.abs(c.offsetMs) < 50);
    });

    test("advanced by 301 s, a TC3 signature has expired (AuthFailure.SignatureExpire); back on real time it works again", async () => {
      const org = orgClient(server, server.root);
      const moved = await api.ok(200, "POST", "/emulator/clock/advance", { body: { seconds: 301 } });
      assert.ok(moved.offsetMs >= 301_000 && moved.offsetMs < 302_000, JSON.stringify(moved));
      await expectCode(org.CreateOrganization(), "AuthFailure.SignatureExpire");
      const real = await api.ok(200, "PUT", "/emulator/clock", { body: { time: "real" } });
      assert.equal(real.frozen, false);
      assert.ok(Math.abs(real.offsetMs) < 50);
      await org.CreateOrganization();
      assert.ok((await org.DescribeOrganization({})).OrgId);
    });

    test("advanced past Alibaba's 15-minute window, a signed request is InvalidTimeStamp.Expired; 301 s is still inside it; back on real time it works", async () => {
      const ram = aliyunClient(server, server.root, "ram");
      try {
        await api.ok(200, "POST", "/emulator/clock/advance", { body: { ms: 301_000 } });
        await ram.call("ListUsers");
        await api.ok(200, "POST", "/emulator/clock/advance", { body: { seconds: 900 } });
        await expectAliyunError(ram.call("ListUsers"), "InvalidTimeStamp.Expired", 400);
      } finally {
        await api.ok(200, "PUT", "/emulator/clock", { body: { time: "real" } });
      }
      await ram.call("ListUsers");
    });

    test("frozen at an instant, created members carry that instant as CreateTime however long it stands; resume lets it run", async () => {
      const org = orgClient(server, server.root);
      const { RootNodeId } = await org.DescribeOrganization({});
      const at = Math.floor(Date.now() / 1000) * 1000 - 60_000;
      const frozen = await api.ok(200, "PUT", "/emulator/clock", { body: { time: new Date(at).toISOString(), frozen: true } });
      assert.deepEqual([frozen.epochMs, frozen.frozen], [at, true]);
      const member = async (name: string) => (await org.CreateOrganizationMember({ Name: name, PolicyType: "Financial", PermissionIds: [1, 2], NodeId: RootNodeId!, AccountName: name })).Uin!;
      const first = await member("frozen-a");
      // Real time passes; the server's does not.
      await new Promise((r) => setTimeout(r, 1100));
      const second = await member("frozen-b");
      const { Items } = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, Lang: "en" });
      const times = new Map(Items!.map((m) => [m.MemberUin, m.CreateTime]));
      assert.equal(times.get(first), tencentTime(at));
      assert.equal(times.get(second), tencentTime(at));
      assert.equal((await api.ok(200, "GET", "/emulator/clock")).epochMs, at);
      const resumed = await api.ok(200, "POST", "/emulator/clock/resume");
      assert.equal(resumed.frozen, false);
      await new Promise((r) => setTimeout(r, 20));
      assert.ok((await api.ok(200, "GET", "/emulator/clock")).epochMs > at);
      await api.ok(200, "PUT", "/emulator/clock", { body: { time: "real" } });
    });

    test("under a frozen clock the worker still runs a key due now: a user-sync provisioning reaches Success", async () => {
      await api.ok(200, "POST", "/emulator/clock/freeze");
      try {
        const org = orgClient(server, server.root);
        const { Items } = await org.DescribeOrganizationMembers({ Offset: 0, Limit: 50, Lang: "en" });
        const target = Items!.find((m) => m.Name === "frozen-a")!.MemberUin!;
        const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "frozen-zone" });
        const user = (await org.CreateUser({ ZoneId: ZoneId!, UserName: "frozen-user", Email: "frozen@example.com" })).UserInfo!;
        const { Tasks } = await org.CreateUserSyncProvisioning({
          ZoneId: ZoneId!,
          UserSyncProvisionings: [{ PrincipalId: user.UserId, PrincipalType: "User", TargetUin: target, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
        });
        assert.equal(await settled(org, ZoneId!, Tasks![0]!.TaskId!), "Success");
      } finally {
        await api.ok(200, "PUT", "/emulator/clock", { body: { time: "real" } });
      }
    });

    test("bad clock input is refused with a problem and moves nothing", async () => {
      const before = await api.ok(200, "GET", "/emulator/clock");
      const bad = [
        { time: "yesterday" },
        { time: "2026-13-45T00:00:00Z" },
        { time: -5 },
        { time: 8_640_000_000_000_000 },
        { time: "10000-01-01T00:00:00Z" },
        {},
      ];
      for (const body of bad) {
        const r = await api.call("PUT", "/emulator/clock", { body });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      for (const body of [{}, { ms: 1, seconds: 1 }, { ms: 1.5 }, { minutes: 1 }, { seconds: 1e300 }, { seconds: -1e12 }]) {
        const r = await api.call("POST", "/emulator/clock/advance", { body });
        assert.equal(r.status, 400, JSON.stringify(body));
      }
      const after = await api.ok(200, "GET", "/emulator/clock");
      assert.equal(after.frozen, before.frozen);
      assert.ok(Math.abs(after.offsetMs - before.offsetMs) < 50);
    });
  });

  describe(`emulator clock and the reconcile queue (${engine}, no worker)`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { emulator: true, worker: false });
    });
    after(() => server?.close());

    const dueAt = async (key: string) => Number((await server.store.db.selectFrom("reconcile_queue").select("not_before").where("work_key", "=", key).executeTakeFirstOrThrow()).not_before);

    test("a clock moved back keeps a due key due and a backing-off key its wait; moved forward, the wait passes", async () => {
      const api = nativeClient(server, server.root);
      const now = server.core.clock.now();
      await server.store.db
        .insertInto("reconcile_queue")
        .values([
          { work_key: "up-due", not_before: now, attempts: 0, leased_until: null, leased_by: null, parked_at: null, marks: 1 },
          { work_key: "up-waiting", not_before: now + 60_000, attempts: 1, leased_until: null, leased_by: null, parked_at: null, marks: 1 },
        ])
        .execute();
      await api.ok(200, "POST", "/emulator/clock/advance", { body: { seconds: -3600 } });
      const back = server.core.clock.now();
      assert.ok((await dueAt("up-due")) <= back, "the due key is still due");
      const wait = (await dueAt("up-waiting")) - back;
      assert.ok(wait > 50_000 && wait <= 60_000, `the back-off keeps its wait: ${wait} ms`);
      assert.equal((await server.core.queue.stats()).due, 1);
      await api.ok(200, "POST", "/emulator/clock/advance", { body: { seconds: 61 } });
      assert.equal((await server.core.queue.stats()).due, 2);
    });
  });
}
