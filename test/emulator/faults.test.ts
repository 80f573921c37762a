/**
 * The emulator's fault rules over real HTTP, through the official SDKs: request faults (throttling,
 * any code in each door's envelope, latency, count and probability), unit and deployment faults,
 * pacing, the native API's guards, and the CLI against a server process.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { systemClock } from "../../src/core/clock.js";
import { Core } from "../../src/core/index.js";
import { SecretBox } from "../../src/core/secrets.js";
import { aliyunClient, expectAliyunError } from "../helpers/aliyun.js";
import { settled, until } from "../helpers/cloudsso.js";
import { seedFanout } from "../helpers/fanout.js";
import { camClient, ENGINES, expectCode, type Key, openTestStore, orgClient, orgWithMembers, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient, refused } from "../helpers/native.js";
import { cli, removeTempDirs, serve, tempDir } from "../helpers/process.js";

after(removeTempDirs);

/**
 * What a client does with a throttling answer: waits a little and calls again (tencentcloud-sdk-nodejs
 * has no retry of its own; the Alibaba clients retry only network errors). Returns the answer and the
 * codes of the refused attempts.
 */
async function retrying<T>(call: () => Promise<T>, retryOn: string, max = 10): Promise<{ answer: T; refused: string[] }> {
  const refusedCodes: string[] = [];
  for (;;) {
    try {
      return { answer: await call(), refused: refusedCodes };
    } catch (e) {
      const code = (e as { code?: string }).code ?? "";
      if (code !== retryOn || refusedCodes.length >= max) throw e;
      refusedCodes.push(code);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

type Org = ReturnType<typeof orgClient>;

/** A tenant: a root account with an organization of `members` members and an open zone (Tencent) / directory (Alibaba). */
async function tenant(server: TestServer, members = 1) {
  const key = await server.newRoot();
  const { members: uins } = await orgWithMembers(server, key, members);
  const org = orgClient(server, key);
  const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: `faults-${randomBytes(4).toString("hex")}` });
  const memberKeys = await Promise.all(uins.map((u) => server.keyFor(u)));
  return { key, org, zoneId: ZoneId!, directoryId: ZoneId!.replace(/^z-/, "d-"), members: uins, memberKeys, api: nativeClient(server, key) };
}

async function userSync(org: Org, zoneId: string, principalId: string, principalType: "User" | "Group", target: number) {
  const { Tasks } = await org.CreateUserSyncProvisioning({
    ZoneId: zoneId,
    UserSyncProvisionings: [{ PrincipalId: principalId, PrincipalType: principalType, TargetUin: target, TargetType: "MemberUin", DeletionStrategy: "Delete", DuplicationStrategy: "KeepBoth" }],
  });
  return Tasks![0]!;
}

for (const engine of ENGINES) {
  describe(`emulator fault rules (${engine})`, () => {
    let server: TestServer;
    let root: ReturnType<typeof nativeClient>;
    before(async () => {
      server = await startServer(engine, { emulator: true });
      root = nativeClient(server, server.root);
    });
    after(() => server?.close());
    const addRule = (rule: object) => root.ok(201, "POST", "/emulator/faults", { body: rule });
    const rules = async () => (await root.ok(200, "GET", "/emulator/faults")).items as { ruleId: string; hits: number; remaining: number | null }[];
    const clear = () => root.ok(200, "DELETE", "/emulator/faults");

    test("the next 3 CreateUserSyncProvisioning calls answer RequestLimitExceeded; a retrying client succeeds on the 4th; the refused calls created nothing; the used-up rule leaves the list", async () => {
      await clear();
      const t = await tenant(server);
      const user = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: "alice" })).UserInfo!;
      const rule = await addRule({ kind: "request", door: "tencent", action: "CreateUserSyncProvisioning", throttle: true, count: 3 });
      assert.match(rule.ruleId, /^fr-[a-z0-9]{12}$/);
      assert.deepEqual([rule.count, rule.remaining, rule.hits, rule.door, rule.action, rule.throttle, rule.error], [3, 3, 0, "tencent", "CreateUserSyncProvisioning", true, null]);
      // Other actions of the door and the same action elsewhere are not matched.
      await t.org.ListUserSyncProvisionings({ ZoneId: t.zoneId });

      const { answer, refused: codes } = await retrying(() => userSync(t.org, t.zoneId, user.UserId!, "User", t.members[0]!), "RequestLimitExceeded");
      assert.deepEqual(codes, ["RequestLimitExceeded", "RequestLimitExceeded", "RequestLimitExceeded"]);
      assert.equal(await settled(t.org, t.zoneId, answer.TaskId!), "Success");
      const listed = await t.org.ListUserSyncProvisionings({ ZoneId: t.zoneId });
      assert.equal(listed.TotalCounts, 1, "only the fourth call made a provisioning");
      assert.deepEqual(listed.UserProvisionings!.map((p) => p.UserProvisioningId), [answer.UserProvisioningId]);
      assert.equal((await server.store.db.selectFrom("provisioning_tasks").select("task_id").where("provisioning_id", "=", answer.UserProvisioningId!).execute()).length, 1);
      assert.deepEqual(await rules(), [], "a counted rule leaves the list when it is used up");
    });

    test("the same shape on the Alibaba door: CreateUser answers Throttling.User through @alicloud/openapi-client, then succeeds", async () => {
      await clear();
      const t = await tenant(server, 0);
      const sso = aliyunClient(server, t.key, "cloudsso");
      await addRule({ kind: "request", door: "aliyun", action: "CreateUser", throttle: true, count: 2 });
      await expectAliyunError(sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: "bob" }), "Throttling.User", 400, "emulator fault rule");
      const { answer, refused: codes } = await retrying(() => sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: "bob" }), "Throttling.User");
      assert.deepEqual(codes, ["Throttling.User"]);
      assert.equal(answer.User.UserName, "bob");
      assert.equal((await sso.call("ListUsers", { DirectoryId: t.directoryId })).TotalCounts, 1);
    });

    test("an arbitrary code is answered in each door's own envelope, with its status where the door has one", async () => {
      await clear();
      const t = await tenant(server, 0);
      const cam = camClient(server, t.key);
      const ram = aliyunClient(server, t.key, "ram");
      await addRule({ kind: "request", door: "tencent", action: "ListUsers", error: { code: "ResourceUnavailable.Maintenance", message: "down for maintenance" }, count: 1 });
      await addRule({ kind: "request", door: "aliyun", action: "ListUsers", error: { code: "InternalError", status: 500 }, count: 1 });
      await addRule({ kind: "request", door: "aliyun", action: "ListUsers", error: { code: "ResourceUnavailable.Maintenance" }, count: 1 });
      await addRule({ kind: "request", door: "native", action: "GetEngine", error: { code: "InternalError", status: 500 }, count: 1 });
      await addRule({ kind: "request", door: "native", action: "GetEngine", error: { code: "ResourceUnavailable.Maintenance" }, count: 1 });
      await addRule({ kind: "request", door: "scim", action: "GetServiceProviderConfig", error: { code: "ResourceUnavailable.X", status: 503 }, count: 1 });
      await addRule({ kind: "request", door: "scim", action: "GetServiceProviderConfig", error: { code: "tooMany", status: 400 }, count: 1 });

      await expectCode(cam.ListUsers(), "ResourceUnavailable.Maintenance", "down for maintenance");
      await expectAliyunError(ram.call("ListUsers"), "InternalError", 500);
      // No status given: read from the code (…Unavailable is 503).
      await expectAliyunError(ram.call("ListUsers"), "ResourceUnavailable.Maintenance", 503);
      const native = await t.api.call("GET", "/engine");
      assert.deepEqual([native.status, native.body.reason, native.body.type, native.body.title], [500, "InternalError", "urn:opencic:problem:InternalError", "Internal Server Error"]);
      const native503 = await t.api.call("GET", "/engine");
      assert.deepEqual([native503.status, native503.body.reason, native503.body.title], [503, "ResourceUnavailable.Maintenance", "Service Unavailable"]);
      const scim1 = await fetch(`${server.url}scim/v2/ServiceProviderConfig`);
      const body1 = (await scim1.json()) as { status: string; scimType?: string; detail: string; schemas: string[] };
      assert.deepEqual([scim1.status, body1.status, body1.scimType, body1.schemas], [503, "503", undefined, ["urn:ietf:params:scim:api:messages:2.0:Error"]]);
      assert.match(body1.detail, /^ResourceUnavailable\.X: /);
      const scim2 = await fetch(`${server.url}scim/v2/ServiceProviderConfig`);
      const body2 = (await scim2.json()) as { status: string; scimType?: string };
      assert.deepEqual([scim2.status, body2.status, body2.scimType], [400, "400", "tooMany"]);
      // Every rule was used once; the calls now succeed.
      assert.deepEqual(await rules(), []);
      await cam.ListUsers();
      await ram.call("ListUsers");
      await t.api.ok(200, "GET", "/engine");
      assert.equal((await fetch(`${server.url}scim/v2/ServiceProviderConfig`)).status, 200);
      // The throttling error of the native and SCIM doors is 429.
      await addRule({ kind: "request", door: "native", action: "GetEngine", throttle: true, count: 1 });
      const throttled = await t.api.call("GET", "/engine");
      assert.deepEqual([throttled.status, throttled.body.reason, throttled.headers.get("retry-after")], [429, "throttled", "1"]);
    });

    test("latency delays the answer; probability 0 never fires and 1 always does; counts are exact under concurrent calls", async () => {
      await clear();
      const t = await tenant(server, 0);
      const cam = camClient(server, t.key);
      const slow = await addRule({ kind: "request", door: "tencent", action: "ListUsers", latencyMs: 400, count: 1 });
      const started = performance.now();
      await cam.ListUsers();
      // At least the delay (a timer may fire a millisecond early): only a lower bound, nothing else is timed.
      assert.ok(performance.now() - started >= 390, `answered after ${performance.now() - started} ms`);
      assert.deepEqual(await rules(), [], `${slow.ruleId} was used`);
      // Latency before an error: both apply.
      await addRule({ kind: "request", door: "tencent", action: "ListUsers", latencyMs: 200, error: { code: "InternalError" }, count: 1 });
      const started2 = performance.now();
      await expectCode(cam.ListUsers(), "InternalError");
      assert.ok(performance.now() - started2 >= 190);

      const never = await addRule({ kind: "request", door: "tencent", action: "ListUsers", error: { code: "InternalError" }, probability: 0 });
      for (let i = 0; i < 20; i++) await cam.ListUsers();
      assert.equal((await rules()).find((r) => r.ruleId === never.ruleId)!.hits, 0);
      await clear();
      const always = await addRule({ kind: "request", door: "tencent", action: "ListUsers", error: { code: "InternalError" }, probability: 1 });
      for (let i = 0; i < 5; i++) await expectCode(cam.ListUsers(), "InternalError");
      assert.equal((await rules()).find((r) => r.ruleId === always.ruleId)!.hits, 5);
      await clear();

      await addRule({ kind: "request", door: "tencent", action: "ListUsers", throttle: true, count: 7 });
      const outcomes = await Promise.all(Array.from({ length: 30 }, () => cam.ListUsers().then(() => "ok", (e: { code?: string }) => e.code)));
      assert.equal(outcomes.filter((o) => o === "RequestLimitExceeded").length, 7);
      assert.equal(outcomes.filter((o) => o === "ok").length, 23);
      assert.deepEqual(await rules(), []);
    });

    test("a unit fault fails that user's unit with the reason (task Failed, the Alibaba event shows it); the others succeed; cleared and retried, it converges", async () => {
      await clear();
      const t = await tenant(server);
      const group = (await t.org.CreateGroup({ ZoneId: t.zoneId, GroupName: "devs" })).GroupInfo!;
      const ids: Record<string, string> = {};
      for (const name of ["alice", "bob", "carol"]) {
        ids[name] = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: name })).UserInfo!.UserId!;
        await t.org.AddUserToGroup({ ZoneId: t.zoneId, GroupId: group.GroupId!, UserId: ids[name]! });
      }
      const reason = "Blocked by a guardrail.";
      await addRule({ kind: "provisioning", userName: "bob", accountId: t.members[0], reason, failureKind: "quota" });
      // Another account's rule does not match.
      await addRule({ kind: "provisioning", userId: ids.carol, accountId: 1, reason: "never" });
      const task = await userSync(t.org, t.zoneId, group.GroupId!, "Group", t.members[0]!);
      assert.equal(await settled(t.org, t.zoneId, task.TaskId!), "Failed");
      const status = (await t.org.GetProvisioningTaskStatus({ ZoneId: t.zoneId, TaskId: task.TaskId! })).TaskStatus!;
      assert.equal(status.FailureReason, `1 user(s) could not be provisioned: bob: ${reason}`);
      const cam = camClient(server, t.memberKeys[0]!);
      assert.deepEqual(((await cam.ListUsers()).Data ?? []).map((u) => u.Name).sort(), ["alice", "carol"]);

      const sso = aliyunClient(server, t.key, "cloudsso");
      const events = await sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId });
      assert.equal(events.TotalCounts, 1);
      const event = events.UserProvisioningEvents[0];
      assert.equal(event.ErrorInfo, `LimitExceeded.UserProvisioning.Process.fail.ImsUserQuota: ${reason}`);
      assert.equal(JSON.parse(event.Content).UserName, "bob");

      await clear();
      await sso.call("RetryUserProvisioningEvent", { DirectoryId: t.directoryId, EventId: event.EventId, DuplicationStrategy: "KeepBoth" });
      await until(async () => ((await cam.ListUsers()).Data ?? []).length === 3, "bob's sub-user");
      assert.deepEqual(((await cam.ListUsers()).Data ?? []).map((u) => u.Name).sort(), ["alice", "bob", "carol"]);
      await until(async () => (await sso.call("ListUserProvisioningEvents", { DirectoryId: t.directoryId })).TotalCounts === 0, "the event to clear");
    });

    test("pacing keeps a task InProgress for 5 s; a poller sees it InProgress, then Success", async () => {
      await clear();
      const t = await tenant(server);
      const user = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: "dora" })).UserInfo!;
      await addRule({ kind: "pacing", work: "provisioning", accountId: t.members[0], holdMs: 5000 });
      const task = await userSync(t.org, t.zoneId, user.UserId!, "User", t.members[0]!);
      const seen: string[] = [];
      await until(async () => {
        const s = (await t.org.GetProvisioningTaskStatus({ ZoneId: t.zoneId, TaskId: task.TaskId! })).TaskStatus!.Status!;
        if (seen.at(-1) !== s) seen.push(s);
        return s !== "InProgress";
      }, "the paced task");
      assert.deepEqual(seen, ["InProgress", "Success"]);
      assert.equal(((await camClient(server, t.memberKeys[0]!).ListUsers()).Data ?? []).length, 1);
      const [rule] = await rules();
      assert.equal(rule!.hits, 1);
    });

    test("a held key does not hold up others, counts no failed attempt, and runs once the (emulated) time has come", async () => {
      await clear();
      const t = await tenant(server, 2);
      const held = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: "erin" })).UserInfo!;
      const free = (await t.org.CreateUser({ ZoneId: t.zoneId, UserName: "finn" })).UserInfo!;
      // Only work into the first account is held, for long.
      await addRule({ kind: "pacing", accountId: t.members[0], holdMs: 120_000 });
      const heldTask = await userSync(t.org, t.zoneId, held.UserId!, "User", t.members[0]!);
      const freeTask = await userSync(t.org, t.zoneId, free.UserId!, "User", t.members[1]!);
      assert.equal(await settled(t.org, t.zoneId, freeTask.TaskId!), "Success");
      // The worker took the held key and gave it back, due at the hold's end.
      const queued = async () => (await server.store.db.selectFrom("reconcile_queue").selectAll().where("work_key", "=", heldTask.UserProvisioningId!).executeTakeFirst())!;
      await until(async () => Number((await queued()).not_before) > Date.now(), "the worker to hold the key");
      assert.equal((await rules())[0]!.hits, 1);
      const row = await queued();
      assert.deepEqual([row.attempts, row.parked_at, row.leased_by], [0, null, null], "a hold is not a failed attempt, and the key is not leased");
      assert.equal((await t.org.GetProvisioningTaskStatus({ ZoneId: t.zoneId, TaskId: heldTask.TaskId! })).TaskStatus!.Status, "InProgress");
      // The emulated clock reaches the hold's end: the key runs.
      server.core.emulator!.clock.advance(120_000);
      try {
        assert.equal(await settled(t.org, t.zoneId, heldTask.TaskId!), "Success");
      } finally {
        server.core.emulator!.clock.reset();
      }
    });

    test("a deployment rule fails deployments into its account with the reason; cleared, the next provision deploys", async () => {
      await clear();
      const caller = { accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false };
      const core = server.core;
      const f = await seedFanout(core, caller, { users: 1, targets: 2, zoneName: `dp-faults-${engine}` });
      const [denied, open] = f.targets as [number, number];
      const config = await core.accessConfigurations.create(caller, f.zoneId, { name: "Auditors" });
      await addRule({ kind: "deployment", accountId: denied, reason: "Access denied by a guardrail." });
      const tasks = await core.accessDeployments.assign(caller, f.zoneId, [denied, open].map((uin) => ({ configurationId: config.configurationId, targetType: "MemberUin", targetUin: uin, principalType: "Group", principalId: f.groupId })));
      const outcome = async (taskId: string) => {
        await until(async () => (await core.accessDeployments.task(caller, f.zoneId, taskId)).status !== "InProgress", `task ${taskId}`);
        return (({ status, failureReason }) => [status, failureReason])(await core.accessDeployments.task(caller, f.zoneId, taskId));
      };
      assert.deepEqual(await Promise.all(tasks.map((x) => outcome(x.taskId))), [
        ["Failed", "Access denied by a guardrail."],
        ["Success", ""],
      ]);
      await clear();
      const again = await core.accessDeployments.provision(caller, f.zoneId, config.configurationId, { targetType: "MemberUin", targetUin: denied });
      assert.deepEqual(await outcome(again.taskId), ["Success", ""]);
    });

    test("the routes: invalid rules are 400 and add nothing; unknown ids 404; sub-users and member accounts refused; the emulator's routes are never faulted", async () => {
      await clear();
      const bad: [object, string, string?][] = [
        [{ kind: "request" }, "value.invalid", "kind"],
        [{ kind: "request", throttle: true, error: { code: "InternalError" } }, "value.invalid", "error"],
        [{ kind: "request", error: { code: "not a code!" } }, "value.invalid", "error.code"],
        [{ kind: "deployment", latencyMs: 5 }, "value.invalid", "latencyMs"],
        [{ kind: "pacing" }, "value.missing", "holdMs"],
        [{ kind: "request", throttle: true, probability: 2 }, "request.invalid_value", "probability"],
        [{ kind: "request", throttle: true, door: "azure" }, "request.invalid_value", "door"],
        [{ kind: "request", throttle: true, error: { code: "X", status: 200 } }, "request.invalid_value", "error.status"],
        [{ kind: "chaos" }, "request.invalid_value", "kind"],
        [{ throttle: true }, "request.missing_parameter", "kind"],
      ];
      for (const [body, reason, field] of bad) await refused(server, 400, reason, () => root.call("POST", "/emulator/faults", { body }), field);
      assert.deepEqual(await rules(), []);
      await refused(server, 404, "emulator.fault_not_found", () => root.call("DELETE", "/emulator/faults/fr-000000000000"));

      const t = await tenant(server);
      const sub = await camClient(server, t.key).AddUser({ Name: "keyed", UseApi: 1 });
      await refused(server, 403, "auth.not_permitted", () => nativeClient(server, { secretId: sub.SecretId!, secretKey: sub.SecretKey! }).call("GET", "/emulator/faults"));
      await refused(server, 403, "emulator.not_root", () => nativeClient(server, t.memberKeys[0]!).call("POST", "/emulator/faults", { body: { kind: "request", throttle: true } }));
      // Another root account may (the emulator is the whole server's).
      await t.api.ok(200, "GET", "/emulator/faults");

      // A rule over every native call leaves the emulator's own routes alone, so it can be lifted.
      const all = await addRule({ kind: "request", door: "any", action: "any", throttle: true });
      assert.equal((await t.api.call("GET", "/engine")).status, 429);
      await root.ok(204, "DELETE", `/emulator/faults/${all.ruleId}`);
      await t.api.ok(200, "GET", "/engine");
      await addRule({ kind: "deployment" });
      await addRule({ kind: "request", door: "native", action: "GetEngine", latencyMs: 1 });
      assert.deepEqual(await clear(), { removed: 2 });
    });
  });

  describe(`emulator fault rules, off (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("a server that is not an emulator answers emulator.disabled and takes no rule", async () => {
      const api = nativeClient(server, server.root);
      await refused(server, 404, "emulator.disabled", () => api.call("GET", "/emulator/faults"));
      await refused(server, 404, "emulator.disabled", () => api.call("POST", "/emulator/faults", { body: { kind: "request", throttle: true } }));
      await refused(server, 404, "emulator.disabled", () => api.call("DELETE", "/emulator/faults"));
      await refused(server, 404, "emulator.disabled", () => api.call("DELETE", "/emulator/faults/fr-000000000000"));
      assert.equal(server.core.faults, undefined);
    });
  });

  test(`OPENCIC_DEPLOYMENT_FAULTS seeds deployment rules in the same table; a reset brings them back (${engine})`, async () => {
    const ts = await openTestStore(engine);
    try {
      const core = new Core({ store: ts.store, clock: systemClock, box: new SecretBox(randomBytes(32)), emulator: true, deploymentFaults: new Map([[100000000002, "No Permission."]]) });
      const seeded = () => core.emulator!.faults.list().map((r) => (r.kind === "deployment" ? [r.kind, r.accountId, r.reason] : [r.kind]));
      assert.deepEqual(seeded(), [["deployment", 100000000002, "No Permission."]]);
      assert.equal(core.faults, core.emulator!.faults);
      core.emulator!.faults.add({ kind: "request", throttle: true });
      assert.equal(core.emulator!.faults.clear(), 2);
      await core.emulator!.reset();
      assert.deepEqual(seeded(), [["deployment", 100000000002, "No Permission."]]);
      // Without the emulator the seeded rules are still one fault table, consulted by the reconciler.
      const plain = new Core({ store: ts.store, clock: systemClock, box: new SecretBox(randomBytes(32)), deploymentFaults: new Map([[100000000003, "Denied."]]) });
      assert.equal(plain.emulator, undefined);
      assert.equal(plain.faults!.deploymentFailure(100000000003), "Denied.");
      assert.equal(plain.faults!.deploymentFailure(100000000002), undefined);
    } finally {
      await ts.cleanup();
    }
  });
}

describe("opencic emulator faults (CLI)", () => {
  test("list, add, delete, clear against a running emulator; the rule applies to SDK calls; a server without --emulator refuses", async () => {
    const secretKey = randomBytes(16).toString("hex");
    const env = { OPENCIC_SECRET_ID: "AKIDemulatorFaults00000000000000001", OPENCIC_SECRET_KEY: secretKey };
    const key: Key = { secretId: env.OPENCIC_SECRET_ID, secretKey };
    const server = await serve(["--data-dir", tempDir(), "--emulator"], env);
    try {
      const endpoint = ["--endpoint", `http://${server.endpoint}`];
      assert.equal((await cli(["emulator", "faults", "list", ...endpoint], env)).trim(), "no fault rules");
      const added = await cli(["emulator", "faults", "add", "--kind", "request", "--door", "tencent", "--action", "ListUsers", "--throttle", "--count", "2", ...endpoint], env);
      const ruleId = /^added (fr-[a-z0-9]{12})  request  tencent\/ListUsers  throttle  2 left  hits 0$/m.exec(added)?.[1];
      assert.ok(ruleId, added);
      const cam = camClient(server, key);
      await expectCode(cam.ListUsers(), "RequestLimitExceeded");
      const listed = JSON.parse(await cli(["emulator", "faults", "list", "--json", ...endpoint], env)) as { items: { ruleId: string; remaining: number; hits: number }[] };
      assert.deepEqual(listed.items.map((r) => [r.ruleId, r.remaining, r.hits]), [[ruleId, 1, 1]]);
      assert.equal((await cli(["emulator", "faults", "delete", ruleId, ...endpoint], env)).trim(), `deleted ${ruleId}`);
      await cam.ListUsers();

      // Keys from the flags too; the server checks every value.
      const flags = [...endpoint, "--secret-id", key.secretId, "--secret-key", key.secretKey];
      const pacing = await cli(["emulator", "faults", "add", "--kind", "pacing", "--work", "deployment", "--hold-ms", "5000", ...flags], {});
      assert.match(pacing, /^added fr-[a-z0-9]{12}  pacing  deployment  held 5000 ms after each mark  hits 0$/m);
      await cli(["emulator", "faults", "add", "--rule", '{"kind":"deployment","accountId":100000000009}', ...flags], {});
      await assert.rejects(cli(["emulator", "faults", "add", "--kind", "request", "--probability", "2", "--throttle", ...flags], {}), /400 request.invalid_value: probability must be <= 1/);
      await assert.rejects(cli(["emulator", "faults", "delete", "fr-000000000000", ...flags], {}), /404 emulator.fault_not_found/);
      assert.equal((await cli(["emulator", "faults", "clear", ...flags], {})).trim(), "deleted 2 fault rules");
      assert.deepEqual(JSON.parse(await cli(["emulator", "faults", "list", "--json", ...flags], {})), { items: [] });
    } finally {
      await server.stop();
    }

    const plain = await serve(["--data-dir", tempDir()], env);
    try {
      await assert.rejects(cli(["emulator", "faults", "list", "--endpoint", `http://${plain.endpoint}`], env), /404 emulator.disabled/);
    } finally {
      await plain.stop();
    }
  });
});
